package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

func TestProfiles(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			b := testBundle(t, kt)
			ca, hi, srv, cli := b.CA.Cert, b.HostIssuer.Cert, b.Server.Cert, b.Clients[0].Cert
			leafKU := x509.KeyUsageDigitalSignature
			if strings.HasPrefix(string(kt), "rsa") {
				leafKU |= x509.KeyUsageKeyEncipherment
			}
			// A client trusting the root only, given what the peer sends:
			// the server's chain carries the host issuer.
			verifyWith := func(inter *x509.CertPool, c *x509.Certificate, name string, eku x509.ExtKeyUsage) error {
				_, err := c.Verify(x509.VerifyOptions{Roots: pool(b.CA), Intermediates: inter, DNSName: name, KeyUsages: []x509.ExtKeyUsage{eku}})
				return err
			}
			chain, err := ParseCerts(b.Server.Chain())
			if err != nil {
				t.Fatal(err)
			}
			sent := x509.NewCertPool()
			for _, c := range chain[1:] {
				sent.AddCert(c)
			}
			verify := func(c *x509.Certificate, name string, eku x509.ExtKeyUsage) error {
				return verifyWith(sent, c, name, eku)
			}
			tests := []struct {
				name    string
				check   func() error
				wantErr bool
			}{
				{"okCAIsCA", func() error { return want(ca.IsCA && ca.BasicConstraintsValid, "IsCA") }, false},
				// pathlen:1 with CA-wide trust too: the root signs the host issuer.
				{"okCAPathLenOne", func() error { return want(ca.MaxPathLen == 1 && !ca.MaxPathLenZero, "MaxPathLen %d", ca.MaxPathLen) }, false},
				{"okCACanSignHostIssuer", func() error { return want(CanSignAnchors(ca), "CanSignAnchors") }, false},
				{"okCABasicConstraintsCritical", func() error { return want(critical(ca, oidBasicConstraints), "critical") }, false},
				{"okCAKeyUsage", func() error {
					return want(ca.KeyUsage == x509.KeyUsageCertSign|x509.KeyUsageCRLSign|x509.KeyUsageDigitalSignature, "KeyUsage %b", ca.KeyUsage)
				}, false},
				{"okCAKeyUsageCritical", func() error { return want(critical(ca, oidKeyUsage), "critical") }, false},
				{"okCANoEKU", func() error { return want(len(ca.ExtKeyUsage) == 0, "EKU %v", ca.ExtKeyUsage) }, false},
				{"okCASubject", func() error {
					return want(ca.Subject.CommonName == DefaultCACommonName && slices.Equal(ca.Subject.Organization, []string{"Example Ops"}), "subject %s", ca.Subject)
				}, false},
				{"okCASelfSigned", func() error { return ca.CheckSignatureFrom(ca) }, false},
				{"okCASKIMethod1", func() error { return want(bytes.Equal(ca.SubjectKeyId, sha1SKI(t, ca)), "SKI %x", ca.SubjectKeyId) }, false},
				{"okCAValidity", func() error { return wantDays(ca, DefaultCADays) }, false},

				{"okHostIssuerProfile", func() error { return checkHostIssuerOf(b) }, false},
				{"okHostIssuerCovers", func() error { return want(b.HostIssuer.Covers(testPlan(kt)), "Covers") }, false},
				{"failHostIssuerSignsCA", func() error { return want(CanSignAnchors(hi), "CanSignAnchors") }, true},

				{"okServerNotCA", func() error { return want(!srv.IsCA, "IsCA") }, false},
				{"okServerKeyUsage", func() error { return want(srv.KeyUsage == leafKU, "KeyUsage %b", srv.KeyUsage) }, false},
				{"okServerEKU", func() error {
					return want(slices.Equal(srv.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) && len(srv.UnknownExtKeyUsage) == 0, "EKU %v", srv.ExtKeyUsage)
				}, false},
				{"okServerCN", func() error { return want(srv.Subject.CommonName == "docker.test", "CN %q", srv.Subject.CommonName) }, false},
				{"okServerDNSNames", func() error {
					return want(slices.Equal(srv.DNSNames, []string{"docker.test", "docker", "docker.internal"}), "DNS %v", srv.DNSNames)
				}, false},
				{"okServerIPs", func() error {
					wantIPs := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("2001:db8::1"), net.ParseIP("::1")}
					if len(srv.IPAddresses) != len(wantIPs) {
						return fmt.Errorf("IPs %v", srv.IPAddresses)
					}
					for i := range wantIPs {
						if !srv.IPAddresses[i].Equal(wantIPs[i]) {
							return fmt.Errorf("IP %d: %v", i, srv.IPAddresses[i])
						}
					}
					return want(len(srv.IPAddresses[1]) == net.IPv6len, "IPv6 entry of %d bytes", len(srv.IPAddresses[1]))
				}, false},
				{"okServerNoIPInDNS", func() error {
					for _, n := range srv.DNSNames {
						if net.ParseIP(n) != nil {
							return fmt.Errorf("IP %s in a DNS SAN", n)
						}
					}
					return nil
				}, false},
				{"okServerSKI", func() error { return want(bytes.Equal(srv.SubjectKeyId, sha1SKI(t, srv)), "SKI %x", srv.SubjectKeyId) }, false},
				{"okServerAKI", func() error {
					return want(bytes.Equal(srv.AuthorityKeyId, hi.SubjectKeyId), "AKI %x", srv.AuthorityKeyId)
				}, false},
				{"okServerSignedByHostIssuer", func() error { return srv.CheckSignatureFrom(hi) }, false},
				{"failServerSignedByCA", func() error { return srv.CheckSignatureFrom(ca) }, true},
				{"okServerChain", func() error {
					return want(b.Server.HostIssuer == b.HostIssuer && len(chain) == 2 && chain[0].Equal(srv) && chain[1].Equal(hi), "chain of %d", len(chain))
				}, false},
				{"failServerVerifyWithoutHostIssuer", func() error { return verifyWith(nil, srv, "docker.test", x509.ExtKeyUsageServerAuth) }, true},
				{"okServerValidity", func() error { return wantDays(srv, DefaultDays) }, false},
				{"okServerVerifyFQDN", func() error { return verify(srv, "docker.test", x509.ExtKeyUsageServerAuth) }, false},
				{"okServerVerifyExtraName", func() error { return verify(srv, "docker.internal", x509.ExtKeyUsageServerAuth) }, false},
				{"okServerVerifyIPv4", func() error { return verify(srv, "127.0.0.1", x509.ExtKeyUsageServerAuth) }, false},
				{"okServerVerifyIPv6", func() error { return verify(srv, "2001:db8::1", x509.ExtKeyUsageServerAuth) }, false},
				{"failServerVerifyOtherName", func() error { return verify(srv, "other.test", x509.ExtKeyUsageServerAuth) }, true},
				{"failServerVerifyOtherIP", func() error { return verify(srv, "10.0.0.1", x509.ExtKeyUsageServerAuth) }, true},
				{"failServerVerifyAsClient", func() error { return verify(srv, "", x509.ExtKeyUsageClientAuth) }, true},

				{"okClientNotCA", func() error { return want(!cli.IsCA, "IsCA") }, false},
				{"okClientCN", func() error { return want(cli.Subject.CommonName == "alice", "CN %q", cli.Subject.CommonName) }, false},
				{"okClientKeyUsage", func() error { return want(cli.KeyUsage == leafKU, "KeyUsage %b", cli.KeyUsage) }, false},
				{"okClientEKU", func() error {
					return want(slices.Equal(cli.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}), "EKU %v", cli.ExtKeyUsage)
				}, false},
				{"okClientNoSANs", func() error { return want(len(cli.DNSNames)+len(cli.IPAddresses) == 0, "SANs") }, false},
				{"okClientSKI", func() error { return want(bytes.Equal(cli.SubjectKeyId, sha1SKI(t, cli)), "SKI %x", cli.SubjectKeyId) }, false},
				{"okClientAKI", func() error { return want(bytes.Equal(cli.AuthorityKeyId, ca.SubjectKeyId), "AKI") }, false},
				{"okClientSignedByCA", func() error { return cli.CheckSignatureFrom(ca) }, false},
				{"okClientVerify", func() error { return verifyWith(nil, cli, "", x509.ExtKeyUsageClientAuth) }, false},
				// The root, not the host issuer, issues clients (CA-wide).
				{"failClientSignedByHostIssuer", func() error { return cli.CheckSignatureFrom(hi) }, true},
				{"failClientVerifyAsServer", func() error { return verify(cli, "", x509.ExtKeyUsageServerAuth) }, true},
				{"failClientSignedByServer", func() error { return cli.CheckSignatureFrom(srv) }, true},
				{"okKeysMatch", func() error {
					return errors.Join(CheckKeyPair(b.Server.CertPEM, b.Server.KeyPEM), CheckKeyPair(b.Clients[1].CertPEM, b.Clients[1].KeyPEM))
				}, false},
				{"failKeysSwapped", func() error { return CheckKeyPair(b.Server.CertPEM, b.Clients[0].KeyPEM) }, true},
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

// checkHostIssuerOf checks the host issuer Issue made for testPlan's names
// (either trust): a pathlen:0 CA signed by the root, serverAuth only, its
// name constraints critical and permitting exactly the server's names and
// IPs, valid as long as the root, and one LoadHostIssuer accepts.
func checkHostIssuerOf(b *Bundle) error {
	if b.HostIssuer == nil {
		return errors.New("no host issuer")
	}
	hi, root := b.HostIssuer.Cert, b.CA.Cert
	ips := func(ns []*net.IPNet) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.String())
		}
		return out
	}
	if _, err := LoadHostIssuer(b.HostIssuer.CertPEM, b.HostIssuer.KeyPEM, root); err != nil {
		return err
	}
	return errors.Join(
		hi.CheckSignatureFrom(root),
		want(bytes.Equal(hi.AuthorityKeyId, root.SubjectKeyId), "host issuer AKI %x", hi.AuthorityKeyId),
		want(hi.IsCA && hi.BasicConstraintsValid && hi.MaxPathLen == 0 && hi.MaxPathLenZero, "host issuer pathlen %d (zero %v)", hi.MaxPathLen, hi.MaxPathLenZero),
		want(critical(hi, oidBasicConstraints) && critical(hi, oidNameConstraints), "host issuer constraints not critical"),
		want(hi.KeyUsage == x509.KeyUsageCertSign|x509.KeyUsageCRLSign, "host issuer KeyUsage %b", hi.KeyUsage),
		want(slices.Equal(hi.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) && len(hi.UnknownExtKeyUsage) == 0, "host issuer EKU %v", hi.ExtKeyUsage),
		want(slices.Equal(hi.PermittedDNSDomains, []string{"docker.test", "docker", "docker.internal"}), "permitted DNS %v", hi.PermittedDNSDomains),
		want(slices.Equal(hi.ExcludedDNSDomains, []string{".docker.test", ".docker", ".docker.internal"}), "excluded DNS %v", hi.ExcludedDNSDomains),
		want(slices.Equal(ips(hi.PermittedIPRanges), []string{"127.0.0.1/32", "2001:db8::1/128", "::1/128"}) && len(hi.ExcludedIPRanges) == 0,
			"IP ranges: permitted %v, excluded %v", hi.PermittedIPRanges, hi.ExcludedIPRanges),
		want(hi.Subject.CommonName == "docker-tls host issuer docker.test", "host issuer CN %q", hi.Subject.CommonName),
		want(hi.NotAfter.Equal(root.NotAfter), "host issuer NotAfter %v, root's %v", hi.NotAfter, root.NotAfter),
		want(KeyTypeOf(hi.PublicKey) == KeyTypeOf(root.PublicKey), "host issuer key %s", KeyTypeOf(hi.PublicKey)),
	)
}

var (
	oidNameConstraints  = []int{2, 5, 29, 30}
	oidBasicConstraints = []int{2, 5, 29, 19}
	oidKeyUsage         = []int{2, 5, 29, 15}
)

func critical(c *x509.Certificate, oid []int) bool {
	for _, e := range c.Extensions {
		if slices.Equal(e.Id, oid) {
			return e.Critical
		}
	}
	return false
}

func want(ok bool, format string, a ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf("unexpected "+format, a...)
}

// wantDays: backdated by clockSkew, valid for days from issuance.
func wantDays(c *x509.Certificate, days int) error {
	got := c.NotAfter.Sub(c.NotBefore)
	wantD := time.Duration(days)*24*time.Hour + clockSkew
	// A DST-free UTC day is 24h; allow the NotBefore clamp to the CA's.
	if got < wantD-time.Minute || got > wantD {
		return fmt.Errorf("validity %v, want %v", got, wantD)
	}
	return nil
}

func TestIssueFixedClock(t *testing.T) {
	b, err := Issue(testPlan(Ed25519), nil, []byte(testPass), at(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*x509.Certificate{b.CA.Cert, b.HostIssuer.Cert, b.Server.Cert, b.Clients[0].Cert} {
		if !c.NotBefore.Equal(fixedNow.Add(-5 * time.Minute)) {
			t.Errorf("%s NotBefore %v, want 5 minutes before %v", c.Subject.CommonName, c.NotBefore, fixedNow)
		}
	}
	if got, want := b.Server.Cert.NotAfter, fixedNow.AddDate(0, 0, DefaultDays); !got.Equal(want) {
		t.Errorf("server NotAfter %v, want %v", got, want)
	}
	if got, want := b.CA.Cert.NotAfter, fixedNow.AddDate(0, 0, DefaultCADays); !got.Equal(want) {
		t.Errorf("CA NotAfter %v, want %v", got, want)
	}
}

func TestSerials(t *testing.T) {
	seen := map[string]bool{}
	for _, kt := range []KeyType{ECDSAP256, Ed25519} {
		for range 3 {
			b, err := Issue(testPlan(kt), nil, []byte(testPass), at(fixedNow))
			if err != nil {
				t.Fatal(err)
			}
			certs := []*x509.Certificate{b.CA.Cert, b.HostIssuer.Cert, b.Server.Cert}
			for _, c := range b.Clients {
				certs = append(certs, c.Cert)
			}
			for _, c := range certs {
				s := c.SerialNumber
				// 128 random bits: below 64 only with probability 2^-64.
				if s.Sign() <= 0 || s.BitLen() < 64 || s.BitLen() > 128 {
					t.Errorf("serial %x: %d bits", s, s.BitLen())
				}
				if seen[s.String()] {
					t.Errorf("serial %x issued twice", s)
				}
				seen[s.String()] = true
			}
		}
	}
	if len(seen) != 2*3*5 {
		t.Errorf("%d distinct serials, want 30", len(seen))
	}
}

func TestNewSerialRetriesZero(t *testing.T) {
	r := bytes.NewReader(append(make([]byte, 16), bytes.Repeat([]byte{1}, 16)...))
	s, err := newSerial(r)
	if err != nil {
		t.Fatal(err)
	}
	if s.Cmp(new(big.Int).SetBytes(bytes.Repeat([]byte{1}, 16))) != 0 {
		t.Errorf("serial %x: a zero serial must be drawn again", s)
	}
}

func TestIssue(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			plan := testPlan(kt)
			b, err := Issue(plan, nil, []byte(testPass), at(fixedNow))
			if err != nil {
				t.Fatal(err)
			}
			var s strings.Builder
			describe(&s, "ca", b.CA.Cert, b.CA.Cert)
			describe(&s, "host issuer", b.HostIssuer.Cert, b.CA.Cert)
			describe(&s, "server", b.Server.Cert, b.HostIssuer.Cert)
			for _, c := range b.Clients {
				describe(&s, "client "+c.Name, c.Cert, b.CA.Cert)
			}
			kdf, err := ReadKDF(b.CAKeyPEM)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&s, "[ca key]\n%+v\n", kdf)
			golden.RequireEqual(t, s.String())
		})
	}
}

// describe writes what matters about a certificate, leaving out what
// changes between runs (keys, serials, signatures).
func describe(w *strings.Builder, title string, c, ca *x509.Certificate) {
	fmt.Fprintf(w, "[%s]\n", title)
	fmt.Fprintf(w, "subject: %s\nissuer: %s\n", c.Subject, c.Issuer)
	fmt.Fprintf(w, "not before: %s\nnot after: %s\n", c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339))
	fmt.Fprintf(w, "serial bits >= 64: %v\n", c.SerialNumber.BitLen() >= 64)
	fmt.Fprintf(w, "public key: %s\nsignature: %s\n", keyTypeOf(c.PublicKey), c.SignatureAlgorithm)
	fmt.Fprintf(w, "ca: %v (max path len %d, zero %v)\n", c.IsCA, c.MaxPathLen, c.MaxPathLenZero)
	fmt.Fprintf(w, "key usage: %s\n", strings.Join(keyUsageNames(c.KeyUsage), ", "))
	var ekus []string
	for _, e := range c.ExtKeyUsage {
		ekus = append(ekus, map[x509.ExtKeyUsage]string{x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth"}[e])
	}
	fmt.Fprintf(w, "ext key usage: %s\n", strings.Join(ekus, ", "))
	fmt.Fprintf(w, "dns: %s\n", strings.Join(c.DNSNames, ", "))
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	fmt.Fprintf(w, "ip: %s\n", strings.Join(ips, ", "))
	describeNameConstraints(w, c)
	fmt.Fprintf(w, "ski: %d bytes\naki = ca ski: %v\n", len(c.SubjectKeyId), c != ca && bytes.Equal(c.AuthorityKeyId, ca.SubjectKeyId))
	for _, e := range c.Extensions {
		fmt.Fprintf(w, "extension %s critical=%v\n", e.Id, e.Critical)
	}
	w.WriteString("\n")
}

// describeNameConstraints writes a CA's name constraints, when it has any
// (the host issuer).
func describeNameConstraints(w *strings.Builder, c *x509.Certificate) {
	nets := func(ns []*net.IPNet) string {
		var out []string
		for _, n := range ns {
			out = append(out, n.String())
		}
		return strings.Join(out, ", ")
	}
	if len(c.PermittedDNSDomains)+len(c.ExcludedDNSDomains)+len(c.PermittedIPRanges)+len(c.ExcludedIPRanges) == 0 {
		return
	}
	fmt.Fprintf(w, "permitted dns: %s\nexcluded dns: %s\n", strings.Join(c.PermittedDNSDomains, ", "), strings.Join(c.ExcludedDNSDomains, ", "))
	fmt.Fprintf(w, "permitted ip: %s\nexcluded ip: %s\n", nets(c.PermittedIPRanges), nets(c.ExcludedIPRanges))
}

func keyUsageNames(ku x509.KeyUsage) []string {
	names := []string{"digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	var out []string
	for i, n := range names {
		if ku&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func TestIssueErrors(t *testing.T) {
	ca, err := newTestCA(testPlan(ECDSAP256), at(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	short := testPlan(ECDSAP256)
	short.CADays, short.Days = 30, 30
	shortCA, err := newTestCA(short, at(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		issue func() error
		check func(t *testing.T, err error)
	}{
		{"okReuseCA", func() error {
			b, err := Issue(testPlan(ECDSAP256), ca, nil, at(fixedNow))
			if err != nil {
				return err
			}
			if b.NewCA || b.CAKeyPEM != nil || b.CA != ca {
				return fmt.Errorf("reused CA bundle: NewCA %v, CAKeyPEM %d bytes", b.NewCA, len(b.CAKeyPEM))
			}
			// A reused pathlen:1 root gets a new host issuer, which issues the server.
			return errors.Join(checkHostIssuerOf(b), b.Server.Cert.CheckSignatureFrom(b.HostIssuer.Cert))
		}, nil},
		{"failShortPassphrase", func() error {
			_, err := Issue(testPlan(ECDSAP256), nil, []byte("too short"))
			return err
		}, func(t *testing.T, err error) {
			var fe FieldErrors
			if !errors.As(err, &fe) || len(fe.For(FieldPassphrase)) != 1 {
				t.Errorf("want a passphrase FieldError, got %v", err)
			}
			if strings.Contains(err.Error(), "too short") {
				t.Errorf("error %q repeats the passphrase", err)
			}
		}},
		{"failInvalidPlan", func() error {
			p := testPlan(ECDSAP256)
			p.FQDN = "1.2.3.4"
			_, err := Issue(p, ca, nil)
			return err
		}, func(t *testing.T, err error) {
			var fe FieldErrors
			if !errors.As(err, &fe) || len(fe.For(FieldFQDN)) != 1 {
				t.Errorf("want an fqdn FieldError, got %v", err)
			}
		}},
		{"failClientOutlivesCA", func() error {
			_, err := IssueClient(shortCA, "carol", 60, ECDSAP256, at(fixedNow))
			return err
		}, wantOutlives("carol", "2026-04-30", "2026-03-31")},
		{"failServerOutlivesCA", func() error {
			_, err := IssueServer(shortCA, testPlan(ECDSAP256), at(fixedNow))
			return err
		}, wantOutlives("docker.test", "2027-03-01", "2026-03-31")},
		{"failIssueOutlivesReusedCA", func() error {
			_, err := Issue(testPlan(ECDSAP256), shortCA, nil, at(fixedNow))
			return err
		}, wantOutlives("docker.test", "2027-03-01", "2026-03-31")},
		{"failExpiredCA", func() error {
			_, err := IssueClient(ca, "dave", 1, ECDSAP256, at(fixedNow.AddDate(11, 0, 0)))
			return err
		}, wantOutlives("dave", "", "")},
		{"okClientWithinCA", func() error {
			_, err := IssueClient(shortCA, "erin", 30, Ed25519, at(fixedNow))
			return err
		}, nil},
		{"failBadClientName", func() error {
			_, err := IssueClient(ca, "a/b", 30, ECDSAP256)
			return err
		}, wantField(FieldClients)},
		{"failBadDays", func() error {
			_, err := IssueClient(ca, "frank", 0, ECDSAP256)
			return err
		}, wantField(FieldDays)},
		{"failBadKeyType", func() error {
			_, err := IssueClient(ca, "frank", 10, "dsa-1024")
			return err
		}, wantField(FieldKeyType)},
		{"failNoCA", func() error {
			_, err := IssueClient(nil, "frank", 10, ECDSAP256)
			return err
		}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "no CA") {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.issue()
			if tt.check == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			tt.check(t, err)
		})
	}
}

// TestIssueUnderPathLenZeroCA: a reused root made with pathlen:0 (--trust ca
// by an older docker-tls) may not sign a host issuer, so it issues the
// server itself, as before, and no key is made for a host issuer.
func TestIssueUnderPathLenZeroCA(t *testing.T) {
	plan := testPlan(ECDSAP256)
	ca := pathLenZeroCA(t, plan, at(fixedNow))
	g := StartKeys(ECDSAP256, 1)
	b, err := Issue(plan, ca, nil, at(fixedNow), WithKeys(g))
	if err != nil {
		t.Fatal(err)
	}
	if b.HostIssuer != nil || b.Server.HostIssuer != nil {
		t.Fatalf("a host issuer under a pathlen:0 root: %v", b.HostIssuer.Cert.Subject)
	}
	if b.NewCA || b.CA != ca {
		t.Error("the CA was not reused")
	}
	srv := b.Server.Cert
	if err := srv.CheckSignatureFrom(ca.Cert); err != nil || !bytes.Equal(srv.AuthorityKeyId, ca.Cert.SubjectKeyId) {
		t.Errorf("server not issued by the root: %v, AKI %x", err, srv.AuthorityKeyId)
	}
	if !bytes.Equal(b.Server.Chain(), b.Server.CertPEM) {
		t.Error("the server's chain is more than its certificate")
	}
	for _, name := range []string{"docker.test", "127.0.0.1", "::1"} {
		if _, err := srv.Verify(x509.VerifyOptions{Roots: pool(ca), DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("verify server for %s against the root alone: %v", name, err)
		}
	}
	for _, c := range b.Clients {
		if err := c.Cert.CheckSignatureFrom(ca.Cert); err != nil {
			t.Errorf("client %s: %v", c.Name, err)
		}
	}
	// The server and the two clients: no key for a CA or a host issuer.
	if p := g.Progress(); p.Want != 3 {
		t.Errorf("Issue asked the pool for %d keys, want 3", p.Want)
	}
	dir := writeFiles(t, map[string][]byte{"ca.pem": ca.CertPEM, "server-cert.pem": b.Server.Chain()})
	out, err := openssl(t, dir, "verify", "-x509_strict", "-CAfile", "ca.pem", "-untrusted", "server-cert.pem", "-purpose", "sslserver",
		"-verify_hostname", "docker.test", "server-cert.pem")
	if err != nil || !strings.Contains(out, "server-cert.pem: OK") {
		t.Errorf("openssl verify: %v\n%s", err, out)
	}
}

func wantOutlives(leaf, leafDate, caDate string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var oe *OutlivesCAError
		if !errors.As(err, &oe) {
			t.Fatalf("want *OutlivesCAError, got %T %v", err, err)
		}
		msg := err.Error()
		if oe.Leaf != leaf || !strings.Contains(msg, leafDate) || !strings.Contains(msg, caDate) || !strings.Contains(msg, "lower the validity in days or renew the CA") {
			t.Errorf("error %q: want %s, %s and %s", msg, leaf, leafDate, caDate)
		}
	}
}

func wantField(field Field) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var fe FieldErrors
		if !errors.As(err, &fe) || len(fe.For(field)) == 0 {
			t.Errorf("want a %s FieldError, got %v", field, err)
		}
	}
}

func TestKeyGen(t *testing.T) {
	g := StartKeys(Ed25519, 3)
	if g.Type() != Ed25519 {
		t.Fatalf("Type() = %s", g.Type())
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 6 { // three started, three on demand
		wg.Go(func() {
			k, err := g.Take()
			if err != nil {
				t.Error(err)
				return
			}
			der, _ := EncodeKey(k)
			mu.Lock()
			defer mu.Unlock()
			if seen[string(der)] {
				t.Error("the same key was taken twice")
			}
			seen[string(der)] = true
		})
	}
	wg.Wait()
	if len(seen) != 6 {
		t.Errorf("%d keys, want 6", len(seen))
	}

	bad := StartKeys("dsa-512", 1)
	if _, err := bad.Take(); err == nil {
		t.Error("unknown key type: want an error")
	}
}

func TestWithKeys(t *testing.T) {
	t.Run("okUsed", func(t *testing.T) {
		g := StartKeys(Ed25519, 2)
		b, err := Issue(testPlan(Ed25519), nil, []byte(testPass), WithKeys(g)) // needs 5 keys
		if err != nil {
			t.Fatal(err)
		}
		if left := g.want - g.next; left > 0 {
			t.Errorf("%d started keys left untaken", left)
		}
		if b.HostIssuer.Cert.CheckSignatureFrom(b.CA.Cert) != nil || b.Server.Cert.CheckSignatureFrom(b.HostIssuer.Cert) != nil {
			t.Error("server not signed by the host issuer under the CA")
		}
		// Each of the five certificates has a key of its own, from the pool.
		seen := map[string]bool{}
		for _, c := range []*x509.Certificate{b.CA.Cert, b.HostIssuer.Cert, b.Server.Cert, b.Clients[0].Cert, b.Clients[1].Cert} {
			seen[string(c.RawSubjectPublicKeyInfo)] = true
		}
		if len(seen) != 5 {
			t.Errorf("%d distinct keys for 5 certificates", len(seen))
		}
	})
	t.Run("okTooFewStarted", func(t *testing.T) {
		// The pool is told how many Issue needs, and makes them all at
		// once, not one per Take.
		g := StartKeys(Ed25519, 1)
		if _, err := Issue(testPlan(Ed25519), nil, []byte(testPass), WithKeys(g)); err != nil {
			t.Fatal(err)
		}
		// CA, host issuer, server, alice and bob.
		if p := g.Progress(); p.Want != 5 || len(p.Done) < 5 {
			t.Errorf("Progress: want %d keys, %d done; want 5 and at least 5", p.Want, len(p.Done))
		}
	})
	t.Run("okIgnoredForOtherType", func(t *testing.T) {
		g := StartKeys(Ed25519, 1)
		b, err := Issue(testPlan(ECDSAP256), nil, []byte(testPass), WithKeys(g))
		if err != nil {
			t.Fatal(err)
		}
		if got := keyTypeOf(b.Server.Cert.PublicKey); got != string(ECDSAP256) {
			t.Errorf("server key %s, want the plan's %s", got, ECDSAP256)
		}
		if g.next != 0 {
			t.Error("a key of the wrong type was taken")
		}
	})
}

func TestGenerateKey(t *testing.T) {
	for _, kt := range KeyTypes {
		k, err := GenerateKey(kt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := keyTypeOf(k.Public()); got != string(kt) {
			t.Errorf("GenerateKey(%s) made %s", kt, got)
		}
	}
	if _, err := GenerateKey("rsa-1024", nil); err == nil {
		t.Error("rsa-1024: want an error")
	}
}
