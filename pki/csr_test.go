package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mustKey(t *testing.T, kt KeyType) crypto.Signer {
	t.Helper()
	k, err := GenerateKey(kt, nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rawCSR signs any template with any key, for requests NewCSR would refuse.
func rawCSR(t *testing.T, tmpl *x509.CertificateRequest, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func TestParseCSR(t *testing.T) {
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := func(kt KeyType) []byte {
		b, err := NewCSR("alice", mustKey(t, kt))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tampered := good(ECDSAP256)
	blk, _ := pem.Decode(tampered)
	blk.Bytes[len(blk.Bytes)-5] ^= 0xff // in the signature
	tampered = pem.EncodeToMemory(blk)

	tests := []struct {
		name    string
		pem     []byte
		wantErr string
	}{
		{"okP256", good(ECDSAP256), ""},
		{"okP384", good(ECDSAP384), ""},
		{"okEd25519", good(Ed25519), ""},
		{"okRSA2048", good(RSA2048), ""},
		{"failRSA1024", rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bob"}}, rsa1024), "RSA with 1024 bits"},
		{"failP521", rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bob"}}, p521), "use P-256 or P-384"},
		{"failBadSignature", tampered, "signature does not verify"},
		{"failBadName", rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "../root"}}, mustKey(t, ECDSAP256)), "not allowed"},
		{"failNoName", rawCSR(t, &x509.CertificateRequest{}, mustKey(t, ECDSAP256)), "a client name is required"},
		{"failNotPEM", []byte("hello"), "no CERTIFICATE REQUEST"},
		{"failTooBig", append(good(ECDSAP256), make([]byte, MaxCSRSize)...), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			csr, err := ParseCSR(tt.pem)
			if tt.wantErr == "" {
				if err != nil || csr.Subject.CommonName != "alice" {
					t.Fatalf("ParseCSR = %v, %v", csr, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestIssueClientForIgnoresWhatTheRequestAsks: a request may ask for server
// use, a CA, names: the certificate is the client profile all the same.
func TestIssueClientForIgnoresWhatTheRequestAsks(t *testing.T) {
	ca := testBundle(t, ECDSAP256).CA
	key := mustKey(t, ECDSAP256)
	bc, _ := asn1.Marshal(struct {
		IsCA bool `asn1:"optional"`
	}{true})
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 1}}) // serverAuth
	tmpl := &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: "alice", Organization: []string{"Admins"}},
		DNSNames:    []string{"docker.example.com"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: bc},
			{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: eku},
		},
	}
	csr, err := ParseCSR(rawCSR(t, tmpl, key))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := IssueClientFor(ca, csr, 30)
	if err != nil {
		t.Fatal(err)
	}
	c := leaf.Cert
	if leaf.KeyPEM != nil || c.IsCA || len(c.DNSNames)+len(c.IPAddresses) != 0 || len(c.Subject.Organization) != 0 ||
		!slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) || c.Subject.CommonName != "alice" {
		t.Errorf("issued: CA %v, names %v %v, org %v, EKU %v, key %d bytes", c.IsCA, c.DNSNames, c.IPAddresses, c.Subject.Organization, c.ExtKeyUsage, len(leaf.KeyPEM))
	}
	if !samePublicKey(c.PublicKey, key.Public()) || c.CheckSignatureFrom(ca.Cert) != nil {
		t.Error("the certificate is not for the request's key, or not signed by the CA")
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool(ca), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("verify: %v", err)
	}
}

// TestParseCSRFromOpenSSL: a request made with the OpenSSL one-liner a
// member may know works too.
func TestParseCSRFromOpenSSL(t *testing.T) {
	dir := t.TempDir()
	if out, err := openssl(t, dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "key.pem", "-subj", "/CN=carol", "-out", "carol.csr"); err != nil {
		t.Fatalf("openssl req: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "carol.csr"))
	if err != nil {
		t.Fatal(err)
	}
	csr, err := ParseCSR(b)
	if err != nil || csr.Subject.CommonName != "carol" {
		t.Fatalf("ParseCSR(openssl) = %v", err)
	}
}
