package setup

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// findings runs status and returns its findings.
func findings(t *testing.T, h *Host) []string {
	t.Helper()
	return h.Status(StatusInput{WarnDays: 30}).Findings
}

func hasFinding(fs []string, sub string) bool {
	return slices.ContainsFunc(fs, func(f string) bool { return strings.Contains(f, sub) })
}

// TestStatusHealthyAfterInit: a fresh setup has nothing to report.
func TestStatusHealthyAfterInit(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	if r := h.Status(StatusInput{WarnDays: 30}); !r.Healthy || len(r.Findings) != 0 {
		t.Fatalf("findings after init: %q", r.Findings)
	}
}

// TestStatusKeyModes: a key any other user can read, even only through its
// group, is a finding; 0600 and 0400 are fine.
func TestStatusKeyModes(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	for _, tc := range []struct {
		mode os.FileMode
		bad  bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o604, true}, {0o644, true}} {
		if err := os.Chmod(h.Path(ServerKey), tc.mode); err != nil {
			t.Fatal(err)
		}
		got := hasFinding(findings(t, h), ServerKey+" has mode")
		if got != tc.bad {
			t.Errorf("key mode %04o: finding %v, want %v", tc.mode, got, tc.bad)
		}
	}
}

// TestStatusWeakKDF: a CA key from the Docker docs recipe under OpenSSL 3
// (PBKDF2 with 2,048 iterations) is flagged, with the command that fixes it.
func TestStatusWeakKDF(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	for p, src := range map[string]string{CACert: "ca.pem", CAKey: "ca-key.pem"} {
		b, err := os.ReadFile(filepath.Join("..", "pki", "testdata", "openssl", src))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, h.Root(), p, string(b), 0o600)
	}
	fs := findings(t, h)
	if !hasFinding(fs, "encrypted with 2048 PBKDF2 iterations, fewer than 600000") || !hasFinding(fs, "-iter 600000") {
		t.Errorf("findings %q lack the weak KDF", fs)
	}
}
