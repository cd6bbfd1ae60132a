package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
)

// EncryptKey encodes key as a PEM "ENCRYPTED PRIVATE KEY": PKCS#8 PBES2 with
// PBKDF2-HMAC-SHA256 at KDFIterations and AES-256-CBC, which `openssl pkey
// -passin` opens. Not scrypt: OpenSSL 3 refuses scrypt at a strong N by its
// memory limit. A nil rand means crypto/rand.
func EncryptKey(key crypto.Signer, passphrase []byte, r io.Reader) ([]byte, error) {
	if err := ValidatePassphrase(string(passphrase)); err != nil {
		return nil, fmt.Errorf("encrypt key: %w", err)
	}
	if r == nil {
		r = rand.Reader
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encrypt key: %w", err)
	}
	block, err := encryptPKCS8(r, der, passphrase)
	if err != nil {
		return nil, fmt.Errorf("encrypt key: %w", err)
	}
	return pem.EncodeToMemory(block), nil
}

// EncodeKey encodes key, unencrypted, as a PEM "PRIVATE KEY" (PKCS#8). Server
// and client keys are stored this way: dockerd and the docker CLI cannot
// prompt for a passphrase.
func EncodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// EncodeCert encodes c as a PEM "CERTIFICATE".
func EncodeCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func encodeDER(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
