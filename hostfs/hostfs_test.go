package hostfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// both runs f with openat2, then with the openat fallback.
func both(t *testing.T, f func(t *testing.T)) {
	t.Run("openat2", f)
	t.Run("openat", func(t *testing.T) {
		noOpenat2.Store(true)
		defer noOpenat2.Store(false)
		f(t)
	})
}

func write(t *testing.T, p, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// tree is a root with etc/docker/tls/ca.pem, and a directory elsewhere (as
// another user's would be) holding a file of the same name.
func tree(t *testing.T) (root, elsewhere string) {
	t.Helper()
	root = t.TempDir()
	write(t, filepath.Join(root, "etc/docker/tls/ca.pem"), "the CA", 0o644)
	elsewhere = t.TempDir()
	write(t, filepath.Join(elsewhere, "tls/ca.pem"), "planted", 0o644)
	return root, elsewhere
}

func wantUnsafe(t *testing.T, err error, kind Kind, onDisk string) {
	t.Helper()
	var ue *UnsafeError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnsafe) {
		t.Fatalf("err = %v; want an *UnsafeError", err)
	}
	if ue.Kind != kind || ue.Path != onDisk {
		t.Fatalf("err = %v (kind %d, path %s); want kind %d for %s", err, ue.Kind, ue.Path, kind, onDisk)
	}
	fix := map[Kind]string{Link: "rm " + onDisk, NotRootOwned: "chown root:root " + onDisk, Writable: "chmod go-w " + onDisk}[kind]
	if !strings.Contains(err.Error(), fix) {
		t.Errorf("error does not give the fix %q: %v", fix, err)
	}
}

func TestReadFile(t *testing.T) {
	both(t, func(t *testing.T) {
		root, _ := tree(t)
		b, err := New(root).ReadFile("/etc/docker/tls/ca.pem", MaxFile)
		if err != nil || string(b) != "the CA" {
			t.Fatalf("ReadFile = %q, %v", b, err)
		}
		if _, err := New(root).ReadFile("/etc/docker/tls/nope.pem", MaxFile); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("missing file: %v", err)
		}
		if _, err := New(root).ReadFile("/etc/nope/tls/ca.pem", MaxFile); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("missing directory: %v", err)
		}
		if _, err := New(root).ReadFile("/etc/docker/tls/ca.pem", 3); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("over the bound: %v", err)
		}
		for _, bad := range []string{"etc/docker", "/etc/../etc/docker/tls/ca.pem", "/etc//docker", "/etc/docker/"} {
			if _, err := New(root).ReadFile(bad, MaxFile); err == nil || !strings.Contains(err.Error(), "absolute and clean") {
				t.Errorf("%q: err = %v", bad, err)
			}
		}
	})
}

// TestLinksAreRefused: a link anywhere on the way, as a directory or as the
// file itself, is refused by reads and writes alike; nothing is created
// through it.
func TestLinksAreRefused(t *testing.T) {
	both(t, func(t *testing.T) {
		for _, tc := range []struct{ name, link, target string }{
			{"dir", "etc/docker/tls", "tls"},
			{"parent", "etc/docker", ""},
			{"file", "etc/docker/tls/ca.pem", "tls/ca.pem"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				root, elsewhere := tree(t)
				link := filepath.Join(root, tc.link)
				os.RemoveAll(link)
				if err := os.Symlink(filepath.Join(elsewhere, tc.target), link); err != nil {
					t.Fatal(err)
				}
				fsys := New(root)
				_, err := fsys.ReadFile("/etc/docker/tls/ca.pem", MaxFile)
				wantUnsafe(t, err, Link, link)
				if !strings.Contains(err.Error(), "is a symbolic link to "+elsewhere) {
					t.Errorf("error does not say where the link points: %v", err)
				}
				if tc.name == "file" {
					_, err = fsys.Lstat("/etc/docker/tls/ca.pem")
					if err != nil {
						t.Fatal(err)
					}
					wantUnsafe(t, fsys.Check("/etc/docker/tls/ca.pem"), Link, link)
					return
				}
				_, _, err = fsys.MkdirAll("/etc/docker/tls/clients/alice", 0o700)
				wantUnsafe(t, err, Link, link)
				_, err = fsys.Lstat("/etc/docker/tls/ca.pem")
				wantUnsafe(t, err, Link, link)
				wantUnsafe(t, fsys.Check("/etc/docker/tls/ca.pem"), Link, link)
				if _, err := os.Stat(filepath.Join(elsewhere, "tls/clients")); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("a directory was made through the link: %v", err)
				}
			})
		}
	})
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("owner checks apply when running as root; this test chowns files (running as uid", os.Geteuid(), ")")
	}
}

// TestOwnersAndModes: as root, a directory on the way that another user owns
// or that group or others may write is refused, and so is a file another
// user owns; a file with a loose mode is not (its directory protects it, and
// it is narrowed when written). The root itself is the caller's choice.
func TestOwnersAndModes(t *testing.T) {
	needRoot(t)
	both(t, func(t *testing.T) {
		tests := []struct {
			name  string
			path  string
			uid   int
			mode  os.FileMode
			kind  Kind
			allow bool
		}{
			{"etcWorldWritable", "etc", 0, 0o777, Writable, false},
			{"dockerGroupWritable", "etc/docker", 0, 0o775, Writable, false},
			{"tlsSticky", "etc/docker/tls", 0, 0o1777, Writable, false},
			{"tlsOwnedByNobody", "etc/docker/tls", 65534, 0o755, NotRootOwned, false},
			{"fileOwnedByNobody", "etc/docker/tls/ca.pem", 65534, 0o644, NotRootOwned, false},
			{"fileWorldWritable", "etc/docker/tls/ca.pem", 0, 0o666, 0, true},
			{"rootWorldWritable", ".", 0, 0o777, 0, true},
			{"rootOwnedByNobody", ".", 65534, 0o755, 0, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				root, _ := tree(t)
				p := filepath.Join(root, tt.path)
				if err := os.Chown(p, tt.uid, tt.uid); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, tt.mode); err != nil {
					t.Fatal(err)
				}
				fsys := New(root)
				_, err := fsys.ReadFile("/etc/docker/tls/ca.pem", MaxFile)
				if tt.allow {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantUnsafe(t, err, tt.kind, filepath.Clean(p))
				wantUnsafe(t, fsys.Check("/etc/docker/tls/ca.pem"), tt.kind, filepath.Clean(p))
				if !strings.HasPrefix(tt.name, "file") {
					_, _, err = fsys.MkdirAll("/etc/docker/tls/ca", 0o700)
					wantUnsafe(t, err, tt.kind, filepath.Clean(p))
				}
				// Not as another user: their own files are theirs.
				fsys.strict = false
				if _, err := fsys.ReadFile("/etc/docker/tls/ca.pem", MaxFile); err != nil {
					t.Fatalf("not strict: %v", err)
				}
			})
		}
	})
}

func TestFIFODoesNotHang(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "etc/docker/daemon.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(root).ReadFile("/etc/docker/daemon.json", MaxFile)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err = %v", err)
	}
}

// TestMkdirAllModes: directories are made with exactly the mode asked for,
// whatever the umask, and only the ones made are reported.
func TestMkdirAllModes(t *testing.T) {
	for _, umask := range []int{0, 0o077} {
		old := syscall.Umask(umask)
		root := t.TempDir()
		write(t, filepath.Join(root, "etc/x"), "", 0o644)
		d, made, err := New(root).MkdirAll("/etc/docker/tls/ca", 0o700)
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		if want := []string{"/etc/docker", "/etc/docker/tls", "/etc/docker/tls/ca"}; !slices.Equal(made, want) {
			t.Errorf("made %q; want %q", made, want)
		}
		for _, p := range []string{"etc/docker", "etc/docker/tls/ca"} {
			fi, err := os.Stat(filepath.Join(root, p))
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("umask %03o: %s: %v, %v; want 0700", umask, p, fi.Mode(), err)
			}
		}
	}
}

func TestWriteAtomicAndTemps(t *testing.T) {
	root := t.TempDir()
	d, _, err := New(root).MkdirAll("/etc/docker/tls", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.WriteAtomic("server-key.pem", []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, "etc/docker/tls/server-key.pem"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%v, %v", fi.Mode(), err)
	}
	// What a run killed part-way leaves, and what is not ours.
	for _, n := range []string{".server-key.pem.tmp-123456", ".ca.pem.tmp-1"} {
		write(t, filepath.Join(root, "etc/docker/tls", n), "secret", 0o600)
	}
	for _, n := range []string{"notes.tmp-1", ".keep", ".x.tmp-abc"} {
		write(t, filepath.Join(root, "etc/docker/tls", n), "", 0o600)
	}
	removed, err := New(root).RemoveTemps("/etc/docker/tls")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	if want := []string{"/etc/docker/tls/.ca.pem.tmp-1", "/etc/docker/tls/.server-key.pem.tmp-123456"}; !slices.Equal(removed, want) {
		t.Fatalf("removed %q; want %q", removed, want)
	}
	ents, _ := os.ReadDir(filepath.Join(root, "etc/docker/tls"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{".keep", ".x.tmp-abc", "notes.tmp-1", "server-key.pem"}; !slices.Equal(names, want) {
		t.Fatalf("left %q; want %q", names, want)
	}
}

func TestRenameNoReplace(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "d/a"), "a", 0o644)
	write(t, filepath.Join(root, "d/b"), "b", 0o644)
	d, err := New(root).OpenDir("/d")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.RenameNoReplace("a", "b"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v", err)
	}
	if err := d.RenameNoReplace("a", "c"); err != nil {
		t.Fatal(err)
	}
}

// TestCrash runs a test binary built with the failpoint tag with the
// failpoint set: it dies by SIGKILL at the named step, and not before. This
// test binary, when built without the tag (as a release is), ignores the
// failpoint and completes. Run without the tag, it builds the tagged one
// (go test -c -tags failpoint), so that a plain go test checks both.
func TestCrash(t *testing.T) {
	if dir := os.Getenv("HOSTFS_CRASH_DIR"); dir != "" {
		d, err := New(dir).OpenDir("/")
		if err != nil {
			os.Exit(3)
		}
		for _, n := range []string{"a", "b", "c"} {
			if err := d.Mkdir(n, 0o755); err != nil {
				os.Exit(4)
			}
		}
		os.Exit(0)
	}
	all := []string{"a", "b", "c"}
	tagged := os.Args[0]
	if !failpointBuild {
		// The release build: the failpoint is never read.
		for _, fp := range []string{"1", "mkdir:2"} {
			crashChild(t, os.Args[0], fp, all)
		}
		tagged = buildFailpointTest(t)
	}
	for _, tc := range []struct {
		failpoint string
		made      []string
	}{{"2", []string{"a"}}, {"mkdir:3", []string{"a", "b"}}, {"rename:1", all}, {"", all}} {
		crashChild(t, tagged, tc.failpoint, tc.made)
	}
}

// crashChild runs TestCrash in the test binary bin with the failpoint set,
// and wants it killed when it made fewer than all three directories.
func crashChild(t *testing.T, bin, failpoint string, made []string) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin, "-test.run=^TestCrash$")
	cmd.Env = append(os.Environ(), "HOSTFS_CRASH_DIR="+dir, FailpointEnv+"="+failpoint)
	err := cmd.Run()
	var ee *exec.ExitError
	killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
	if killed != (len(made) < 3) || !killed && err != nil {
		t.Errorf("%s, failpoint %q: %v", filepath.Base(bin), failpoint, err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, made) {
		t.Errorf("%s, failpoint %q: made %q; want %q", filepath.Base(bin), failpoint, names, made)
	}
}

// buildFailpointTest builds this package's tests with the failpoint tag.
func buildFailpointTest(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		//lint:ignore SA1019 only when go is not on PATH: the toolchain running this test
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "hostfs-failpoint.test")
	if out, err := exec.Command(goTool, "test", "-c", "-tags", "failpoint", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go test -c -tags failpoint: %v\n%s", err, out)
	}
	return bin
}

// TestProblems names every directory on the way that would be refused, not
// only the first, and stops at a link.
func TestProblems(t *testing.T) {
	needRoot(t)
	root, elsewhere := tree(t)
	write(t, filepath.Join(root, "etc/docker/tls/ca/ca.pem"), "x", 0o644)
	for _, p := range []string{"etc/docker", "etc/docker/tls", "etc/docker/tls/ca"} {
		if err := os.Chmod(filepath.Join(root, p), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(filepath.Join(root, "etc/docker/tls/ca/ca.pem"), 65534, 65534); err != nil {
		t.Fatal(err)
	}
	errs := New(root).Problems("/etc/docker/tls/ca/ca.pem")
	var got []string
	for _, err := range errs {
		var ue *UnsafeError
		if !errors.As(err, &ue) {
			t.Fatalf("%v", err)
		}
		got = append(got, strings.TrimPrefix(ue.Path, root))
	}
	if want := []string{"/etc/docker", "/etc/docker/tls", "/etc/docker/tls/ca", "/etc/docker/tls/ca/ca.pem"}; !slices.Equal(got, want) {
		t.Fatalf("problems %q; want %q", got, want)
	}
	if err := os.Symlink(elsewhere, filepath.Join(root, "etc/docker/tls/clients")); err != nil {
		t.Fatal(err)
	}
	errs = New(root).Problems("/etc/docker/tls/clients/alice/key.pem")
	if len(errs) != 3 {
		t.Fatalf("%v", errs)
	}
	wantUnsafe(t, errs[2], Link, filepath.Join(root, "etc/docker/tls/clients"))
	if errs := New(root).Problems("/etc/nope/x"); len(errs) != 0 {
		t.Fatalf("missing path: %v", errs)
	}
}

// TestProblemsBelow finds, in one pass, a link in place of a bundle, a
// bundle directory others may write and a key another user owns.
func TestProblemsBelow(t *testing.T) {
	needRoot(t)
	root, elsewhere := tree(t)
	clients := filepath.Join(root, "etc/docker/tls/clients")
	write(t, filepath.Join(clients, "alice/key.pem"), "k", 0o600)
	write(t, filepath.Join(clients, "bob/key.pem"), "k", 0o600)
	write(t, filepath.Join(clients, "carol/key.pem"), "k", 0o600)
	if err := os.Symlink(elsewhere, filepath.Join(clients, "mallory")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(clients, "bob"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(clients, "carol/key.pem"), 65534, 65534); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, err := range New(root).ProblemsBelow("/etc/docker/tls/clients", 2) {
		var ue *UnsafeError
		if !errors.As(err, &ue) {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s", ue.Kind, strings.TrimPrefix(ue.Path, clients)))
	}
	want := []string{fmt.Sprintf("%d /bob", Writable), fmt.Sprintf("%d /carol/key.pem", NotRootOwned), fmt.Sprintf("%d /mallory", Link)}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("problems %q; want %q", got, want)
	}
}
