package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// hostRoot makes a root able to sign intermediates (per-member trust).
func hostRoot(t *testing.T, kt KeyType) (*CA, Plan) {
	t.Helper()
	plan := memberPlan(kt, 0)
	ca, _, err := NewCA(plan, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Validate(); err != nil {
		t.Fatal(err)
	}
	return ca, plan
}

func newHostIssuer(t *testing.T, kt KeyType) (*CA, Plan, *HostIssuer) {
	t.Helper()
	root, plan := hostRoot(t, kt)
	hi, err := NewHostIssuer(root, plan)
	if err != nil {
		t.Fatal(err)
	}
	return root, plan, hi
}

// signUnder signs, with the host issuer's key, whatever t asks for: what a
// thief of host-issuer-key.pem could make.
func signUnder(t *testing.T, hi *HostIssuer, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	if tmpl.ExtKeyUsage == nil {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, hi.Cert, key.Public(), hi.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func verifyServer(root *CA, hi *HostIssuer, leaf *x509.Certificate, name string, usage x509.ExtKeyUsage) error {
	inter := x509.NewCertPool()
	inter.AddCert(hi.Cert)
	_, err := leaf.Verify(x509.VerifyOptions{Roots: pool(root), Intermediates: inter, DNSName: name, KeyUsages: []x509.ExtKeyUsage{usage}})
	return err
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func TestHostIssuerProfile(t *testing.T) {
	root, plan, hi := newHostIssuer(t, ECDSAP256)
	c := hi.Cert
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Errorf("basic constraints: IsCA %v valid %v pathlen %d zero %v", c.IsCA, c.BasicConstraintsValid, c.MaxPathLen, c.MaxPathLenZero)
	}
	if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("KeyUsage = %v", c.KeyUsage)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("ExtKeyUsage = %v", c.ExtKeyUsage)
	}
	if !c.PermittedDNSDomainsCritical || !sameStrings(c.PermittedDNSDomains, []string{"docker.test", "docker", "docker.internal"}) {
		t.Errorf("permitted DNS = %v (critical %v)", c.PermittedDNSDomains, c.PermittedDNSDomainsCritical)
	}
	if !sameStrings(c.ExcludedDNSDomains, []string{".docker.test", ".docker", ".docker.internal"}) {
		t.Errorf("excluded DNS = %v", c.ExcludedDNSDomains)
	}
	if got := sameNets(c.PermittedIPRanges, []*net.IPNet{
		{IP: net.ParseIP("127.0.0.1").To4(), Mask: net.CIDRMask(32, 32)},
		{IP: net.ParseIP("2001:db8::1"), Mask: net.CIDRMask(128, 128)},
		{IP: net.ParseIP("::1"), Mask: net.CIDRMask(128, 128)},
	}); !got || len(c.ExcludedIPRanges) != 0 {
		t.Errorf("IP ranges: permitted %v excluded %v", c.PermittedIPRanges, c.ExcludedIPRanges)
	}
	if c.Subject.CommonName != "docker-tls host issuer docker.test" || KeyTypeOf(c.PublicKey) != string(ECDSAP256) {
		t.Errorf("subject %q, key %s", c.Subject.CommonName, KeyTypeOf(c.PublicKey))
	}
	if !bytes.Equal(c.AuthorityKeyId, root.Cert.SubjectKeyId) || len(c.SubjectKeyId) == 0 {
		t.Errorf("AKI %x SKI %x, root SKI %x", c.AuthorityKeyId, c.SubjectKeyId, root.Cert.SubjectKeyId)
	}
	if !c.NotAfter.Equal(root.Cert.NotAfter) {
		t.Errorf("NotAfter %s, want the root's %s", c.NotAfter, root.Cert.NotAfter)
	}
	info, err := Inspect(hi.CertPEM)
	if err != nil || info.Kind != KindHostIssuer {
		t.Errorf("Inspect: %+v, %v", info, err)
	}
	if k, err := ParseKey(hi.KeyPEM); err != nil || !samePublicKey(k.Public(), c.PublicKey) || IsEncrypted(hi.KeyPEM) {
		t.Errorf("KeyPEM: %v", err)
	}
	if !hi.Covers(plan) {
		t.Error("the host issuer does not cover its own plan")
	}
}

func TestHostIssuerLife(t *testing.T) {
	now := time.Now()
	// A century-long root: the host issuer stops at ten years.
	plan := memberPlan(Ed25519, 0)
	plan.CADays = MaxDays
	root, _, err := NewCA(plan, []byte(testPass), at(now))
	if err != nil {
		t.Fatal(err)
	}
	hi, err := NewHostIssuer(root, plan, at(now))
	if err != nil {
		t.Fatal(err)
	}
	if want := now.AddDate(0, 0, MaxHostIssuerDays).UTC().Truncate(time.Second); !hi.Cert.NotAfter.Equal(want) {
		t.Errorf("NotAfter = %s, want %s", hi.Cert.NotAfter, want)
	}
	// A server certificate may not outlive its host issuer.
	plan.Days = MaxHostIssuerDays + 1
	var out *OutlivesCAError
	if _, err := IssueServerFrom(hi, plan, at(now)); !errors.As(err, &out) {
		t.Errorf("IssueServerFrom past the host issuer's end: %v, want *OutlivesCAError", err)
	}
	// An expired root makes none.
	var he *HostIssuerError
	if _, err := NewHostIssuer(root, plan, at(root.Cert.NotAfter.Add(time.Hour))); !errors.As(err, &he) {
		t.Errorf("NewHostIssuer after the root's end: %v", err)
	}
}

// TestHostIssuerNeedsPathLen: a root made with pathlen:0 (--trust ca by an
// older docker-tls) may not sign a host issuer; a --trust ca root made now
// (pathlen:1) signs one.
func TestHostIssuerNeedsPathLen(t *testing.T) {
	plan := testPlan(ECDSAP256) // --trust ca
	old := pathLenZeroCA(t, plan)
	var he *HostIssuerError
	if _, err := NewHostIssuer(old, plan); !errors.As(err, &he) || !strings.Contains(err.Error(), "pathlen:0") {
		t.Errorf("NewHostIssuer under a pathlen:0 root: %v", err)
	}
	root, _, err := NewCA(plan, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	hi, err := NewHostIssuer(root, plan)
	if err != nil {
		t.Fatalf("NewHostIssuer under a new --trust ca root: %v", err)
	}
	server, err := IssueServerFrom(hi, plan)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyServer(root, hi, server.Cert, "docker.test", x509.ExtKeyUsageServerAuth); err != nil {
		t.Errorf("server under a --trust ca root's host issuer: %v", err)
	}
}

func TestHostIssuerServerVerifies(t *testing.T) {
	for _, kt := range []KeyType{ECDSAP256, RSA2048, Ed25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			root, plan, hi := newHostIssuer(t, kt)
			leaf, err := IssueServerFrom(hi, plan)
			if err != nil {
				t.Fatal(err)
			}
			if leaf.Kind != KindServer || leaf.KeyPEM == nil || leaf.HostIssuer != hi {
				t.Errorf("leaf %+v", leaf)
			}
			if want := append(append([]byte{}, leaf.CertPEM...), hi.CertPEM...); !bytes.Equal(leaf.Chain(), want) {
				t.Errorf("Chain is not the certificate then the host issuer:\n%s", leaf.Chain())
			}
			for _, name := range append(plan.SANs(), plan.IPs...) {
				if err := verifyServer(root, hi, leaf.Cert, name, x509.ExtKeyUsageServerAuth); err != nil {
					t.Errorf("verify for %s: %v", name, err)
				}
			}
			// The chain, as server-cert.pem holds it, is enough.
			dir := writeFiles(t, map[string][]byte{"ca.pem": root.CertPEM, "issuer.pem": hi.CertPEM, "server.pem": leaf.CertPEM})
			for _, check := range [][]string{
				{"-verify_hostname", "docker.test"}, {"-verify_hostname", "docker"}, {"-verify_ip", "127.0.0.1"}, {"-verify_ip", "2001:db8::1"},
			} {
				args := append([]string{"verify", "-CAfile", "ca.pem", "-untrusted", "issuer.pem", "-purpose", "sslserver"}, check...)
				if out, err := openssl(t, dir, append(args, "server.pem")...); err != nil || !strings.Contains(out, "server.pem: OK") {
					t.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
		})
	}
}

// TestHostIssuerRefusesOtherNames: whatever the host issuer signs beyond
// the host's own names is refused by crypto/x509 and by OpenSSL.
func TestHostIssuerRefusesOtherNames(t *testing.T) {
	root, _, hi := newHostIssuer(t, ECDSAP256)
	noIPRoot, noIPPlan := hostRoot(t, ECDSAP256)
	noIPPlan.IPs = nil
	noIP, err := NewHostIssuer(noIPRoot, noIPPlan)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		root   *CA
		hi     *HostIssuer
		tmpl   *x509.Certificate
		verify string // the name crypto/x509 checks, "" for none
	}{
		{"otherName", root, hi, &x509.Certificate{Subject: pkix.Name{CommonName: "evil.example"}, DNSNames: []string{"evil.example"}}, "evil.example"},
		{"otherNameBesideOurs", root, hi, &x509.Certificate{Subject: pkix.Name{CommonName: "docker.test"}, DNSNames: []string{"docker.test", "evil.example"}}, "docker.test"},
		{"subdomain", root, hi, &x509.Certificate{Subject: pkix.Name{CommonName: "x.docker.test"}, DNSNames: []string{"x.docker.test"}}, "x.docker.test"},
		{"parentDomain", root, hi, &x509.Certificate{Subject: pkix.Name{CommonName: "test"}, DNSNames: []string{"test"}}, "test"},
		{"otherIPv4", root, hi, &x509.Certificate{Subject: pkix.Name{CommonName: "docker.test"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.7")}}, "10.0.0.7"},
		{"otherIPv6", root, hi, &x509.Certificate{Subject: pkix.Name{CommonName: "docker.test"}, IPAddresses: []net.IP{net.ParseIP("2001:db8::2")}}, "2001:db8::2"},
		{"anyIPWithoutIPs", noIPRoot, noIP, &x509.Certificate{Subject: pkix.Name{CommonName: "docker.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}, "127.0.0.1"},
		{"anyIPv6WithoutIPs", noIPRoot, noIP, &x509.Certificate{Subject: pkix.Name{CommonName: "docker.test"}, IPAddresses: []net.IP{net.ParseIP("::1")}}, "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := signUnder(t, tt.hi, tt.tmpl)
			err := verifyServer(tt.root, tt.hi, c, tt.verify, x509.ExtKeyUsageServerAuth)
			var inv x509.CertificateInvalidError
			if !errors.As(err, &inv) || inv.Reason != x509.CANotAuthorizedForThisName {
				t.Errorf("crypto/x509 Verify: %v, want a name-constraint refusal", err)
			}
			dir := writeFiles(t, map[string][]byte{"ca.pem": tt.root.CertPEM, "issuer.pem": tt.hi.CertPEM, "leaf.pem": pemOf(c)})
			out, err := openssl(t, dir, "verify", "-CAfile", "ca.pem", "-untrusted", "issuer.pem", "-purpose", "sslserver", "leaf.pem")
			if err == nil || !strings.Contains(out, "subtree violation") {
				t.Errorf("openssl verify: err %v, want a subtree violation:\n%s", err, out)
			}
		})
	}
}

// TestHostIssuerRefusesClients: a client certificate from the host issuer
// is refused for client authentication.
func TestHostIssuerRefusesClients(t *testing.T) {
	root, _, hi := newHostIssuer(t, ECDSAP256)
	c := signUnder(t, hi, &x509.Certificate{Subject: pkix.Name{CommonName: "mallory"}, DNSNames: []string{"docker.test"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	var inv x509.CertificateInvalidError
	if err := verifyServer(root, hi, c, "", x509.ExtKeyUsageClientAuth); !errors.As(err, &inv) || inv.Reason != x509.IncompatibleUsage {
		t.Errorf("crypto/x509 Verify for clientAuth: %v, want IncompatibleUsage", err)
	}
	dir := writeFiles(t, map[string][]byte{"ca.pem": root.CertPEM, "issuer.pem": hi.CertPEM, "leaf.pem": pemOf(c)})
	if out, err := openssl(t, dir, "verify", "-CAfile", "ca.pem", "-untrusted", "issuer.pem", "-purpose", "sslclient", "leaf.pem"); err == nil {
		t.Errorf("openssl verify -purpose sslclient accepted it:\n%s", out)
	}
}

func TestIssueServerFromNeedsCover(t *testing.T) {
	_, plan, hi := newHostIssuer(t, ECDSAP256)
	plan.DNSNames = append(plan.DNSNames, "new.example")
	var he *HostIssuerError
	if _, err := IssueServerFrom(hi, plan); !errors.As(err, &he) {
		t.Errorf("IssueServerFrom for a new name: %v, want *HostIssuerError", err)
	}
}

func TestHostIssuerCovers(t *testing.T) {
	_, plan, hi := newHostIssuer(t, ECDSAP256)
	change := map[string]func(p *Plan){
		"addName":    func(p *Plan) { p.DNSNames = append(p.DNSNames, "more.test") },
		"dropName":   func(p *Plan) { p.DNSNames = p.DNSNames[:1] },
		"otherFQDN":  func(p *Plan) { p.FQDN = "other.test" },
		"addIP":      func(p *Plan) { p.IPs = append(p.IPs, "10.0.0.7") },
		"dropIP":     func(p *Plan) { p.IPs = p.IPs[1:] },
		"noIPs":      func(p *Plan) { p.IPs = nil },
		"otherIP":    func(p *Plan) { p.IPs = []string{"127.0.0.2", "2001:db8::1", "::1"} },
		"subdomain":  func(p *Plan) { p.DNSNames = append(p.DNSNames, "x.docker.test") },
		"ipAsString": func(p *Plan) { p.IPs = append(p.IPs[:2:2], "0:0::2") },
	}
	for name, f := range change {
		p := plan
		p.DNSNames = append([]string{}, plan.DNSNames...)
		p.IPs = append([]string{}, plan.IPs...)
		f(&p)
		if hi.Covers(p) {
			t.Errorf("%s: Covers = true for %v %v %v", name, p.FQDN, p.DNSNames, p.IPs)
		}
	}
	same := plan
	same.FQDN = "DOCKER.test"
	same.DNSNames = []string{"docker.internal", "Docker"}
	same.IPs = []string{"::1", "2001:0db8::0001", "127.0.0.1"}
	if !hi.Covers(same) {
		t.Error("Covers = false for the same names in another order and case")
	}
	if (*HostIssuer)(nil).Covers(plan) {
		t.Error("a nil host issuer covers a plan")
	}
}

// TestHostIssuerNestedNames: with example.test and www.example.test, the
// first one's subdomains cannot be excluded (www would be refused too).
func TestHostIssuerNestedNames(t *testing.T) {
	root, plan := hostRoot(t, ECDSAP256)
	plan.FQDN = "example.test"
	plan.DNSNames = []string{"www.example.test"}
	hi, err := NewHostIssuer(root, plan)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := IssueServerFrom(hi, plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"example.test", "www.example.test"} {
		if err := verifyServer(root, hi, leaf.Cert, name, x509.ExtKeyUsageServerAuth); err != nil {
			t.Errorf("verify %s: %v", name, err)
		}
	}
	dir := writeFiles(t, map[string][]byte{"ca.pem": root.CertPEM, "issuer.pem": hi.CertPEM, "server.pem": leaf.CertPEM})
	if out, err := openssl(t, dir, "verify", "-CAfile", "ca.pem", "-untrusted", "issuer.pem", "-purpose", "sslserver", "server.pem"); err != nil {
		t.Errorf("openssl verify: %v\n%s", err, out)
	}
	if !hi.Covers(plan) {
		t.Error("does not cover its plan")
	}
}

func TestLoadHostIssuer(t *testing.T) {
	root, plan, hi := newHostIssuer(t, ECDSAP256)
	got, err := LoadHostIssuer(hi.CertPEM, hi.KeyPEM, root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Cert.Equal(hi.Cert) || !samePublicKey(got.Key.Public(), hi.Cert.PublicKey) || !got.Covers(plan) {
		t.Errorf("loaded %+v", got)
	}
	if _, err := IssueServerFrom(got, plan); err != nil {
		t.Errorf("IssueServerFrom a loaded host issuer: %v", err)
	}

	_, _, otherHI := newHostIssuer(t, ECDSAP256)
	server, err := IssueServerFrom(hi, plan)
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := NewAnchors(root, 1, 1, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	anchorCA, err := anchors[0].Signer(nil)
	if err != nil {
		t.Fatal(err)
	}
	anchorKey, _ := EncodeKey(anchorCA.Key)
	fromRoot := func() *x509.Certificate {
		c := hostIssuerTemplate(plan, time.Now())
		c.NotAfter = root.Cert.NotAfter
		return c
	}
	// A CA from the root, serverAuth only and pathlen:0, but with no name
	// constraints.
	unconstrained := fromRoot()
	unconstrained.PermittedDNSDomains, unconstrained.ExcludedDNSDomains = nil, nil
	unconstrained.PermittedIPRanges, unconstrained.ExcludedIPRanges = nil, nil
	key, _ := GenerateKey(ECDSAP256, nil)
	keyPEM, _ := EncodeKey(key)
	uLeaf, err := signLeafFor(root, unconstrained, KindHostIssuer, key.Public(), newOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	// One that may sign another CA.
	deep := fromRoot()
	deep.MaxPathLen, deep.MaxPathLenZero = 1, false
	dLeaf, err := signLeafFor(root, deep, KindHostIssuer, key.Public(), newOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	// One that may sign client certificates too.
	both := fromRoot()
	both.ExtKeyUsage = append(both.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	bLeaf, err := signLeafFor(root, both, KindHostIssuer, key.Public(), newOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	// One that may not sign certificates.
	noSign := fromRoot()
	noSign.KeyUsage = x509.KeyUsageDigitalSignature
	nLeaf, err := signLeafFor(root, noSign, KindHostIssuer, key.Public(), newOptions(nil))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		cert, key []byte
		root      *x509.Certificate
		want      error // errors.Is; nil: any *HostIssuerError
	}{
		{"leaf", server.CertPEM, server.KeyPEM, root.Cert, nil},
		{"otherRoot", otherHI.CertPEM, otherHI.KeyPEM, root.Cert, nil},
		{"rootItself", root.CertPEM, keyPEM, root.Cert, nil},
		{"mismatchedKey", hi.CertPEM, otherHI.KeyPEM, root.Cert, ErrKeyMismatch},
		{"memberAnchor", anchors[0].CertPEM, anchorKey, root.Cert, nil},
		{"noNameConstraints", uLeaf.CertPEM, keyPEM, root.Cert, nil},
		{"pathlen1", dLeaf.CertPEM, keyPEM, root.Cert, nil},
		{"clientAuthToo", bLeaf.CertPEM, keyPEM, root.Cert, nil},
		{"noCertSign", nLeaf.CertPEM, keyPEM, root.Cert, nil},
		{"noRoot", hi.CertPEM, hi.KeyPEM, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadHostIssuer(tt.cert, tt.key, tt.root)
			var he *HostIssuerError
			if !errors.As(err, &he) {
				t.Fatalf("LoadHostIssuer: %v, want *HostIssuerError", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("LoadHostIssuer: %v, want %v", err, tt.want)
			}
		})
	}
	var pe *ParseError
	if _, err := LoadHostIssuer([]byte("junk"), hi.KeyPEM, root.Cert); !errors.As(err, &pe) {
		t.Errorf("LoadHostIssuer(junk): %v, want *ParseError", err)
	}
}

// TestHostIssuerCoversOnlyStrict: a host issuer that permits the right names
// but lacks an exclusion (an older or hand-made one) is not reused.
func TestHostIssuerCoversOnlyStrict(t *testing.T) {
	root, plan := hostRoot(t, ECDSAP256)
	noIP := plan
	noIP.IPs = nil
	key, err := GenerateKey(ECDSAP256, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		plan   Plan
		change func(c *x509.Certificate)
	}{
		"subdomainsAllowed": {plan, func(c *x509.Certificate) { c.ExcludedDNSDomains = nil }},
		"everyIPAllowed":    {noIP, func(c *x509.Certificate) { c.ExcludedIPRanges = nil }},
	} {
		tmpl := hostIssuerTemplate(tc.plan, time.Now())
		tmpl.NotAfter = root.Cert.NotAfter
		tc.change(tmpl)
		leaf, err := signLeafFor(root, tmpl, KindHostIssuer, key.Public(), newOptions(nil))
		if err != nil {
			t.Fatal(err)
		}
		if (&HostIssuer{Cert: leaf.Cert}).Covers(tc.plan) {
			t.Errorf("%s: Covers = true", name)
		}
	}
}

// TestLoadHostIssuerSameKeyOtherRoot: signed with the root's key, but under
// another name, the chain would not build: refused.
func TestLoadHostIssuerSameKeyOtherRoot(t *testing.T) {
	root, plan := hostRoot(t, ECDSAP256)
	other := plan
	other.CACommonName = "another CA"
	twin, err := newCAWithKey(other, root.Key, newOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	hi, err := NewHostIssuer(twin, plan)
	if err != nil {
		t.Fatal(err)
	}
	var he *HostIssuerError
	if _, err := LoadHostIssuer(hi.CertPEM, hi.KeyPEM, root.Cert); !errors.As(err, &he) {
		t.Errorf("LoadHostIssuer: %v, want *HostIssuerError", err)
	}
}

// TestHostIssuerHandshake: a TLS server that sends server-cert.pem (the
// certificate, then the host issuer) is verified by a client that trusts the
// root only, by name and by IP; a client certificate the host issuer signs
// is refused by a server that trusts the root, as dockerd does with --trust ca.
func TestHostIssuerHandshake(t *testing.T) {
	root, plan, hi := newHostIssuer(t, ECDSAP256)
	server, err := IssueServerFrom(hi, plan)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := IssueClient(root, "alice", 30, ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(server.Chain(), server.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool(root)}
	for _, name := range []string{"docker.test", "127.0.0.1", "::1"} {
		cli := &tls.Config{RootCAs: pool(root), ServerName: name, Certificates: []tls.Certificate{tlsPair(t, alice)}}
		wantHandshake(t, srv, cli, nil, nil)
	}
	// The certificate alone, without the host issuer, does not verify.
	alone, err := tls.X509KeyPair(server.CertPEM, server.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	unknown := func(err error) bool { return err != nil }
	wantHandshake(t, &tls.Config{Certificates: []tls.Certificate{alone}}, &tls.Config{RootCAs: pool(root), ServerName: "docker.test"}, unknown,
		func(err error) bool { var ua x509.UnknownAuthorityError; return errors.As(err, &ua) })

	// A client certificate from the host issuer, sent with its chain.
	key, err := GenerateKey(ECDSAP256, nil)
	if err != nil {
		t.Fatal(err)
	}
	mallory, err := signLeaf(&CA{Cert: hi.Cert, CertPEM: hi.CertPEM, Key: hi.Key}, clientTemplate("mallory", key.Public(), time.Now(), 30), KindClient, key, newOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	mallory.HostIssuer = hi
	mpair, err := tls.X509KeyPair(mallory.Chain(), mallory.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	wantHandshake(t, srv, &tls.Config{RootCAs: pool(root), ServerName: "docker.test", Certificates: []tls.Certificate{mpair}},
		func(err error) bool { return strings.Contains(err.Error(), "incompatible key usage") }, unknown)
}
