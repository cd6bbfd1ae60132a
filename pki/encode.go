package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

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
