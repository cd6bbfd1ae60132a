// Package hostfs reaches files under a root directory the way a process
// running as root must when other users may have planted links or loosened
// modes on the way: every path is walked from the root one component at a
// time, following no symbolic link (openat2 with RESOLVE_NO_SYMLINKS and
// RESOLVE_BENEATH, or openat with O_NOFOLLOW where openat2 is missing), each
// directory is checked as it is opened, and the last component is opened,
// created, renamed or removed relative to the directory that was checked,
// never by its path again, so nothing can be swapped in between. This is
// OpenSSH's StrictModes (safe_path in misc.c) done the way runc's
// filepath-securejoin walks a container's root.
//
// When the process runs as root, each directory below the root must be owned
// by root and not writable by group or others, and each file owned by root:
// anyone else who could write there could swap a file docker-tls trusts (the
// CA key, the certificate dockerd trusts, the run record) or turn a write
// into one elsewhere. The root itself (--root, "/" by default) is the caller's choice
// and is not checked.
//
//	fsys := hostfs.New("/")
//	b, err := fsys.ReadFile("/etc/docker/tls/ca/ca.pem", hostfs.MaxFile)
//
// Built with the failpoint tag (go build -tags failpoint, for the crash
// tests only), each step that changes the disk may kill the process (see
// FailpointEnv); a build without it has no failpoint.
package hostfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// MaxFile bounds what ReadFile callers usually read: every file docker-tls
// reads is a small text file, and a planted huge one must not exhaust memory.
const MaxFile = 16 << 20

// ErrTooLarge: a file is larger than the bound its reader gave.
var ErrTooLarge = errors.New("file too large")

// FS is a root directory tree. Paths given to its methods are real paths:
// absolute and clean, like "/etc/docker/daemon.json", resolved beneath the
// root.
type FS struct {
	root string
	// strict: check that directories and files are root-owned and not
	// writable by group or others (the process runs as root).
	strict bool
}

// New returns the tree under root ("" means "/"). Owners and modes are
// checked when the process runs as root.
func New(root string) *FS {
	if root == "" {
		root = "/"
	}
	return &FS{root: root, strict: os.Geteuid() == 0}
}

// Strict reports whether owners and modes are checked.
func (f *FS) Strict() bool { return f.strict }

// Root is the directory f reaches files under.
func (f *FS) Root() string { return f.root }

// CheckPrivate refuses (when strict) a file that group or others may write:
// for the files whose every byte is trusted, such as a run record.
func (f *FS) CheckPrivate(p string, fi fs.FileInfo) error {
	if f.strict && fi.Mode().Perm()&0o022 != 0 {
		return &UnsafeError{Path: f.OnDisk(p), Kind: Writable, Mode: fi.Mode().Perm()}
	}
	return nil
}

// OnDisk is the on-disk path of the real path p.
func (f *FS) OnDisk(p string) string {
	if f.root == "/" {
		return p
	}
	return strings.TrimSuffix(f.root, "/") + p
}

// components splits a real path into its names, refusing anything but an
// absolute, clean path (so no "..", "." or empty name is left in it).
func components(p string) ([]string, error) {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return nil, fmt.Errorf("path %q must be absolute and clean", p)
	}
	if p == "/" {
		return nil, nil
	}
	return strings.Split(p[1:], "/"), nil
}

// noOpenat2 is set once openat2 turned out to be missing (kernels before
// 5.6, or a seccomp filter that refuses it): the walk then uses openat with
// O_NOFOLLOW, which refuses a link in the last component just the same.
var noOpenat2 atomic.Bool

// openAt opens name (one component) relative to dirfd without following a
// symbolic link: openat2 refuses one anywhere (RESOLVE_NO_SYMLINKS) and
// anything outside dirfd (RESOLVE_BENEATH); openat with O_NOFOLLOW, where
// openat2 is missing, refuses a link as the last (here: only) component.
func openAt(dirfd int, name string, flags int) (int, error) {
	flags |= unix.O_CLOEXEC
	if !noOpenat2.Load() {
		fd, err := unix.Openat2(dirfd, name, &unix.OpenHow{
			Flags:   uint64(flags),
			Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
		})
		if err != unix.ENOSYS && err != unix.EPERM {
			return fd, err
		}
		noOpenat2.Store(true)
	}
	for {
		fd, err := unix.Openat(dirfd, name, flags|unix.O_NOFOLLOW, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// openRoot opens the root directory itself, which the caller chose.
func (f *FS) openRoot() (*Dir, error) {
	fd, err := unix.Open(f.root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: f.root, Err: err}
	}
	return &Dir{fs: f, fd: fd, path: "/"}, nil
}

// OpenDir opens the directory p, checking every directory on the way.
// A missing one gives an error wrapping fs.ErrNotExist.
func (f *FS) OpenDir(p string) (*Dir, error) {
	d, _, err := f.walk(p, false, 0)
	return d, err
}

// MkdirAll opens the directory p, creating the missing ones with mode
// (exactly: the umask does not narrow it), and returns the real paths of
// those it created, parents first.
func (f *FS) MkdirAll(p string, mode fs.FileMode) (*Dir, []string, error) {
	return f.walk(p, true, mode)
}

func (f *FS) walk(p string, create bool, mode fs.FileMode) (*Dir, []string, error) {
	names, err := components(p)
	if err != nil {
		return nil, nil, err
	}
	d, err := f.openRoot()
	if err != nil {
		return nil, nil, err
	}
	var created []string
	for _, n := range names {
		next, made, err := d.sub(n, create, mode)
		d.Close()
		if err != nil {
			return nil, created, err
		}
		if made {
			created = append(created, next.path)
		}
		d = next
	}
	return d, created, nil
}

// ReadFile reads the regular file p, at most max bytes (more is an error
// wrapping ErrTooLarge). A missing file or directory gives an error
// wrapping fs.ErrNotExist.
func (f *FS) ReadFile(p string, max int64) ([]byte, error) {
	dir, name, err := f.parent(p)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	b, _, err := dir.ReadFile(name, max)
	return b, err
}

// Lstat describes p without following a link in its last component (the
// directories above it are checked as always).
func (f *FS) Lstat(p string) (fs.FileInfo, error) {
	if p == "/" {
		d, err := f.openRoot()
		if err != nil {
			return nil, err
		}
		defer d.Close()
		return d.Stat()
	}
	dir, name, err := f.parent(p)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	return dir.Lstat(name)
}

// ReadDir lists the directory p.
func (f *FS) ReadDir(p string) ([]fs.DirEntry, error) {
	d, err := f.OpenDir(p)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir()
}

// Check walks to p as a read or a write would and returns what would be
// refused: a link on the way, a directory that another user owns or may
// write, a file another user owns (when strict). A missing path wraps
// fs.ErrNotExist.
func (f *FS) Check(p string) error {
	dir, name, err := f.parent(p)
	if err != nil {
		return err
	}
	defer dir.Close()
	if name == "" {
		return nil
	}
	fi, err := dir.Lstat(name)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return dir.linkError(name)
	case fi.IsDir():
		sub, _, err := dir.sub(name, false, 0)
		if err == nil {
			sub.Close()
		}
		return err
	}
	return dir.checkFile(name, fi)
}

// parent opens the directory of p and returns it with p's last name ("" for
// the root itself).
func (f *FS) parent(p string) (*Dir, string, error) {
	names, err := components(p)
	if err != nil {
		return nil, "", err
	}
	if len(names) == 0 {
		d, err := f.openRoot()
		return d, "", err
	}
	d, err := f.OpenDir(path.Dir(p))
	if err != nil {
		return nil, "", err
	}
	return d, names[len(names)-1], nil
}
