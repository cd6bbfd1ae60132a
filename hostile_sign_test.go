package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/pki"
)

// TestSignShowsTheRequestFirst: client sign shows the request's name, key
// type and key fingerprint before anything else, and without a terminal
// signs only with --yes (the admin signed blind).
func TestSignShowsTheRequestFirst(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	key, err := pki.GenerateKey(pki.ECDSAP384, nil)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.NewCSR("carol", key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "carol.csr")
	if err := os.WriteFile(path, csr, 0o600); err != nil {
		t.Fatal(err)
	}
	fp := pki.KeyFingerprint(key.Public())
	if len(fp) != 19 || strings.Count(fp, " ") != 3 {
		t.Fatalf("fingerprint %q is not the short form", fp)
	}
	// The same hash openssl makes of the request's public key.
	if _, err := exec.LookPath("openssl"); err == nil {
		out, err := exec.Command("sh", "-c", "openssl req -in "+path+" -pubkey -noout | openssl pkey -pubin -outform DER").Output()
		if err != nil {
			t.Fatalf("openssl: %v", err)
		}
		sum := sha256.Sum256(out)
		if h := hex.EncodeToString(sum[:8]); strings.ReplaceAll(fp, " ", "") != h {
			t.Errorf("fingerprint %s, openssl's key hashes to %s", fp, h)
		}
	} else {
		t.Log("openssl not installed: fingerprint not compared with openssl's")
	}

	before := snapshot(t, root)
	r := runCLI(t, "", "client", "sign", path, "--root", root)
	if r.code != 2 {
		t.Fatalf("want exit 2 without --yes:\n%s", r)
	}
	wantContains(t, "stdout", r.stdout, `Request from "carol": ecdsa-p384 key, fingerprint `+fp)
	wantContains(t, "stderr", r.stderr, "nothing was signed", "--yes")
	sameTree(t, before, snapshot(t, root))

	r = mustRun(t, 0, "client", "sign", path, "--dry-run", "--root", root)
	wantContains(t, "stdout", r.stdout, fp, "Dry run")
	r = mustRun(t, 0, "client", "sign", path, "--yes", "--root", root)
	wantContains(t, "stdout", r.stdout, fp, `Issued "carol"`)
	if strings.Index(r.stdout, fp) > strings.Index(r.stdout, "Issued") {
		t.Error("the fingerprint is shown after signing")
	}
}

// TestRequestAndSignShowOneFingerprint: the fingerprint request prints on
// the member's machine is the one client sign shows the admin.
func TestRequestAndSignShowOneFingerprint(t *testing.T) {
	root := initRoot(t)
	memberConfig(t)
	csr := filepath.Join(t.TempDir(), "dora.csr")
	r := mustRun(t, 0, "request", "--host", "docker.example.com", "--name", "dora", "--out", csr)
	m := regexp.MustCompile(`Its fingerprint: ([0-9a-f]{4}( [0-9a-f]{4}){3})`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("request prints no fingerprint:\n%s", r.stdout)
	}
	r = mustRun(t, 0, "client", "sign", csr, "--yes", "--root", root)
	wantContains(t, "client sign", r.stdout, "fingerprint "+m[1])
}
