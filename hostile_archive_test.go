package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/docker-tls/docker-tls/member"
)

// TestArchiveHostilePaths: `client archive NAME FILE --force` never writes
// inside the managed tree (directly or through a link in the directory
// part), never through a link, and replaces only a previous archive.
func TestArchiveHostilePaths(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	caKey := filepath.Join(root, "etc/docker/tls/ca/ca-key.pem")
	keyBefore := readRootFile(t, root, "etc/docker/tls/ca/ca-key.pem")
	work := t.TempDir()
	link := filepath.Join(work, "tls")
	if err := os.Symlink(filepath.Join(root, "etc/docker/tls/ca"), link); err != nil {
		t.Fatal(err)
	}
	fileLink := filepath.Join(work, "alice-link.tar.gz")
	if err := os.Symlink(filepath.Join(work, "elsewhere.tar.gz"), fileLink); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(work, "notes.txt")
	if err := os.WriteFile(notes, []byte("my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"the CA key", caKey, "which docker-tls manages"},
		{"a new file in the tree", filepath.Join(root, "etc/docker/tls/alice.tar.gz"), "which docker-tls manages"},
		{"through a linked directory", filepath.Join(link, "ca-key.pem"), "which docker-tls manages"},
		{"a link", fileLink, "symbolic link"},
		{"a file that is not an archive", notes, "not a previous docker-tls archive"},
	} {
		r := runCLI(t, "", "client", "archive", "alice", tc.path, "--force", "--root", root)
		if r.code == 0 {
			t.Errorf("%s: written:\n%s", tc.name, r)
			continue
		}
		wantContains(t, tc.name+": stderr", r.stderr, tc.want)
	}
	if !bytes.Equal(readRootFile(t, root, "etc/docker/tls/ca/ca-key.pem"), keyBefore) {
		t.Fatal("the CA key was overwritten")
	}
	if _, err := os.Lstat(filepath.Join(work, "elsewhere.tar.gz")); !os.IsNotExist(err) {
		t.Errorf("written through the link: %v", err)
	}
	if b, _ := os.ReadFile(notes); string(b) != "my notes\n" {
		t.Errorf("notes.txt replaced: %q", b)
	}
	// client add --archive refuses the same paths before anything is written.
	r := runCLI(t, "", "client", "add", "bob", "--archive", caKey, "--force", "--root", root)
	if r.code == 0 || !bytes.Equal(readRootFile(t, root, "etc/docker/tls/ca/ca-key.pem"), keyBefore) {
		t.Fatalf("client add --archive over the CA key:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/docker/tls/clients/bob")); !os.IsNotExist(err) {
		t.Errorf("bob's bundle written although the archive was refused: %v", err)
	}

	// A previous archive is replaced with --force, through a linked
	// directory outside the tree too.
	out := filepath.Join(work, "alice.tar.gz")
	mustRun(t, 0, "client", "archive", "alice", out, "--root", root)
	mustRun(t, 0, "client", "archive", "alice", out, "--force", "--root", root)
	dirLink := filepath.Join(t.TempDir(), "out")
	if err := os.Symlink(work, dirLink); err != nil {
		t.Fatal(err)
	}
	mustRun(t, 0, "client", "archive", "alice", filepath.Join(dirLink, "alice.tar.gz"), "--force", "--root", root)
	if _, err := member.ReadBundle(out); err != nil {
		t.Fatal(err)
	}
}
