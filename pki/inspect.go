package pki

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Info is what status and client list show about a certificate.
type Info struct {
	Kind       Kind // "" when the certificate is none of ours
	CommonName string
	DNSNames   []string
	IPs        []string
	Serial     string // lower-case hex, no colons
	NotBefore  time.Time
	NotAfter   time.Time
	Issuer     string
	KeyType    string // a KeyType name when it is one, e.g. "ecdsa-p256"
}

// Inspect describes the first certificate in certPEM.
func Inspect(certPEM []byte) (*Info, error) {
	c, err := ParseCert(certPEM)
	if err != nil {
		return nil, err
	}
	info := &Info{
		Kind:       kindOf(c),
		CommonName: c.Subject.CommonName,
		DNSNames:   c.DNSNames,
		Serial:     serialHex(c),
		NotBefore:  c.NotBefore,
		NotAfter:   c.NotAfter,
		Issuer:     c.Issuer.String(),
		KeyType:    keyTypeOf(c.PublicKey),
	}
	for _, ip := range c.IPAddresses {
		info.IPs = append(info.IPs, ip.String())
	}
	return info, nil
}

// DaysLeft is the number of whole days until NotAfter; negative once expired.
func (i *Info) DaysLeft(now time.Time) int {
	return int(math.Floor(i.NotAfter.Sub(now).Hours() / 24))
}

func kindOf(c *x509.Certificate) Kind {
	switch {
	case c.BasicConstraintsValid && c.IsCA && slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) && len(c.PermittedDNSDomains) > 0:
		return KindHostIssuer
	case c.BasicConstraintsValid && c.IsCA:
		return KindCA
	case slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth):
		return KindServer
	case slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth):
		return KindClient
	}
	return ""
}

func serialHex(c *x509.Certificate) string { return strings.ToLower(c.SerialNumber.Text(16)) }

// KeyTypeOf names a public key's type as a KeyType ("ecdsa-p256", "rsa-4096",
// ...), or describes it when it is none of them.
func KeyTypeOf(pub any) string { return keyTypeOf(pub) }

func keyTypeOf(pub any) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ecdsa-" + strings.ToLower(strings.ReplaceAll(k.Curve.Params().Name, "-", ""))
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa-%d", k.N.BitLen())
	case ed25519.PublicKey:
		return string(Ed25519)
	}
	return fmt.Sprintf("%T", pub)
}
