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
	"slices"
	"sync"
	"time"
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
// RSA-4096 key can take a second or more). Progress reports what it has made
// and what it is making, and Rewind hands out the same keys again to a
// Prepare that replaces one whose result was thrown away.
type KeyGen struct {
	kt      KeyType
	started time.Time

	mu      sync.Mutex
	cond    *sync.Cond
	made    []madeKey   // finished, in the order they finished
	running []time.Time // start times of the generators still running
	next    int         // index in made of the key the next Take gets
	want    int         // keys asked for
}

type madeKey struct {
	key  crypto.Signer
	err  error
	took time.Duration
}

// StartKeys starts n goroutines, each generating one key of type kt with
// crypto/rand.
//
// The time an RSA key takes varies a lot (a 4096-bit one from 0.1 s to 2 s
// or more), and the last keys leave cores idle: when a key is done before
// all n are and a core is free, one more generator starts, and keys are
// handed out in the order they finish. At most n-1 such generators start;
// their keys serve later Takes.
func StartKeys(kt KeyType, n int) *KeyGen {
	g := &KeyGen{kt: kt, started: time.Now(), want: max(n, 0)}
	g.cond = sync.NewCond(&g.mu)
	g.mu.Lock()
	defer g.mu.Unlock()
	for range g.want {
		g.startLocked()
	}
	return g
}

func (g *KeyGen) startLocked() {
	start := time.Now()
	g.running = append(g.running, start)
	go func() {
		k, err := GenerateKey(g.kt, rand.Reader)
		g.mu.Lock()
		defer g.mu.Unlock()
		if i := slices.Index(g.running, start); i >= 0 {
			g.running = slices.Delete(g.running, i, i+1)
		}
		g.made = append(g.made, madeKey{key: k, err: err, took: time.Since(start)})
		if err == nil && len(g.made) < g.want && len(g.running) < runtime.GOMAXPROCS(0) {
			g.startLocked() // a spare, to use the idle core
		}
		g.cond.Broadcast()
	}()
}

// Type is the key type g generates.
func (g *KeyGen) Type() KeyType { return g.kt }

// Take returns the next key, blocking until it is made. Keys are handed out
// in the order they finish; once the started ones are taken, each further
// Take starts a generator of its own. It is safe for concurrent use.
func (g *KeyGen) Take() (crypto.Signer, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := g.next
	g.next++
	for len(g.made) <= i {
		// Key i comes from a generator running now, or from a new one.
		if len(g.made)+len(g.running) <= i {
			g.startLocked()
		}
		g.cond.Wait()
	}
	return g.made[i].key, g.made[i].err
}

// Rewind makes the keys already made available to Take again, from the
// first, and makes sure n keys are made or being made. It is for a Prepare
// that replaces one whose result was thrown away (the wizard's Esc from the
// review): the keys it took were never written, and need not be made again.
// Never rewind after a result was written: its keys would serve twice.
func (g *KeyGen) Rewind(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.made = slices.DeleteFunc(g.made, func(k madeKey) bool { return k.err != nil })
	g.next = 0
	g.want = max(n, 0)
	for len(g.made)+len(g.running) < g.want {
		g.startLocked()
	}
}

// expect makes sure that the next n Takes find their keys made or being
// made, all at once rather than one Take at a time.
func (g *KeyGen) expect(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.want = max(g.want, g.next+n)
	for len(g.made)+len(g.running) < g.want {
		g.startLocked()
	}
}

// KeyProgress is what a KeyGen has done, for a progress display.
type KeyProgress struct {
	Type    KeyType
	Want    int             // keys asked for
	Started time.Time       // when the first generator started
	Done    []time.Duration // how long each finished key took, in the order they finished
	Running []time.Time     // when each generator still running started
}

// Progress is a snapshot of g's work.
func (g *KeyGen) Progress() KeyProgress {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := KeyProgress{Type: g.kt, Want: g.want, Started: g.started, Running: slices.Clone(g.running)}
	for _, k := range g.made {
		if k.err == nil {
			p.Done = append(p.Done, k.took)
		}
	}
	return p
}
