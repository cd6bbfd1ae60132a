package setup

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// TestSerialKeepsLeadingZeros: a serial whose first byte is below 0x10 is
// printed with its leading zero, two hex digits a byte, as openssl prints it
// (client add, client list and its JSON, from the bundle or the ledger).
func TestSerialKeepsLeadingZeros(t *testing.T) {
	serial, _ := new(big.Int).SetString("0a1b2c3d", 16) // Text(16) is "a1b2c3d"
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "alice"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(24 * time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	const want = "0a1b2c3d"

	v := &clientView{now: time.Now(), ledger: &pki.Ledger{}, trusted: map[string]bool{}}
	if got := v.bundleRow("alice", certPEM).Serial; got != want {
		t.Errorf("client list (bundle): serial %q, want %q", got, want)
	}
	v.ledger.Issued = []pki.LedgerEntry{{Kind: pki.KindClient, CommonName: "alice", Serial: cert.SerialNumber.Text(16), NotAfter: cert.NotAfter}}
	if got := v.ledgerRow("alice").Serial; got != want {
		t.Errorf("client list (ledger): serial %q, want %q", got, want)
	}
	h := New(newRoot(t))
	if got := h.memberOf(cert, &member.Bundle{}).Serial; got != want {
		t.Errorf("client add: serial %q, want %q", got, want)
	}
}
