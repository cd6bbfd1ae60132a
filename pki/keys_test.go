package pki

import (
	"bytes"
	"testing"
)

// TestKeyGenRewind: after Rewind, Take hands out the keys already made, in
// the same order, and makes only what is missing.
func TestKeyGenRewind(t *testing.T) {
	g := StartKeys(Ed25519, 2)
	first := takeDER(t, g, 2)
	g.Rewind(3) // one more wanted: a client was added
	again := takeDER(t, g, 3)
	for i := range first {
		if !bytes.Equal(first[i], again[i]) {
			t.Errorf("key %d was made again after Rewind", i+1)
		}
	}
	if bytes.Equal(again[2], again[0]) || bytes.Equal(again[2], again[1]) {
		t.Error("the third key repeats one of the first two")
	}
	p := g.Progress()
	if p.Type != Ed25519 || p.Want != 3 || len(p.Done) < 3 || p.Started.IsZero() {
		t.Errorf("progress = %+v", p)
	}
	for _, d := range p.Done {
		if d <= 0 {
			t.Errorf("a finished key took %v", d)
		}
	}
}

// TestKeyGenRewindDropsErrors: a failed key is not handed out twice.
func TestKeyGenRewindDropsErrors(t *testing.T) {
	g := StartKeys("dsa-512", 1)
	if _, err := g.Take(); err == nil {
		t.Fatal("unknown key type: want an error")
	}
	g.Rewind(0)
	if p := g.Progress(); len(p.Done) != 0 || p.Want != 0 {
		t.Errorf("progress after a failure = %+v", p)
	}
}

func takeDER(t *testing.T, g *KeyGen, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for range n {
		k, err := g.Take()
		if err != nil {
			t.Fatal(err)
		}
		der, err := EncodeKey(k)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, der)
	}
	return out
}
