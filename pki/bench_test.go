package pki

import (
	"crypto"
	"testing"
)

// Benchmarks, not timed tests: go test -run XXX -bench . ./pki

func BenchmarkGenerateKey(b *testing.B) {
	for _, kt := range KeyTypes {
		b.Run(string(kt), func(b *testing.B) {
			for b.Loop() {
				if _, err := GenerateKey(kt, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssue is the whole of `init`'s x509 work: CA, server and one
// client (three keys, concurrently) and the encrypted CA key.
func BenchmarkIssue(b *testing.B) {
	for _, kt := range []KeyType{ECDSAP256, RSA4096} {
		b.Run(string(kt), func(b *testing.B) {
			plan := testPlan(kt)
			plan.Clients = []string{"client"}
			for b.Loop() {
				if _, err := Issue(plan, nil, []byte(testPass)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncryptKey is dominated by the 600,000 PBKDF2-HMAC-SHA256 rounds.
func BenchmarkEncryptKey(b *testing.B) {
	k, err := GenerateKey(ECDSAP256, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := EncryptKey(k, []byte(testPass), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncryptAnchorKeys compares encrypting a batch of 16 anchor keys
// one by one (EncryptKey: 600,000 PBKDF2 rounds each) with EncryptKeys (one
// derivation for the batch).
func BenchmarkEncryptAnchorKeys(b *testing.B) {
	keys := make([]crypto.Signer, DefaultSlots)
	for i := range keys {
		k, err := GenerateKey(ECDSAP256, nil)
		if err != nil {
			b.Fatal(err)
		}
		keys[i] = k
	}
	b.Run("one by one", func(b *testing.B) {
		for b.Loop() {
			for _, k := range keys {
				if _, err := EncryptKey(k, []byte(testPass), nil); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			if _, err := EncryptKeys(keys, []byte(testPass), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIssueMember is BenchmarkIssue with per-member trust, the
// default: the same, plus 17 anchors (one client, 16 free slots) whose keys
// are encrypted in one batch while the CA key is on another core.
func BenchmarkIssueMember(b *testing.B) {
	plan := memberPlan(ECDSAP256, DefaultSlots)
	plan.Clients = []string{"client"}
	for b.Loop() {
		if _, err := Issue(plan, nil, []byte(testPass)); err != nil {
			b.Fatal(err)
		}
	}
}
