package pki

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

var (
	memberMu      sync.Mutex
	memberBundles = map[KeyType]*Bundle{}
)

// memberBundle issues (once per key type) a per-member bundle: alice and bob
// under anchors 1 and 2, and 3 free slots.
func memberBundle(t testing.TB, kt KeyType) *Bundle {
	t.Helper()
	memberMu.Lock()
	defer memberMu.Unlock()
	if b := memberBundles[kt]; b != nil {
		return b
	}
	b, err := Issue(memberPlan(kt, 3), nil, []byte(testPass))
	if err != nil {
		t.Fatalf("Issue(%s, member): %v", kt, err)
	}
	memberBundles[kt] = b
	return b
}

func certPool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func anchorCerts(as []*Anchor) []*x509.Certificate {
	var out []*x509.Certificate
	for _, a := range as {
		out = append(out, a.Cert)
	}
	return out
}

func TestMemberProfiles(t *testing.T) {
	for _, kt := range []KeyType{ECDSAP256, RSA2048, Ed25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			b := memberBundle(t, kt)
			root := b.CA.Cert
			if len(b.Anchors) != 2+3 {
				t.Fatalf("%d anchors, want 2 members + 3 free", len(b.Anchors))
			}
			a1, alice := b.Anchors[0], b.Clients[0]
			verifyClient := func(roots *x509.CertPool, inter ...*x509.Certificate) error {
				_, err := alice.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: certPool(inter...),
					KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
				return err
			}
			tests := []struct {
				name    string
				check   func() error
				wantErr bool
			}{
				{"okRootPathLenOne", func() error {
					return want(root.MaxPathLen == 1 && !root.MaxPathLenZero, "MaxPathLen %d", root.MaxPathLen)
				}, false},
				{"okRootCanSignAnchors", func() error { return want(CanSignAnchors(root), "CanSignAnchors") }, false},
				{"okAnchorIsCA", func() error { return want(a1.Cert.IsCA && a1.Cert.BasicConstraintsValid, "IsCA") }, false},
				{"okAnchorPathLenZero", func() error {
					return want(a1.Cert.MaxPathLen == 0 && a1.Cert.MaxPathLenZero, "MaxPathLen %d", a1.Cert.MaxPathLen)
				}, false},
				{"okAnchorCannotSignAnchors", func() error { return want(!CanSignAnchors(a1.Cert), "CanSignAnchors") }, false},
				{"okAnchorBasicConstraintsCritical", func() error { return want(critical(a1.Cert, oidBasicConstraints), "critical") }, false},
				{"okAnchorKeyUsage", func() error {
					return want(a1.Cert.KeyUsage == x509.KeyUsageCertSign|x509.KeyUsageCRLSign, "KeyUsage %b", a1.Cert.KeyUsage)
				}, false},
				{"okAnchorKeyUsageCritical", func() error { return want(critical(a1.Cert, oidKeyUsage), "critical") }, false},
				{"okAnchorNoEKU", func() error { return want(len(a1.Cert.ExtKeyUsage) == 0, "EKU %v", a1.Cert.ExtKeyUsage) }, false},
				{"okAnchorShortSubject", func() error {
					return want(a1.Cert.Subject.String() == "CN=member anchor 1" && len(a1.Cert.RawSubject) <= 32, "subject %s (%d bytes)", a1.Cert.Subject, len(a1.Cert.RawSubject))
				}, false},
				{"okAnchorSKI", func() error { return want(bytes.Equal(a1.Cert.SubjectKeyId, sha1SKI(t, a1.Cert)), "SKI") }, false},
				{"okAnchorAKI", func() error { return want(bytes.Equal(a1.Cert.AuthorityKeyId, root.SubjectKeyId), "AKI") }, false},
				{"okAnchorSignedByRoot", func() error { return a1.Cert.CheckSignatureFrom(root) }, false},
				{"okAnchorOutlivesNoRoot", func() error { return want(a1.Cert.NotAfter.Equal(root.NotAfter), "NotAfter %v", a1.Cert.NotAfter) }, false},
				{"okAnchorKeyType", func() error {
					return want(KeyTypeOf(a1.Cert.PublicKey) == string(AnchorKeyType(kt)), "key %s", KeyTypeOf(a1.Cert.PublicKey))
				}, false},
				{"okAnchorKeyEncrypted", func() error { return want(IsEncrypted(a1.KeyPEM), "not encrypted") }, false},
				{"okSlotsNumbered", func() error {
					for i, a := range b.Anchors {
						if a.Slot != i+1 || a.Cert.Subject.CommonName != AnchorName(i+1) {
							return fmt.Errorf("anchor %d: slot %d, %s", i, a.Slot, a.Cert.Subject)
						}
					}
					return nil
				}, false},
				{"okClientIssuedByItsAnchor", func() error { return alice.Cert.CheckSignatureFrom(a1.Cert) }, false},
				{"okClientAKI", func() error { return want(bytes.Equal(alice.Cert.AuthorityKeyId, a1.Cert.SubjectKeyId), "AKI") }, false},
				{"okClientAnchor", func() error { return want(alice.Anchor == a1 && b.Clients[1].Anchor == b.Anchors[1], "anchors") }, false},
				{"failClientSignedByRoot", func() error { return alice.Cert.CheckSignatureFrom(root) }, true},
				{"okClientChain", func() error {
					certs, err := ParseCerts(alice.Chain())
					if err != nil {
						return err
					}
					return want(len(certs) == 2 && certs[0].Equal(alice.Cert) && certs[1].Equal(a1.Cert), "chain of %d", len(certs))
				}, false},
				// A strict client's view: the root, with the anchor sent along.
				{"okVerifyToRoot", func() error { return verifyClient(certPool(root), a1.Cert) }, false},
				// dockerd's view: its own anchor trusted on its own.
				{"okVerifyToAnchor", func() error { return verifyClient(certPool(a1.Cert)) }, false},
				{"failVerifyToOtherAnchor", func() error { return verifyClient(certPool(b.Anchors[1].Cert, b.Anchors[2].Cert), a1.Cert) }, true},
				{"failVerifyRootWithoutAnchor", func() error { return verifyClient(certPool(root)) }, true},
				// The server is issued by the host issuer, which the root
				// signs; its chain carries the host issuer, not an anchor.
				{"okServerIssuedByHostIssuer", func() error { return b.Server.Cert.CheckSignatureFrom(b.HostIssuer.Cert) }, false},
				{"failServerSignedByRoot", func() error { return b.Server.Cert.CheckSignatureFrom(root) }, true},
				{"okServerChain", func() error {
					return want(b.Server.Anchor == nil && b.Server.HostIssuer == b.HostIssuer &&
						bytes.Equal(b.Server.Chain(), append(slices.Clone(b.Server.CertPEM), b.HostIssuer.CertPEM...)), "server chain")
				}, false},
				{"okServerVerifiesToRoot", func() error {
					_, err := b.Server.Cert.Verify(x509.VerifyOptions{Roots: certPool(root), Intermediates: certPool(b.HostIssuer.Cert),
						DNSName: "docker.test", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
					return err
				}, false},
				{"okHostIssuerProfile", func() error { return checkHostIssuerOf(b) }, false},
				// dockerd trusts the anchors only: the host issuer is none.
				{"okHostIssuerNotAnAnchor", func() error {
					return want(!slices.ContainsFunc(b.Anchors, func(a *Anchor) bool { return a.Cert.Equal(b.HostIssuer.Cert) }), "host issuer among the anchors")
				}, false},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					err := tt.check()
					if (err != nil) != tt.wantErr {
						t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
					}
				})
			}
		})
	}
}

// TestIssueMember is TestIssue with per-member trust: the root, the first
// anchor and the clients, described in a golden file.
func TestIssueMember(t *testing.T) {
	for _, kt := range []KeyType{ECDSAP256, RSA2048, Ed25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			b, err := Issue(memberPlan(kt, 2), nil, []byte(testPass), at(fixedNow))
			if err != nil {
				t.Fatal(err)
			}
			var s strings.Builder
			describe(&s, "ca", b.CA.Cert, b.CA.Cert)
			describe(&s, "anchor 1", b.Anchors[0].Cert, b.CA.Cert)
			fmt.Fprintf(&s, "[anchors]\n%d: %s\n\n", len(b.Anchors), strings.Join(func() []string {
				var n []string
				for _, a := range b.Anchors {
					n = append(n, a.Cert.Subject.CommonName)
				}
				return n
			}(), ", "))
			describe(&s, "host issuer", b.HostIssuer.Cert, b.CA.Cert)
			describe(&s, "server", b.Server.Cert, b.HostIssuer.Cert)
			for _, c := range b.Clients {
				describe(&s, "client "+c.Name, c.Cert, c.Anchor.Cert)
			}
			kdf, err := ReadKDF(b.Anchors[0].KeyPEM)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&s, "[anchor key]\n%+v\n", kdf)
			golden.RequireEqual(t, s.String())
		})
	}
}

func TestAnchorKeyType(t *testing.T) {
	for kt, want := range map[KeyType]KeyType{ECDSAP256: ECDSAP256, ECDSAP384: ECDSAP384, Ed25519: Ed25519,
		RSA2048: ECDSAP256, RSA3072: ECDSAP384, RSA4096: ECDSAP384, "rsa-8192": ECDSAP256} {
		if got := AnchorKeyType(kt); got != want {
			t.Errorf("AnchorKeyType(%s) = %s, want %s", kt, got, want)
		}
	}
}

func TestCanSignAnchors(t *testing.T) {
	docs, err := ParseCert(fixture(t, "ca.pem")) // OpenSSL's req -x509: CA:TRUE, no pathlen
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ParseCert(fixture(t, "leaf.pem"))
	if err != nil {
		t.Fatal(err)
	}
	old := pathLenZeroCA(t, testPlan(ECDSAP256)) // --trust ca by an older docker-tls
	for _, tt := range []struct {
		name string
		cert *x509.Certificate
		want bool
	}{
		{"okMemberRoot", memberBundle(t, ECDSAP256).CA.Cert, true},
		{"okNoPathLen", docs, true},
		{"okCAWideRoot", testBundle(t, ECDSAP256).CA.Cert, true}, // pathlen:1 now: it signs the host issuer
		{"failPathLenZero", old.Cert, false},
		{"failHostIssuer", testBundle(t, ECDSAP256).HostIssuer.Cert, false},
		{"failAnchor", memberBundle(t, ECDSAP256).Anchors[0].Cert, false},
		{"failLeaf", leaf, false},
	} {
		if got := CanSignAnchors(tt.cert); got != tt.want {
			t.Errorf("%s: CanSignAnchors = %v, want %v", tt.name, got, tt.want)
		}
	}
	// A CA-wide root made with pathlen:0 is refused, and says why.
	_, err = NewAnchors(old, 1, 1, []byte(testPass))
	if err == nil || !strings.Contains(err.Error(), "pathlen:0") {
		t.Errorf("NewAnchors under a pathlen:0 root: %v", err)
	}
	// The CA made elsewhere signs anchors, whose chain verifies to it.
	ca, err := LoadCA(fixture(t, "ca.pem"), fixture(t, "ca-key.pem"), []byte(opensslPass))
	if err != nil {
		t.Fatal(err)
	}
	as, err := NewAnchors(ca, 7, 1, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if as[0].Slot != 7 || KeyTypeOf(as[0].Cert.PublicKey) != string(ECDSAP384) {
		t.Errorf("anchor under an RSA-4096 root: slot %d, key %s", as[0].Slot, KeyTypeOf(as[0].Cert.PublicKey))
	}
	carol, err := IssueMember(as[0], []byte(testPass), "carol", 30, ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Cert.Verify(x509.VerifyOptions{Roots: certPool(ca.Cert), Intermediates: certPool(as[0].Cert),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("carol under the docs CA's anchor: %v", err)
	}
}

func TestEncryptKeys(t *testing.T) {
	var keys []crypto.Signer
	for _, kt := range []KeyType{ECDSAP256, Ed25519, RSA2048} {
		k, err := GenerateKey(kt, nil)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	pems, err := EncryptKeys(keys, []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	var salts, ivs [][]byte
	for i, p := range pems {
		kdf, err := ReadKDF(p)
		if err != nil {
			t.Fatal(err)
		}
		if kdf != (KDFParams{KDF: "pbkdf2", PRF: "hmacWithSHA256", Iterations: 600000, SaltLen: 16, Cipher: "aes-256-cbc"}) {
			t.Errorf("key %d: ReadKDF = %+v", i, kdf)
		}
		back, err := DecryptKey(p, []byte(testPass))
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if !samePublicKey(back.Public(), keys[i].Public()) {
			t.Errorf("key %d: decrypted another key", i)
		}
		if _, err := DecryptKey(p, []byte(testPass+"!")); !errors.Is(err, ErrBadPassphrase) {
			t.Errorf("key %d with a wrong passphrase: %v", i, err)
		}
		salt, iv := pbes2SaltIV(t, p)
		salts, ivs = append(salts, salt), append(ivs, iv)
	}
	// One derivation for the batch: one salt; a fresh IV per key.
	if !bytes.Equal(salts[0], salts[1]) || !bytes.Equal(salts[0], salts[2]) {
		t.Error("the keys of a batch do not share their salt")
	}
	if bytes.Equal(ivs[0], ivs[1]) || bytes.Equal(ivs[1], ivs[2]) {
		t.Error("two keys share an IV")
	}
	other, err := EncryptKeys(keys[:1], []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := pbes2SaltIV(t, other[0]); bytes.Equal(s, salts[0]) {
		t.Error("two batches share a salt")
	}
	if _, err := EncryptKeys(keys, []byte("short"), nil); err == nil {
		t.Error("a short passphrase was accepted")
	}
}

func pbes2SaltIV(t *testing.T, keyPEM []byte) (salt, iv []byte) {
	t.Helper()
	block := findBlock(keyPEM, isKeyBlock)
	var info encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(block.Bytes, &info); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(info.Algo.Parameters.Cipher.Parameters.FullBytes, &iv); err != nil {
		t.Fatal(err)
	}
	return info.Algo.Parameters.KDF.Parameters.Salt, iv
}

func TestParseAnchors(t *testing.T) {
	b := memberBundle(t, ECDSAP256)
	reversed := slices.Clone(b.Anchors)
	slices.Reverse(reversed)
	data := EncodeAnchors(reversed) // written in slot order whatever the order given
	got, err := ParseAnchors(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(b.Anchors) {
		t.Fatalf("%d anchors, want %d", len(got), len(b.Anchors))
	}
	for i, a := range got {
		if a.Slot != i+1 || !a.Cert.Equal(b.Anchors[i].Cert) || !bytes.Equal(a.KeyPEM, b.Anchors[i].KeyPEM) {
			t.Errorf("anchor %d: slot %d", i, a.Slot)
		}
	}
	if !bytes.Equal(EncodeAnchors(got), EncodeAnchors(b.Anchors)) {
		t.Error("encoding is not stable")
	}
	// Opened with the passphrase, an anchor signs members.
	if _, err := got[2].Signer([]byte(testPass + "x")); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	carol, err := IssueMember(got[2], []byte(testPass), "carol", 30, ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	if carol.Cert.CheckSignatureFrom(b.Anchors[2].Cert) != nil || carol.Anchor != got[2] {
		t.Error("carol is not issued by anchor 3")
	}
	// A key swapped between two anchors is refused when opened.
	swapped := &Anchor{Slot: 1, Cert: b.Anchors[0].Cert, CertPEM: b.Anchors[0].CertPEM, KeyPEM: b.Anchors[1].KeyPEM}
	if _, err := swapped.Signer([]byte(testPass)); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("swapped key: %v", err)
	}

	a1 := string(b.Anchors[0].CertPEM)
	k1 := string(b.Anchors[0].KeyPEM)
	for _, tt := range []struct{ name, in, want string }{
		{"failCertWithoutKey", a1, "has no key"},
		{"failKeyWithoutCert", k1, "without its certificate"},
		{"failTwoCerts", a1 + string(b.Anchors[1].CertPEM) + k1, "has no key"},
		{"failNotAnAnchor", string(b.CA.CertPEM) + k1, "not a member anchor"},
		{"failLeaf", string(b.Server.CertPEM) + k1, "not a member anchor"},
		{"failSlotTwice", a1 + k1 + a1 + k1, "listed twice"},
		{"failPlainKey", a1 + string(b.Server.KeyPEM), "unexpected"},
	} {
		if _, err := ParseAnchors([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	if as, err := ParseAnchors(nil); err != nil || len(as) != 0 {
		t.Errorf("ParseAnchors(nil) = %v, %v", as, err)
	}
}

func TestPlanSlots(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trust   Trust
		slots   int
		clients int
		wantErr string
	}{
		{"okDefault", TrustMember, DefaultSlots, 1, ""},
		{"okNoFreeSlot", TrustMember, 0, 1, ""},
		{"okAtCap", TrustMember, MaxAnchors - 3, 3, ""},
		{"failOverCap", TrustMember, MaxAnchors - 2, 3, "more than 500"},
		{"failNegative", TrustMember, -1, 1, "0 or more"},
		{"okCAIgnoresSlots", TrustCA, MaxAnchors * 2, 1, ""},
		{"failUnknownTrust", "everyone", 0, 1, "unknown trust"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan(ECDSAP256)
			p.Trust, p.Slots = tt.trust, tt.slots
			p.Clients = nil
			for i := range tt.clients {
				p.Clients = append(p.Clients, fmt.Sprintf("m%d", i))
			}
			err := p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			fe := AsFieldErrors(err)
			if len(fe) != 1 || !strings.Contains(fe[0].Reason, tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if p := DefaultPlan(); p.Trust != TrustMember || p.Slots != DefaultSlots {
		t.Errorf("DefaultPlan: trust %q, %d slots", p.Trust, p.Slots)
	}
}

// memberTLS is dockerd's configuration with per-member trust: ClientCAs is
// the anchors file (plus, during a switch, the old root).
func memberServer(t *testing.T, srv *Leaf, trusted ...*x509.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{tlsPair(t, srv)},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    certPool(trusted...),
		MinVersion:   tls.VersionTLS12,
	}
}

// memberClient is the docker CLI's configuration: the root to verify the
// server, and the bundle's cert.pem (certificate and anchor) and key.pem.
func memberClient(t *testing.T, root *x509.Certificate, l *Leaf) *tls.Config {
	c, err := tls.X509KeyPair(l.Chain(), l.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{RootCAs: certPool(root), ServerName: "docker.test", MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c}}
}

// sendAnyway makes the client send its certificate even when its issuer is
// not among the CA names the server lists (the docker CLI does not): to
// check that the server refuses it on its own.
func sendAnyway(c *tls.Config) *tls.Config {
	cert := c.Certificates[0]
	c.Certificates = nil
	c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	return c
}

func TestMemberTLSHandshake(t *testing.T) {
	now := time.Now()
	plan := memberPlan(ECDSAP256, 2)
	plan.Clients = []string{"alice", "bob", "carol"}
	b, err := Issue(plan, nil, []byte(testPass), at(now.AddDate(0, -1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	root := b.CA.Cert
	server, err := IssueServer(b.CA, plan, at(now))
	if err != nil {
		t.Fatal(err)
	}
	alice, bob, carol := b.Clients[0], b.Clients[1], b.Clients[2]
	all := anchorCerts(b.Anchors)
	withoutBob := slices.Delete(slices.Clone(all), 1, 2)
	// A certificate the root signed directly, as in a CA-wide setup.
	direct, err := IssueClient(b.CA, "mallory", 30, ECDSAP256, at(now))
	if err != nil {
		t.Fatal(err)
	}
	// A member who joins later, under a free slot nobody restarted for.
	dave, err := IssueMember(b.Anchors[3], []byte(testPass), "dave", 30, ECDSAP256, at(now))
	if err != nil {
		t.Fatal(err)
	}
	tls12 := func(c *tls.Config) *tls.Config { c.MaxVersion = tls.VersionTLS12; return c }
	alert := func(text string) func(error) bool {
		return func(err error) bool { return err != nil && strings.Contains(err.Error(), text) }
	}
	unknownCA := func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }
	tests := []struct {
		name             string
		srv, cli         *tls.Config
		srvFail, cliFail func(error) bool
	}{
		{"okAlice", memberServer(t, server, all...), memberClient(t, root, alice), nil, nil},
		{"okAliceTLS12", memberServer(t, server, all...), tls12(memberClient(t, root, alice)), nil, nil},
		{"okFreeSlotNoRestart", memberServer(t, server, all...), memberClient(t, root, dave), nil, nil},
		{"okAliceAfterBobRemoved", memberServer(t, server, withoutBob...), memberClient(t, root, alice), nil, nil},
		{"okCarolAfterBobRemoved", memberServer(t, server, withoutBob...), memberClient(t, root, carol), nil, nil},
		// The docker CLI sends a certificate only when its issuer is among
		// the names the server lists: bob's anchor is not, so he sends none.
		{"failBobRemoved", memberServer(t, server, withoutBob...), memberClient(t, root, bob),
			alert("didn't provide a certificate"), alert("certificate required")},
		{"failBobRemovedTLS12", memberServer(t, server, withoutBob...), tls12(memberClient(t, root, bob)),
			alert("didn't provide a certificate"), alert("handshake failure")},
		// Sent anyway, the server refuses it: its chain reaches no anchor.
		{"failBobRemovedSentAnyway", memberServer(t, server, withoutBob...), sendAnyway(memberClient(t, root, bob)),
			unknownCA, alert("unknown certificate authority")},
		{"failSignedByRootDirectly", memberServer(t, server, all...), sendAnyway(memberClient(t, root, direct)),
			unknownCA, alert("unknown certificate authority")},
		// During a switch the root is still trusted as a whole: old
		// bundles get in, and so do the new ones.
		{"okRootSignedDuringSwitch", memberServer(t, server, append(slices.Clone(all), root)...), memberClient(t, root, direct), nil, nil},
		{"okMemberDuringSwitch", memberServer(t, server, append(slices.Clone(withoutBob), root)...), memberClient(t, root, alice), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantHandshake(t, tt.srv, tt.cli, tt.srvFail, tt.cliFail)
		})
	}
}

// atCap is a per-member setup at MaxAnchors: one member and every other
// anchor a free slot.
var atCap = sync.OnceValues(func() (*Bundle, error) {
	plan := memberPlan(ECDSAP256, MaxAnchors-1)
	plan.Clients = []string{"alice"}
	return Issue(plan, nil, []byte(testPass))
})

// TestHandshakeAtCap: with MaxAnchors anchors the server's list of CA
// names stays well under the 64 KB that broke handshakes, and a member
// under the first and one under the last anchor both get in with Go's
// client, which picks its certificate from that list.
func TestHandshakeAtCap(t *testing.T) {
	b, err := atCap()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Anchors) != MaxAnchors {
		t.Fatalf("%d anchors", len(b.Anchors))
	}
	anchors := anchorCerts(b.Anchors)
	if n := caListSize(anchors); n > 32<<10 {
		t.Errorf("the CA names take %d bytes at the cap, want at most 32 KB (64 KB broke the handshake)", n)
	}
	last, err := IssueMember(b.Anchors[MaxAnchors-1], []byte(testPass), "zoe", 30, ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []*Leaf{b.Clients[0], last} {
		srvErr, cliErr := handshake(t, memberServer(t, b.Server, anchors...), memberClient(t, b.CA.Cert, l))
		if srvErr != nil || cliErr != nil {
			t.Errorf("%s at the cap: server %v, client %v", l.Name, srvErr, cliErr)
		}
	}
}

// countingConn counts the bytes a side writes.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.Conn.Write(p)
}

// BenchmarkHandshakeAtCap times a full mutual-TLS handshake (TLS 1.3, ECDSA
// P-256) against a server trusting MaxAnchors anchors, and one trusting 16,
// and reports the bytes the server sends in it: its CA names grow with the
// anchors. go test -run XXX -bench HandshakeAtCap ./pki
func BenchmarkHandshakeAtCap(b *testing.B) {
	bundle, err := atCap()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{DefaultSlots, MaxAnchors} {
		b.Run(fmt.Sprintf("anchors=%d", n), func(b *testing.B) {
			anchors := anchorCerts(bundle.Anchors[:n])
			srv := &tls.Config{Certificates: []tls.Certificate{tlsPairB(b, bundle.Server)}, ClientAuth: tls.RequireAndVerifyClientCert,
				ClientCAs: certPool(anchors...), MinVersion: tls.VersionTLS12}
			c, err := tls.X509KeyPair(bundle.Clients[0].Chain(), bundle.Clients[0].KeyPEM)
			if err != nil {
				b.Fatal(err)
			}
			cli := &tls.Config{RootCAs: certPool(bundle.CA.Cert), ServerName: "docker.test", Certificates: []tls.Certificate{c}}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			var sent atomic.Int64
			for b.Loop() {
				done := make(chan error, 1)
				go func() {
					sc, err := ln.Accept()
					if err != nil {
						done <- err
						return
					}
					defer sc.Close()
					done <- tls.Server(countingConn{sc, &sent}, srv).Handshake()
				}()
				cc, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				if err := tls.Client(cc, cli).Handshake(); err != nil {
					b.Fatal(err)
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
				cc.Close()
			}
			b.ReportMetric(float64(sent.Load())/float64(b.N), "server-bytes/op")
			b.ReportMetric(float64(caListSize(anchors)), "ca-names-bytes")
		})
	}
}

func tlsPairB(b *testing.B, l *Leaf) tls.Certificate {
	c, err := tls.X509KeyPair(l.Chain(), l.KeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// caListSize is the size in bytes of the certificate_authorities a TLS
// server sends with these anchors (each subject with its 2-byte length):
// what MaxAnchors keeps under the 64 KB that broke the handshake.
func caListSize(certs []*x509.Certificate) int {
	n := 0
	for _, c := range certs {
		n += 2 + len(c.RawSubject)
	}
	return n
}
