package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// MaxCSRSize bounds a request file: a CSR with an RSA-8192 key is under 4 KiB.
const MaxCSRSize = 64 << 10

// NewCSR makes a PEM "CERTIFICATE REQUEST" for a team member's own key: the
// key stays on their machine, and only this goes to the admin.
func NewCSR(name string, key crypto.Signer) ([]byte, error) {
	if err := ValidateClientName(name); err != nil {
		return nil, fieldErr(FieldClients, name, err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}}, key)
	if err != nil {
		return nil, fmt.Errorf("certificate request: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// ParseCSR reads a member's request and checks it: its signature verifies
// (the sender holds the key), the key is one we issue for (ECDSA P-256 or
// P-384, Ed25519, RSA of at least 2048 bits), and its common name is a valid
// client name. Extensions it asks for are not looked at: the client profile
// decides what the certificate says.
func ParseCSR(pemBytes []byte) (*x509.CertificateRequest, error) {
	if len(pemBytes) > MaxCSRSize {
		return nil, &ParseError{Want: "CERTIFICATE REQUEST", Err: fmt.Errorf("larger than %d bytes", MaxCSRSize)}
	}
	block := findBlock(pemBytes, func(b *pem.Block) bool {
		return b.Type == "CERTIFICATE REQUEST" || b.Type == "NEW CERTIFICATE REQUEST"
	})
	if block == nil {
		return nil, &ParseError{Want: "CERTIFICATE REQUEST", Err: errors.New("no CERTIFICATE REQUEST PEM block")}
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, &ParseError{Want: "CERTIFICATE REQUEST", Err: err}
	}
	if err := checkRequestSignature(csr); err != nil {
		return nil, err
	}
	if err := checkOneCN(csr); err != nil {
		return nil, err
	}
	if err := checkRequestKey(csr.PublicKey); err != nil {
		return nil, err
	}
	if err := ValidateClientName(csr.Subject.CommonName); err != nil {
		return nil, fieldErr(FieldClients, csr.Subject.CommonName, err)
	}
	return csr, nil
}

// weakSignatures are the request signatures refused: SHA-1 or weaker.
var weakSignatures = map[x509.SignatureAlgorithm]bool{
	x509.MD2WithRSA: true, x509.MD5WithRSA: true, x509.SHA1WithRSA: true,
	x509.DSAWithSHA1: true, x509.DSAWithSHA256: true, x509.ECDSAWithSHA1: true,
}

// checkRequestSignature: the request is signed with SHA-256 or better, and
// the signature verifies (the sender holds the key).
func checkRequestSignature(csr *x509.CertificateRequest) error {
	if weakSignatures[csr.SignatureAlgorithm] || csr.SignatureAlgorithm == x509.UnknownSignatureAlgorithm {
		return fmt.Errorf("the request is signed with %s: only SHA-256 or better is accepted; make a new request with \"docker-tls request\"", csr.SignatureAlgorithm)
	}
	if err := csr.CheckSignature(); err != nil {
		return fmt.Errorf("the request's signature does not verify (it was not made with its key): %w", err)
	}
	return nil
}

// checkOneCN: the subject holds at most one common name. With two, Go
// reads the last and a person reading the request may see the first.
func checkOneCN(csr *x509.CertificateRequest) error {
	n := 0
	for _, a := range csr.Subject.Names {
		if a.Type.Equal(oidCommonName) {
			n++
		}
	}
	if n > 1 { // none: ValidateClientName says a name is required
		return fmt.Errorf("the request's subject holds %d common names: exactly one (the member's name) is accepted", n)
	}
	return nil
}

// oidCommonName is the CN attribute of a subject.
var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// checkRequestKey accepts the key types a member's key may have.
func checkRequestKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() || k.Curve == elliptic.P384() {
			return nil
		}
		return fmt.Errorf("the request's key is ECDSA on %s: use P-256 or P-384", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return nil
	case *rsa.PublicKey:
		if k.N.BitLen() >= 2048 {
			return nil
		}
		return fmt.Errorf("the request's key is RSA with %d bits: use at least 2048", k.N.BitLen())
	}
	return fmt.Errorf("the request's key type %T is not accepted: use ECDSA P-256/P-384, Ed25519 or RSA of at least 2048 bits", pub)
}

// IssueClientFor issues a client certificate for a request's public key:
// the key itself stays with the member, so the Leaf has no KeyPEM.
func IssueClientFor(ca *CA, csr *x509.CertificateRequest, days int, opts ...Option) (*Leaf, error) {
	name := csr.Subject.CommonName
	if err := ValidateClientName(name); err != nil {
		return nil, FieldErrors{fieldErr(FieldClients, name, err)}
	}
	if err := checkDays(days); err != nil {
		return nil, FieldErrors{fieldErr(FieldDays, fmt.Sprint(days), err)}
	}
	if err := checkRequestKey(csr.PublicKey); err != nil {
		return nil, err
	}
	o := newOptions(opts)
	return signLeafFor(ca, clientTemplate(name, csr.PublicKey, o.now(), days), KindClient, csr.PublicKey, o)
}

// KeyFingerprint is the short SHA-256 fingerprint of a public key (of its
// SubjectPublicKeyInfo, as "openssl pkey -pubin -outform DER | sha256sum"
// hashes it): the first 16 hex digits in groups of four, "3f2a 9c01 77be
// 42d0". The member reads it out from "docker-tls request" and the admin
// compares it before "client sign" signs: a request swapped on the way
// shows another one. "" for a key that cannot be encoded.
func KeyFingerprint(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	h := hex.EncodeToString(sum[:8])
	return h[0:4] + " " + h[4:8] + " " + h[8:12] + " " + h[12:16]
}
