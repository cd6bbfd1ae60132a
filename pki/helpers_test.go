package pki

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"sync"
	"testing"
	"time"
)

const testPass = "correct horse battery staple"

// fixedNow makes issuance deterministic except for keys and serials.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(t time.Time) Option { return WithNow(func() time.Time { return t }) }

// newTestCA makes a CA (and, unused, the plan's leaves) with Issue.
func newTestCA(plan Plan, opts ...Option) (*CA, error) {
	b, err := Issue(plan, nil, []byte(testPass), opts...)
	if err != nil {
		return nil, err
	}
	return b.CA, nil
}

func testPlan(kt KeyType) Plan {
	p := DefaultPlan()
	p.FQDN = "Docker.Test"
	p.DNSNames = []string{"docker", "docker.internal"}
	p.IPs = []string{"127.0.0.1", "2001:DB8::1", "::1"}
	p.KeyType = kt
	p.CAOrganization = "Example Ops"
	p.Clients = []string{"alice", "bob"}
	// The CA-wide profile: the root signs every certificate. Per-member
	// trust (the default) is tested with memberPlan.
	p.Trust = TrustCA
	return p
}

// memberPlan is testPlan with per-member trust and n free slots.
func memberPlan(kt KeyType, slots int) Plan {
	p := testPlan(kt)
	p.Trust = TrustMember
	p.Slots = slots
	return p
}

var (
	bundlesMu sync.Mutex
	bundles   = map[KeyType]*Bundle{}
	bundleMu  = map[KeyType]*sync.Mutex{}
)

// testBundle issues (once per key type, RSA-4096 is slow) a bundle valid now.
func testBundle(t testing.TB, kt KeyType) *Bundle {
	t.Helper()
	bundlesMu.Lock()
	mu := bundleMu[kt]
	if mu == nil {
		mu = &sync.Mutex{}
		bundleMu[kt] = mu
	}
	bundlesMu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	bundlesMu.Lock()
	b := bundles[kt]
	bundlesMu.Unlock()
	if b != nil {
		return b
	}
	b, err := Issue(testPlan(kt), nil, []byte(testPass))
	if err != nil {
		t.Fatalf("Issue(%s): %v", kt, err)
	}
	bundlesMu.Lock()
	bundles[kt] = b
	bundlesMu.Unlock()
	return b
}

// sha1SKI recomputes RFC 5280 method 1 independently of subjectKeyID.
func sha1SKI(t testing.TB, c *x509.Certificate) []byte {
	t.Helper()
	var spki struct {
		Algo asn1.RawValue
		Key  asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	s := sha1.Sum(spki.Key.Bytes)
	return s[:]
}

func pool(cas ...*CA) *x509.CertPool {
	p := x509.NewCertPool()
	for _, ca := range cas {
		p.AddCert(ca.Cert)
	}
	return p
}

// pathLenZeroCA makes a root as docker-tls made it with --trust ca before
// the host issuer: pathlen:0, so that it signs leaves and never another CA.
// Every new root is pathlen:1 now; this is the one a reused setup may have.
func pathLenZeroCA(t testing.TB, plan Plan, opts ...Option) *CA {
	t.Helper()
	if err := plan.Validate(); err != nil {
		t.Fatal(err)
	}
	o := newOptions(opts)
	key, err := o.newKey(plan.KeyType)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := newCAWithKey(plan, key, o)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := ca.Cert // today's root, re-signed with the old constraint
	tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
	cert, der, err := sign(tmpl, tmpl, key.Public(), key, o)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.IsCA || cert.MaxPathLen != 0 || !cert.MaxPathLenZero || cert.CheckSignatureFrom(cert) != nil {
		t.Fatalf("pathLenZeroCA: IsCA %v, pathlen %d (zero %v)", cert.IsCA, cert.MaxPathLen, cert.MaxPathLenZero)
	}
	return &CA{Cert: cert, CertPEM: encodeDER(der), Key: key}
}
