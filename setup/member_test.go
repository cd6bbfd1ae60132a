package setup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/pki"
)

// TestRequestRefusesToReplace: a key waiting for an earlier request, or an
// existing request file, is refused before anything is made (the wizard
// then asks; the command wants --force); with Force both are replaced.
func TestRequestRefusesToReplace(t *testing.T) {
	cfg := t.TempDir()
	work := t.TempDir()
	out := filepath.Join(work, "alice.csr")
	in := RequestInput{Host: "docker.example.com", Name: "alice", ConfigDir: cfg, Out: out}
	r, err := Request(in)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := os.ReadFile(out)
	if err != nil || string(csr) != string(r.CSR) {
		t.Fatalf("the request file: %v", err)
	}
	key, _ := os.ReadFile(r.KeyPath)

	// The same host again: the key waits.
	_, err = Request(RequestInput{Host: "docker.example.com", Name: "alice", ConfigDir: cfg, Out: filepath.Join(work, "other.csr")})
	if !errors.Is(err, ErrWouldReplace) || !strings.Contains(err.Error(), "already holds a key") {
		t.Errorf("a second request for the host: %v", err)
	}
	// Another host, the same file: the file is there.
	_, err = Request(RequestInput{Host: "docker2.example.com", Name: "alice", ConfigDir: cfg, Out: out})
	if !errors.Is(err, ErrWouldReplace) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a request over an existing file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg, "tls", "docker2.example.com")); !os.IsNotExist(err) {
		t.Errorf("a refused request made a key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(work, "other.csr")); !os.IsNotExist(err) {
		t.Errorf("a refused request wrote its file: %v", err)
	}
	if now, _ := os.ReadFile(r.KeyPath); string(now) != string(key) {
		t.Error("a refused request replaced the waiting key")
	}

	in.Force = true
	r2, err := Request(in)
	if err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(r2.KeyPath); string(now) == string(key) {
		t.Error("Force kept the old key")
	}
}

// TestRequestFileUnwritable: a request that cannot be written takes its new
// key away again (nothing half-made), and one for a directory that does
// not exist is refused before a key is made.
func TestRequestFileUnwritable(t *testing.T) {
	cfg := t.TempDir()
	work := t.TempDir()
	_, err := Request(RequestInput{Host: "docker.example.com", Name: "alice", ConfigDir: cfg, Out: filepath.Join(work, "no/such/dir/alice.csr")})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a request into a missing directory: %v", err)
	}
	if fs := dirFiles(t, cfg); len(fs) != 0 {
		t.Errorf("a refused request left %q", fs)
	}
	// A directory where the file should go: renaming over it fails.
	dir := filepath.Join(work, "alice.csr")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Request(RequestInput{Host: "docker.example.com", Name: "alice", ConfigDir: cfg, Out: dir, Force: true})
	if err == nil || !strings.Contains(err.Error(), "the new key was removed") {
		t.Errorf("a request that cannot be written: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg, "tls", "docker.example.com", BundleKey)); !os.IsNotExist(err) {
		t.Errorf("the key of a request that was not written stays: %v", err)
	}
}

func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestReadRequest: the admin's request file is read and checked before any
// passphrase: a good one names the member; a missing, oversized, unsigned
// or non-file one is refused, each with advice.
func TestReadRequest(t *testing.T) {
	h := New(t.TempDir())
	work := t.TempDir()
	r, err := Request(RequestInput{Host: "docker.example.com", Name: "carol", ConfigDir: t.TempDir(), Out: filepath.Join(work, "carol.csr")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.ReadRequest(r.Out)
	if err != nil || got.Name != "carol" || string(got.CSR) != string(r.CSR) {
		t.Fatalf("ReadRequest: %+v, %v", got, err)
	}
	big := filepath.Join(work, "big.csr")
	if err := os.WriteFile(big, make([]byte, pki.MaxCSRSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(work, "garbage.csr")
	if err := os.WriteFile(garbage, []byte("not a request\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(work, "missing.csr"), "no such file"},
		{big, "larger than 65536 bytes: not a certificate request"},
		{work, "not a regular file"},
		{garbage, "CERTIFICATE REQUEST"},
	} {
		_, err := h.ReadRequest(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || Hint(err) == "" {
			t.Errorf("ReadRequest(%s) = %v (hint %q), want %q and a hint", tc.path, err, Hint(err), tc.want)
		}
	}
}

// TestMemberSide: the wizard connects from a machine without docker.service
// and without a CA; a Docker host, or the admin's CA, is set up.
func TestMemberSide(t *testing.T) {
	laptop := New(t.TempDir())
	host := New(newRoot(t))
	caOnly := New(newRoot(t))
	mustInit(t, caOnly, testInput())
	if err := os.Remove(caOnly.Path(filepath.Join("/lib/systemd/system/docker.service"))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    *Host
		want bool
	}{{"laptop", laptop, true}, {"docker host", host, false}, {"a CA without docker.service", caOnly, false}} {
		d, err := tc.h.Detect(false)
		if err != nil {
			t.Fatal(err)
		}
		if d.MemberSide() != tc.want {
			t.Errorf("%s: MemberSide() = %v", tc.name, !tc.want)
		}
	}
}

// TestMemberMachineHome: a path typed as ~/... (the wizard has no shell to
// expand it) is read from the home directory.
func TestMemberMachineHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	mm := &MemberMachine{ConfigDir: t.TempDir()}
	r, err := mm.Request(RequestInput{Host: "docker.example.com", Name: "dave", Out: "~/dave.csr"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Out != filepath.Join(home, "dave.csr") {
		t.Errorf("the request went to %s", r.Out)
	}
	if _, err := os.Stat(filepath.Join(home, "dave.csr")); err != nil {
		t.Error(err)
	}
}

// TestRequestDefaultFile: without Out, the request goes to NAME.csr in the
// current directory, for both front ends.
func TestRequestDefaultFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r, err := Request(RequestInput{Host: "docker.example.com", Name: "erin", ConfigDir: filepath.Join(dir, "cfg")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Out != "erin.csr" {
		t.Errorf("Out = %q, want erin.csr", r.Out)
	}
	if _, err := os.Stat(filepath.Join(dir, "erin.csr")); err != nil {
		t.Error(err)
	}
}
