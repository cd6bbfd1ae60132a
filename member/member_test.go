package member

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if _, err := os.Stat(filepath.Join(cfg, "tls", "docker.example.com", KeyFile)); !os.IsNotExist(err) {
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

// TestMemberMachineHome: a path typed as ~/... (the wizard has no shell to
// expand it) is read from the home directory.
func TestMemberMachineHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	mm := &Machine{ConfigDir: t.TempDir()}
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
