package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseCert reads the first PEM "CERTIFICATE" in pemBytes.
func ParseCert(pemBytes []byte) (*x509.Certificate, error) {
	block := findBlock(pemBytes, func(b *pem.Block) bool { return b.Type == "CERTIFICATE" })
	if block == nil {
		return nil, &ParseError{Want: "CERTIFICATE", Err: errors.New("no CERTIFICATE PEM block")}
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, &ParseError{Want: "CERTIFICATE", Err: err}
	}
	return c, nil
}

// ParseKey reads an unencrypted private key: PKCS#8 "PRIVATE KEY", or the
// "EC PRIVATE KEY" and "RSA PRIVATE KEY" forms OpenSSL writes.
func ParseKey(pemBytes []byte) (crypto.Signer, error) {
	block := findBlock(pemBytes, isKeyBlock)
	if block == nil {
		return nil, &ParseError{Want: "PRIVATE KEY", Err: errors.New("no private key PEM block")}
	}
	if isEncryptedBlock(block) {
		return nil, &ParseError{Want: "PRIVATE KEY", Err: errors.New("the key is encrypted: a passphrase is needed")}
	}
	return parseKeyDER(block.Type, block.Bytes)
}

func parseKeyDER(typ string, der []byte) (crypto.Signer, error) {
	var k any
	var err error
	switch typ {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(der)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(der)
	default:
		k, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, &ParseError{Want: typ, Err: err}
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, &ParseError{Want: typ, Err: fmt.Errorf("unsupported key type %T", k)}
	}
	return s, nil
}

// DecryptKey opens an encrypted private key: PKCS#8 PBES2 "ENCRYPTED PRIVATE
// KEY" (ours, or `openssl genpkey -aes256`, or OpenSSL 3's `genrsa -aes256`)
// and legacy "Proc-Type: 4,ENCRYPTED" PEM (OpenSSL 1.x `genrsa -aes256`, the
// Docker docs recipe). A wrong passphrase gives an error wrapping
// ErrBadPassphrase.
func DecryptKey(pemBytes, passphrase []byte) (crypto.Signer, error) {
	block := findBlock(pemBytes, isKeyBlock)
	if block == nil {
		return nil, &ParseError{Want: "ENCRYPTED PRIVATE KEY", Err: errors.New("no private key PEM block")}
	}
	if !isEncryptedBlock(block) {
		// Refused rather than silently used: an unencrypted CA key is the
		// trap this tool exists to avoid.
		return nil, &ParseError{Want: "ENCRYPTED PRIVATE KEY", Err: errors.New("the key is not encrypted")}
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		p, err := parsePBES2(block.Bytes)
		if err != nil {
			return nil, err
		}
		der, err := p.decrypt(block.Bytes, passphrase)
		if err != nil {
			return nil, fmt.Errorf("decrypt key: %w", err)
		}
		k, err := parseKeyDER("PRIVATE KEY", der)
		if err != nil {
			// The padding matched by chance (about 1 in 256): still the
			// wrong passphrase, or a damaged file.
			return nil, fmt.Errorf("decrypt key: %w", ErrBadPassphrase)
		}
		return k, nil
	}
	// Legacy RFC 1423 encryption (MD5-based key derivation): deprecated as
	// weak, read only so that CAs made by the old recipe can be reused.
	//lint:ignore SA1019 reading legacy OpenSSL keys, never writing them
	der, err := x509.DecryptPEMBlock(block, passphrase)
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, fmt.Errorf("decrypt key: %w", ErrBadPassphrase)
	}
	if err != nil {
		return nil, &ParseError{Want: block.Type, Err: err}
	}
	k, err := parseKeyDER(block.Type, der)
	if err != nil {
		return nil, fmt.Errorf("decrypt key: %w", ErrBadPassphrase)
	}
	return k, nil
}

// IsEncrypted reports whether keyPEM holds an encrypted private key.
func IsEncrypted(keyPEM []byte) bool {
	b := findBlock(keyPEM, isKeyBlock)
	return b != nil && isEncryptedBlock(b)
}

// ErrNotYetValid: a CA certificate whose validity starts in the future.
var ErrNotYetValid = errors.New("not valid yet")

// CheckNotBefore refuses a CA certificate that is not valid yet at now (an
// error wrapping ErrNotYetValid, with both dates).
func CheckNotBefore(cert *x509.Certificate, now time.Time) error {
	if now.Before(cert.NotBefore) {
		return fmt.Errorf("certificate %q is %w: it is valid from %s, and this host's clock says %s",
			cert.Subject.CommonName, ErrNotYetValid, cert.NotBefore.UTC().Format("2006-01-02 15:04:05 UTC"), now.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	return nil
}

// LoadCA opens an existing CA: its certificate and encrypted key. A CA that
// is not valid yet (by WithNow's clock) is refused: every certificate it
// signed would fail verification until then.
func LoadCA(certPEM, keyPEM, passphrase []byte, opts ...Option) (*CA, error) {
	o := newOptions(opts)
	cert, err := ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	if err := CheckNotBefore(cert, o.now()); err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return nil, fmt.Errorf("load ca: certificate %q is not a CA (basicConstraints CA:TRUE missing)", cert.Subject.CommonName)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("load ca: certificate %q may not sign certificates (keyUsage lacks keyCertSign)", cert.Subject.CommonName)
	}
	key, err := DecryptKey(keyPEM, passphrase)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	if !samePublicKey(key.Public(), cert.PublicKey) {
		return nil, fmt.Errorf("load ca: the key does not belong to CA certificate %q: %w", cert.Subject.CommonName, ErrKeyMismatch)
	}
	return &CA{Cert: cert, CertPEM: EncodeCert(cert), Key: key}, nil
}

// CheckKeyPair checks that an unencrypted key belongs to a certificate.
func CheckKeyPair(certPEM, keyPEM []byte) error {
	cert, err := ParseCert(certPEM)
	if err != nil {
		return err
	}
	key, err := ParseKey(keyPEM)
	if err != nil {
		return err
	}
	if !samePublicKey(key.Public(), cert.PublicKey) {
		return fmt.Errorf("certificate %q: %w", cert.Subject.CommonName, ErrKeyMismatch)
	}
	return nil
}

func samePublicKey(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// findBlock returns the first PEM block that match accepts, skipping others
// (OpenSSL puts "EC PARAMETERS" before an "EC PRIVATE KEY").
func findBlock(data []byte, match func(*pem.Block) bool) *pem.Block {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil
		}
		if match(b) {
			return b
		}
	}
}

func isKeyBlock(b *pem.Block) bool { return strings.HasSuffix(b.Type, "PRIVATE KEY") }

func isEncryptedBlock(b *pem.Block) bool {
	return b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED")
}
