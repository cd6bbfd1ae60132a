package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sync"
	"time"
)

// Kind is the role of a certificate.
type Kind string

const (
	KindCA     Kind = "ca"
	KindServer Kind = "server"
	KindClient Kind = "client"
	// KindAnchor is a member anchor: an intermediate CA, one per member.
	KindAnchor Kind = "anchor"
)

// clockSkew backdates NotBefore, so that a host whose clock runs a little
// behind ours does not reject a certificate issued a moment ago.
const clockSkew = 5 * time.Minute

// Option changes how certificates are issued.
type Option func(*options)

type options struct {
	rand io.Reader
	now  func() time.Time
	keys *KeyGen
}

// WithNow sets the clock. The default is time.Now.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithKeys takes keys from g, started earlier with StartKeys, when g
// generates the plan's key type; otherwise g is ignored.
func WithKeys(g *KeyGen) Option { return func(o *options) { o.keys = g } }

func newOptions(opts []Option) *options {
	o := &options{rand: rand.Reader, now: time.Now}
	for _, opt := range opts {
		opt(o)
	}
	if o.rand == nil {
		o.rand = rand.Reader
	}
	if o.now == nil {
		o.now = time.Now
	}
	// Keys are generated concurrently; an arbitrary io.Reader may not be
	// safe for that.
	o.rand = &lockedReader{r: o.rand}
	return o
}

type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

func (o *options) newKey(kt KeyType) (crypto.Signer, error) {
	if o.keys != nil && o.keys.Type() == kt {
		return o.keys.Take()
	}
	return GenerateKey(kt, o.rand)
}

// keyGen is the pool Issue takes its n keys from: g from WithKeys when it
// makes kt (told to expect n more), else a new one with n started.
func (o *options) keyGen(kt KeyType, n int) *KeyGen {
	if o.keys != nil && o.keys.Type() == kt {
		o.keys.expect(n)
		return o.keys
	}
	return StartKeys(kt, n)
}

// CA is a certificate authority able to sign: its certificate and key.
type CA struct {
	Cert    *x509.Certificate
	CertPEM []byte
	Key     crypto.Signer
}

// Leaf is an issued server or client certificate with its key.
type Leaf struct {
	Name    string // the server's FQDN or the client's name
	Kind    Kind
	Cert    *x509.Certificate
	CertPEM []byte
	KeyPEM  []byte // unencrypted PKCS#8 "PRIVATE KEY"
	// Anchor is the member anchor that issued a client certificate with
	// per-member trust; nil when the root issued it.
	Anchor *Anchor
	// HostIssuer is the host issuer that issued a server certificate; nil
	// when the root issued it.
	HostIssuer *HostIssuer
}

// Chain is what a bundle's cert.pem (or server-cert.pem) holds: the
// certificate, then its anchor or host issuer when one issued it, so that
// every verifier can build the path to the root.
func (l *Leaf) Chain() []byte {
	switch {
	case l.Anchor != nil:
		return append(append([]byte{}, l.CertPEM...), l.Anchor.CertPEM...)
	case l.HostIssuer != nil:
		return append(append([]byte{}, l.CertPEM...), l.HostIssuer.CertPEM...)
	}
	return l.CertPEM
}

// Bundle is everything Issue made, as PEM bytes ready to be written.
type Bundle struct {
	CA       *CA
	CAKeyPEM []byte // encrypted PKCS#8; nil when an existing CA was reused
	NewCA    bool
	// HostIssuer signed Server (nil when the CA may not sign one).
	HostIssuer *HostIssuer
	Server     *Leaf
	Clients    []*Leaf
	// Anchors are the member anchors made with per-member trust: one per
	// client (in order), then the free slots.
	Anchors []*Anchor
}

// OutlivesCAError refuses a leaf that would still be valid after its CA
// expires: clients would fail on the CA's date, not the leaf's.
type OutlivesCAError struct {
	Leaf         string
	LeafNotAfter time.Time
	CANotAfter   time.Time
}

func (e *OutlivesCAError) Error() string {
	return fmt.Sprintf("certificate for %s would expire on %s, after its CA (%s): lower the validity in days or renew the CA",
		e.Leaf, e.LeafNotAfter.UTC().Format(time.DateOnly), e.CANotAfter.UTC().Format(time.DateOnly))
}

// Issue validates plan, then makes a new CA (or reuses ca when it is not
// nil), the server certificate and one client certificate per plan.Clients.
// With per-member trust it also makes one anchor per client, which issues
// that client's certificate, and plan.Slots free anchors. All leaf keys are
// generated concurrently. passphrase encrypts a new CA's key and the
// anchors' keys; it is only required when either is made.
func Issue(plan Plan, ca *CA, passphrase []byte, opts ...Option) (*Bundle, error) {
	if err := checkIssue(&plan, ca == nil, passphrase); err != nil {
		return nil, err
	}
	o := newOptions(opts)
	n := 1 + len(plan.Clients)
	if ca == nil {
		n++
	}
	if ca == nil || CanSignAnchors(ca.Cert) {
		n++ // the host issuer's
	}
	keys := o.keyGen(plan.KeyType, n)
	b := &Bundle{CA: ca, NewCA: ca == nil}
	secret, err := b.issueCAs(plan, keys, o)
	if err != nil {
		return nil, err
	}
	// The keys to encrypt, the CA's and the anchors', go in one batch, so
	// that the 600,000 PBKDF2 rounds (one core for ~0.1 s) run once. The
	// encryption then runs while the leaves' keys are still being
	// generated, instead of after them: with RSA the last key often leaves
	// a core idle.
	encrypted := make(chan keyPEMsResult, 1) // buffered: an early return leaks nothing
	if len(secret) > 0 {
		go func() {
			pems, err := EncryptKeys(secret, passphrase, o.rand)
			encrypted <- keyPEMsResult{pems, err}
		}()
	}
	if err := b.issueLeaves(plan, keys, o); err != nil {
		return nil, err
	}
	if len(secret) > 0 {
		r := <-encrypted
		if r.err != nil {
			return nil, r.err
		}
		b.setKeyPEMs(r.pems)
	}
	return b, nil
}

// checkIssue validates plan in place, and the passphrase when Issue will
// encrypt a key with it.
func checkIssue(plan *Plan, newCA bool, passphrase []byte) error {
	if err := plan.Validate(); err != nil {
		return err
	}
	if newCA || plan.Trust == TrustMember {
		if err := ValidatePassphrase(string(passphrase)); err != nil {
			return FieldErrors{{Field: FieldPassphrase, Reason: err.Error()}}
		}
	}
	return nil
}

func takeKey(keys *KeyGen) (crypto.Signer, error) {
	key, err := keys.Take()
	if err != nil {
		return nil, fmt.Errorf("issue: %w", err)
	}
	return key, nil
}

// issueCAs makes the new CA, when there is none, and the member anchors,
// with per-member trust, and returns their keys, to be encrypted.
func (b *Bundle) issueCAs(plan Plan, keys *KeyGen, o *options) ([]crypto.Signer, error) {
	var secret []crypto.Signer
	if b.NewCA {
		// The CA takes the first key ready.
		key, err := takeKey(keys)
		if err != nil {
			return nil, err
		}
		if b.CA, err = newCAWithKey(plan, key, o); err != nil {
			return nil, err
		}
		secret = append(secret, key)
	}
	if plan.Trust == TrustMember {
		// P-256 or Ed25519 keys (see AnchorKeyType): a few milliseconds.
		anchors, anchorKeys, err := newAnchors(b.CA, 1, len(plan.Clients)+plan.Slots, o)
		if err != nil {
			return nil, err
		}
		b.Anchors = anchors
		secret = append(secret, anchorKeys...)
	}
	return secret, nil
}

// issueLeaves issues the server certificate, then each client's, under
// their anchor with per-member trust.
func (b *Bundle) issueLeaves(plan Plan, keys *KeyGen, o *options) error {
	now := o.now()
	if err := b.issueServer(plan, keys, o); err != nil {
		return err
	}
	for i, name := range plan.Clients {
		key, err := takeKey(keys)
		if err != nil {
			return err
		}
		issuer := b.CA
		if b.Anchors != nil {
			issuer = &CA{Cert: b.Anchors[i].Cert, CertPEM: b.Anchors[i].CertPEM, Key: b.Anchors[i].key}
		}
		leaf, err := signLeaf(issuer, clientTemplate(name, key.Public(), now, plan.Days), KindClient, key, o)
		if err != nil {
			return err
		}
		if b.Anchors != nil {
			leaf.Anchor = b.Anchors[i]
		}
		b.Clients = append(b.Clients, leaf)
	}
	return nil
}

// issueServer issues the server certificate through a new host issuer,
// or from the CA itself when it was made with pathlen:0 (by an older
// docker-tls) and may not sign one.
func (b *Bundle) issueServer(plan Plan, keys *KeyGen, o *options) error {
	signer := b.CA
	if CanSignAnchors(b.CA.Cert) {
		key, err := takeKey(keys)
		if err != nil {
			return err
		}
		if b.HostIssuer, err = newHostIssuerWithKey(b.CA, plan, key, o); err != nil {
			return err
		}
		signer = &CA{Cert: b.HostIssuer.Cert, CertPEM: b.HostIssuer.CertPEM, Key: b.HostIssuer.Key}
	}
	key, err := takeKey(keys)
	if err != nil {
		return err
	}
	if b.Server, err = signLeaf(signer, serverTemplate(plan, key.Public(), o.now()), KindServer, key, o); err != nil {
		return err
	}
	b.Server.HostIssuer = b.HostIssuer
	return nil
}

// setKeyPEMs hands out the encrypted keys, in issueCAs' order.
func (b *Bundle) setKeyPEMs(pems [][]byte) {
	if b.NewCA {
		b.CAKeyPEM, pems = pems[0], pems[1:]
	}
	for i, a := range b.Anchors {
		a.KeyPEM = pems[i]
	}
}

type keyPEMsResult struct {
	pems [][]byte
	err  error
}

// NewCA makes a CA for plan (pathlen:1 with either trust: it signs the host
// issuer, and the anchors with per-member trust) and its key encrypted with
// passphrase, e.g. the new root of a switch to per-member trust. It
// validates the CA's fields only.
func NewCA(plan Plan, passphrase []byte, opts ...Option) (*CA, []byte, error) {
	if err := fieldErrorsFor(plan.Validate(), FieldCAName, FieldCAOrg, FieldCADays, FieldKeyType, FieldTrust); err != nil {
		return nil, nil, err
	}
	if err := ValidatePassphrase(string(passphrase)); err != nil {
		return nil, nil, FieldErrors{{Field: FieldPassphrase, Reason: err.Error()}}
	}
	o := newOptions(opts)
	key, err := o.newKey(plan.KeyType)
	if err != nil {
		return nil, nil, fmt.Errorf("new ca: %w", err)
	}
	ca, err := newCAWithKey(plan, key, o)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := EncryptKey(key, passphrase, o.rand)
	if err != nil {
		return nil, nil, err
	}
	return ca, keyPEM, nil
}

// IssueServer issues the server certificate for the plan's names.
func IssueServer(ca *CA, plan Plan, opts ...Option) (*Leaf, error) {
	if err := fieldErrorsFor(plan.Validate(), FieldFQDN, FieldDNSNames, FieldIPs, FieldKeyType, FieldDays); err != nil {
		return nil, err
	}
	o := newOptions(opts)
	key, err := o.newKey(plan.KeyType)
	if err != nil {
		return nil, fmt.Errorf("issue server: %w", err)
	}
	return signLeaf(ca, serverTemplate(plan, key.Public(), o.now()), KindServer, key, o)
}

// IssueClient issues one client certificate, e.g. to onboard a team member.
func IssueClient(ca *CA, name string, days int, kt KeyType, opts ...Option) (*Leaf, error) {
	var errs FieldErrors
	if err := ValidateClientName(name); err != nil {
		errs = append(errs, fieldErr(FieldClients, name, err))
	}
	if err := checkDays(days); err != nil {
		errs = append(errs, fieldErr(FieldDays, fmt.Sprint(days), err))
	}
	if _, err := ParseKeyType(string(kt)); err != nil {
		errs = append(errs, fieldErr(FieldKeyType, string(kt), err))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	o := newOptions(opts)
	key, err := o.newKey(kt)
	if err != nil {
		return nil, fmt.Errorf("issue client: %w", err)
	}
	return signLeaf(ca, clientTemplate(name, key.Public(), o.now(), days), KindClient, key, o)
}

// fieldErrorsFor keeps the FieldErrors about the given fields.
func fieldErrorsFor(err error, fields ...Field) error {
	var all FieldErrors
	if !errors.As(err, &all) {
		return err
	}
	var out FieldErrors
	for _, e := range all {
		if slices.Contains(fields, e.Field) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func template(cn string, pub crypto.PublicKey, now time.Time, days int) *x509.Certificate {
	return &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn},
		NotBefore: now.Add(-clockSkew).UTC(),
		NotAfter:  now.AddDate(0, 0, days).UTC(),
		KeyUsage:  leafKeyUsage(pub),
	}
}

// serverTemplate: DNS names in DNS entries and IPs in IP entries, never an
// IP as a DNS name ("doesn't contain any IP SANs"); serverAuth only.
func serverTemplate(plan Plan, pub crypto.PublicKey, now time.Time) *x509.Certificate {
	t := template(plan.FQDN, pub, now, plan.Days)
	t.DNSNames = plan.SANs()
	t.IPAddresses = plan.ParsedIPs()
	t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	return t
}

// clientTemplate: clientAuth only, so a client cert cannot serve TLS.
func clientTemplate(name string, pub crypto.PublicKey, now time.Time, days int) *x509.Certificate {
	t := template(name, pub, now, days)
	t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return t
}

// leafKeyUsage: digitalSignature for every key; RSA keys also get
// keyEncipherment, for TLS 1.2 RSA key exchange (RFC 5246).
func leafKeyUsage(pub crypto.PublicKey) x509.KeyUsage {
	ku := x509.KeyUsageDigitalSignature
	if _, ok := pub.(*rsa.PublicKey); ok {
		ku |= x509.KeyUsageKeyEncipherment
	}
	return ku
}

func newCAWithKey(plan Plan, key crypto.Signer, o *options) (*CA, error) {
	t := template(plan.CACommonName, key.Public(), o.now(), plan.CADays)
	if plan.CAOrganization != "" {
		t.Subject.Organization = []string{plan.CAOrganization}
	}
	t.IsCA = true
	t.BasicConstraintsValid = true // Go marks basicConstraints critical
	// pathlen:1: the root signs intermediates that sign leaves, never
	// deeper: the host issuer (the server certificate) and, with per-member
	// trust, the member anchors. A CA-wide root signs members' leaves itself.
	t.MaxPathLen = 1
	t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	cert, der, err := sign(t, t, key.Public(), key, o)
	if err != nil {
		return nil, fmt.Errorf("new ca: %w", err)
	}
	return &CA{Cert: cert, CertPEM: encodeDER(der), Key: key}, nil
}

func signLeaf(ca *CA, t *x509.Certificate, kind Kind, key crypto.Signer, o *options) (*Leaf, error) {
	leaf, err := signLeafFor(ca, t, kind, key.Public(), o)
	if err != nil {
		return nil, err
	}
	if leaf.KeyPEM, err = EncodeKey(key); err != nil {
		return nil, err
	}
	return leaf, nil
}

// signLeafFor signs a leaf for a public key whose private key is elsewhere
// (a member's CSR): the Leaf has no KeyPEM.
func signLeafFor(ca *CA, t *x509.Certificate, kind Kind, pub crypto.PublicKey, o *options) (*Leaf, error) {
	if ca == nil || ca.Cert == nil || ca.Key == nil {
		return nil, fmt.Errorf("issue %s %s: no CA to sign with", kind, t.Subject.CommonName)
	}
	if t.NotAfter.After(ca.Cert.NotAfter) {
		return nil, &OutlivesCAError{Leaf: t.Subject.CommonName, LeafNotAfter: t.NotAfter, CANotAfter: ca.Cert.NotAfter}
	}
	// Keep the leaf inside its CA's validity, e.g. for a CA made a
	// moment ago with the same clock.
	if t.NotBefore.Before(ca.Cert.NotBefore) {
		t.NotBefore = ca.Cert.NotBefore
	}
	if !t.NotBefore.Before(t.NotAfter) {
		return nil, fmt.Errorf("issue %s %s: it would expire on %s, before its CA becomes valid (%s)", kind, t.Subject.CommonName,
			t.NotAfter.Format(time.DateOnly), ca.Cert.NotBefore.Format(time.DateOnly))
	}
	t.AuthorityKeyId = ca.Cert.SubjectKeyId
	cert, der, err := sign(t, ca.Cert, pub, ca.Key, o)
	if err != nil {
		return nil, fmt.Errorf("issue %s %s: %w", kind, t.Subject.CommonName, err)
	}
	return &Leaf{Name: t.Subject.CommonName, Kind: kind, Cert: cert, CertPEM: encodeDER(der)}, nil
}

// sign fills in the serial and SubjectKeyId, signs, and parses the result
// again, so that what we return is what a verifier will read.
func sign(t, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer, o *options) (*x509.Certificate, []byte, error) {
	serial, err := newSerial(o.rand)
	if err != nil {
		return nil, nil, err
	}
	t.SerialNumber = serial
	if t.SubjectKeyId, err = subjectKeyID(pub); err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificate(o.rand, t, parent, pub, signer)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse signed certificate: %w", err)
	}
	return cert, der, nil
}

// newSerial returns 128 random bits, positive and non-zero. CA/B Forum rules
// ask for at least 64 bits of entropy; x509 allows up to 20 octets.
func newSerial(r io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	for {
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("serial number: %w", err)
		}
		if s := new(big.Int).SetBytes(b); s.Sign() > 0 {
			return s, nil
		}
	}
}

// subjectKeyID is the SHA-1 of the subjectPublicKey BIT STRING (RFC 5280
// 4.2.1.2, method 1), as OpenSSL computes it. Go 1.25+ would otherwise use
// a truncated SHA-256 for CAs and nothing for leaves.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("subject key id: %w", err)
	}
	var spki struct {
		Algorithm        pkix.AlgorithmIdentifier
		SubjectPublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("subject key id: %w", err)
	}
	sum := sha1.Sum(spki.SubjectPublicKey.Bytes)
	return sum[:], nil
}
