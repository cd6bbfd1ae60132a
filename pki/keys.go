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
	"runtime"
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
	want  int // keys asked for
	made  int // keys (or errors) done so far
	busy  int // generators running
	spare int // generators started by a race and not yet taken
}

type keyResult struct {
	key crypto.Signer
	err error
}

// StartKeys starts n goroutines, each generating one key of type kt with
// crypto/rand.
//
// The time an RSA key takes varies a lot (a 4096-bit one from 0.1 s to 2 s
// or more), and the last keys leave cores idle: when a key is done before
// all n are and a core is free, one more generator starts and the first keys
// done are the ones taken. At most n-1 such generators start; their keys
// serve later Takes.
func StartKeys(kt KeyType, n int) *KeyGen {
	n = max(n, 0)
	// Every result fits, so that no generator ever blocks.
	g := &KeyGen{kt: kt, ready: make(chan keyResult, 2*n), left: n, want: n}
	g.mu.Lock()
	defer g.mu.Unlock()
	for range n {
		g.startLocked()
	}
	return g
}

func (g *KeyGen) startLocked() {
	g.busy++
	go func() {
		k, err := GenerateKey(g.kt, rand.Reader)
		g.mu.Lock()
		g.busy--
		g.made++
		if err == nil && g.made < g.want && g.busy < runtime.GOMAXPROCS(0) {
			g.spare++
			g.startLocked()
		}
		g.mu.Unlock()
		g.ready <- keyResult{k, err}
	}()
}

// Type is the key type g generates.
func (g *KeyGen) Type() KeyType { return g.kt }

// Take returns the next ready key, blocking until one is. Once the n started
// keys are taken it takes a spare one, else generates each further key on
// demand. It is safe for concurrent use.
func (g *KeyGen) Take() (crypto.Signer, error) {
	g.mu.Lock()
	// Reserve one of the results still to come; every started goroutine
	// sends exactly one, so this receive cannot starve.
	reserved := g.left > 0 || g.spare > 0
	if g.left > 0 {
		g.left--
	} else if g.spare > 0 {
		g.spare--
	}
	g.mu.Unlock()
	if !reserved {
		return GenerateKey(g.kt, rand.Reader)
	}
	r := <-g.ready
	return r.key, r.err
}
