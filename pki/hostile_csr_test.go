package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"strings"
	"testing"
)

func csrPEM(t *testing.T, tmpl *x509.CertificateRequest, key any) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// TestParseCSRHostile: a request with two CNs (Go reads the last, a person
// the first) and one signed with SHA-1 are refused.
func TestParseCSRHostile(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cn := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: v}
	}
	raw, err := asn1.Marshal(pkix.RDNSequence{{cn("alice")}, {cn("mallory")}})
	if err != nil {
		t.Fatal(err)
	}
	two := csrPEM(t, &x509.CertificateRequest{RawSubject: raw}, ec)
	if _, err := ParseCSR(two); err == nil || !strings.Contains(err.Error(), "2 common names") {
		t.Errorf("two CNs: %v", err)
	}
	rawOne, err := asn1.Marshal(pkix.RDNSequence{{cn("alice")}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ParseCSR(csrPEM(t, &x509.CertificateRequest{RawSubject: rawOne}, ec)); err != nil || got.Subject.CommonName != "alice" {
		t.Errorf("one CN: %v", err)
	}

	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []x509.SignatureAlgorithm{x509.SHA1WithRSA, x509.ECDSAWithSHA1} {
		var key any = rk
		if alg == x509.ECDSAWithSHA1 {
			key = ec
		}
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice"}, SignatureAlgorithm: alg}, key)
		if err != nil {
			t.Logf("%s: Go does not sign it (%v): openssl's test covers it", alg, err)
			continue
		}
		p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
		if _, err := ParseCSR(p); err == nil || !strings.Contains(err.Error(), "SHA-256 or better") {
			t.Errorf("%s: %v", alg, err)
		}
	}
	for _, alg := range []x509.SignatureAlgorithm{x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA256WithRSAPSS} {
		p := csrPEM(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice"}, SignatureAlgorithm: alg}, rk)
		if _, err := ParseCSR(p); err != nil {
			t.Errorf("%s refused: %v", alg, err)
		}
	}
}
