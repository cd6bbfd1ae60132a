package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
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
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("the request's signature does not verify (it was not made with its key): %w", err)
	}
	if err := checkRequestKey(csr.PublicKey); err != nil {
		return nil, err
	}
	if err := ValidateClientName(csr.Subject.CommonName); err != nil {
		return nil, fieldErr(FieldClients, csr.Subject.CommonName, err)
	}
	return csr, nil
}

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
