package setup

import (
	"crypto/x509"
	"slices"
	"testing"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// TestStartKeysKeepsKeys: going back from the review and forward again
// with the same key type prepares with the keys already made; a new key
// type, or a write, starts afresh.
func TestStartKeysKeepsKeys(t *testing.T) {
	h := New(newRoot(t))
	in := testInput(func(in *InitInput) { in.Plan.KeyType = pki.Ed25519 })
	prepare := func() *Prepared {
		t.Helper()
		h.StartKeys(pki.Ed25519, KeysFor(1, true))
		p, err := h.PrepareInit(in, []byte(testPass))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first, again := prepare(), prepare()
	// Keys are handed out as they are ready, so the CA, the host issuer,
	// the server and the client may swap keys between the two: compare the
	// sets.
	if a, b := publicKeys(t, first), publicKeys(t, again); !slices.Equal(a, b) {
		t.Error("the same key type made new keys")
	}
	if p, ok := h.KeyProgress(); !ok || p.Type != pki.Ed25519 || p.Want != KeysFor(1, true) || len(p.Done) < KeysFor(1, true) {
		t.Errorf("KeyProgress = %+v, %v", p, ok)
	}
	if _, err := h.Write(again, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.KeyProgress(); ok {
		t.Error("keys kept after a write: they could serve twice")
	}
}

// publicKeys are the public keys of the CA, host issuer, server and client
// certificates of p, sorted.
func publicKeys(t *testing.T, p *Prepared) []string {
	t.Helper()
	var out []string
	for _, path := range []string{CACert, HostIssuerCert, ServerCert, ClientDir(pki.DefaultClient) + "/" + member.CertFile} {
		c, err := pki.ParseCert(fileData(t, p, path))
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(c.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(der))
	}
	slices.Sort(out)
	return out
}

func fileData(t *testing.T, p *Prepared, path string) []byte {
	t.Helper()
	for _, c := range p.Changes.Changes {
		if c.Path == path {
			return c.Data
		}
	}
	t.Fatalf("%s not in the prepared files", path)
	return nil
}
