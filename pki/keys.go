package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"sync"
)

// GenerateKey makes a private key of type kt. A nil rand means crypto/rand.
// (Since Go 1.26 the RSA and ECDSA generators ignore rand anyway and always
// use a secure source.)
func GenerateKey(kt KeyType, r io.Reader) (crypto.Signer, error) {
	if r == nil {
		r = rand.Reader
	}
	switch kt {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), r)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), r)
	case RSA2048:
		return rsa.GenerateKey(r, 2048)
	case RSA3072:
		return rsa.GenerateKey(r, 3072)
	case RSA4096:
		return rsa.GenerateKey(r, 4096)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(r)
		return k, err
	}
	return nil, fmt.Errorf("generate key: unknown key type %q", kt)
}

// KeyGen generates keys in the background, so that the wizard can start as
// soon as the key type is known and confirming the review rarely waits (an
// RSA-4096 key can take a second or more).
type KeyGen struct {
	kt    KeyType
	ready chan keyResult
	mu    sync.Mutex
	left  int // keys started and not yet taken
}

type keyResult struct {
	key crypto.Signer
	err error
}

// StartKeys starts n goroutines, each generating one key of type kt with
// crypto/rand.
func StartKeys(kt KeyType, n int) *KeyGen {
	n = max(n, 0)
	g := &KeyGen{kt: kt, ready: make(chan keyResult, n), left: n}
	for range n {
		go func() {
			k, err := GenerateKey(kt, rand.Reader)
			g.ready <- keyResult{k, err}
		}()
	}
	return g
}

// Type is the key type g generates.
func (g *KeyGen) Type() KeyType { return g.kt }

// Take returns the next ready key, blocking until one is. Once the n started
// keys are taken it generates each further key on demand. It is safe for
// concurrent use.
func (g *KeyGen) Take() (crypto.Signer, error) {
	g.mu.Lock()
	started := g.left > 0
	if started {
		// Reserve one of the results still to come; every started
		// goroutine sends exactly one, so this receive cannot starve.
		g.left--
	}
	g.mu.Unlock()
	if !started {
		return GenerateKey(g.kt, rand.Reader)
	}
	r := <-g.ready
	return r.key, r.err
}
