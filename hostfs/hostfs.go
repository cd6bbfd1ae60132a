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
package hostfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

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

// A Dir is an open, checked directory: operations on its entries go through
// its descriptor, never through a path.
type Dir struct {
	fs   *FS
	fd   int
	path string // real path
}

// Path is the directory's real path.
func (d *Dir) Path() string { return d.path }

// Close releases the descriptor.
func (d *Dir) Close() error {
	if d == nil || d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// join is the real path of name in d.
func (d *Dir) join(name string) string { return path.Join(d.path, name) }

// onDisk is the on-disk path of name in d, for messages.
func (d *Dir) onDisk(name string) string { return d.fs.OnDisk(d.join(name)) }

func (d *Dir) pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: d.onDisk(name), Err: err}
}

// validName refuses anything but one plain path component.
func validName(name string) error {
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("%q is not a file name", name)
	}
	return nil
}

// sub opens the directory name in d, creating it with mode when create is
// set and it is missing, and checks it.
func (d *Dir) sub(name string, create bool, mode fs.FileMode) (*Dir, bool, error) {
	if err := validName(name); err != nil {
		return nil, false, err
	}
	made := false
	fd, err := openAt(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY)
	if err == unix.ENOENT && create {
		Crash("mkdir")
		switch err := unix.Mkdirat(d.fd, name, uint32(mode.Perm())); {
		case err == nil:
			made = true
		case err == unix.EEXIST: // made meanwhile (by a concurrent run): checked below like any other
		default:
			return nil, false, d.pathErr("mkdir", name, err)
		}
		fd, err = openAt(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY)
	}
	switch {
	case err == unix.ELOOP || err == unix.ENOTDIR || err == unix.EXDEV:
		return nil, false, d.notDir(name)
	case err != nil:
		return nil, false, d.pathErr("open", name, err)
	}
	sub := &Dir{fs: d.fs, fd: fd, path: d.join(name)}
	if made {
		// The umask may have narrowed the mode.
		if err := unix.Fchmod(fd, uint32(mode.Perm())); err != nil {
			sub.Close()
			return nil, false, d.pathErr("chmod", name, err)
		}
	}
	if err := sub.checkSelf(); err != nil {
		sub.Close()
		return nil, false, err
	}
	return sub, made, nil
}

// notDir explains why name in d could not be opened as a directory: a link
// or another kind of file.
func (d *Dir) notDir(name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return d.pathErr("open", name, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return d.linkError(name)
	}
	return d.pathErr("open", name, syscall.ENOTDIR)
}

func (d *Dir) linkError(name string) error {
	target := make([]byte, 4096)
	n, err := unix.Readlinkat(d.fd, name, target)
	to := ""
	if err == nil {
		to = string(target[:n])
	}
	return &UnsafeError{Path: d.onDisk(name), Kind: Link, Target: to}
}

// checkSelf checks the open directory d (strict: root-owned, not writable
// by group or others).
func (d *Dir) checkSelf() error {
	if !d.fs.strict {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil {
		return &fs.PathError{Op: "stat", Path: d.fs.OnDisk(d.path), Err: err}
	}
	return checkOwner(d.fs.OnDisk(d.path), true, st.Uid, st.Mode)
}

// checkFile checks an entry that is to be read or replaced.
func (d *Dir) checkFile(name string, fi fs.FileInfo) error {
	if !d.fs.strict {
		return nil
	}
	st := fi.Sys().(*unix.Stat_t)
	return checkOwner(d.onDisk(name), false, st.Uid, st.Mode)
}

// checkOwner: a directory or file must be root's; a directory must not be
// writable by group or others either (a file that is can still only be
// replaced through its directory, and docker-tls narrows the modes of the
// files it writes; its run records are checked by their readers).
func checkOwner(onDisk string, dir bool, uid uint32, mode uint32) error {
	if uid != 0 {
		return &UnsafeError{Path: onDisk, Kind: NotRootOwned, Dir: dir, UID: int(uid)}
	}
	if dir && mode&0o022 != 0 {
		return &UnsafeError{Path: onDisk, Kind: Writable, Dir: dir, Mode: fs.FileMode(mode & 0o7777)}
	}
	return nil
}

// Sub opens the directory name in d and checks it.
func (d *Dir) Sub(name string) (*Dir, error) {
	s, _, err := d.sub(name, false, 0)
	return s, err
}

// Lstat describes name in d without following a link.
func (d *Dir) Lstat(name string) (fs.FileInfo, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, d.pathErr("lstat", name, err)
	}
	return newInfo(name, &st), nil
}

// Stat describes d itself.
func (d *Dir) Stat() (fs.FileInfo, error) {
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: d.fs.OnDisk(d.path), Err: err}
	}
	return newInfo(path.Base(d.path), &st), nil
}

// ReadFile reads the regular file name in d, at most max bytes, and returns
// it with its description. A link, a file that is not regular, or (strict)
// one another user owns is refused.
func (d *Dir) ReadFile(name string, max int64) ([]byte, fs.FileInfo, error) {
	if err := validName(name); err != nil {
		return nil, nil, err
	}
	// O_NONBLOCK: a FIFO planted in place of the file must not hang us.
	fd, err := openAt(d.fd, name, unix.O_RDONLY|unix.O_NONBLOCK)
	switch {
	case err == unix.ELOOP:
		return nil, nil, d.linkError(name)
	case err == unix.EISDIR:
		return nil, nil, d.pathErr("open", name, syscall.EISDIR)
	case err != nil:
		return nil, nil, d.pathErr("open", name, err)
	}
	file := os.NewFile(uintptr(fd), d.onDisk(name))
	defer file.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, nil, d.pathErr("stat", name, err)
	}
	fi := newInfo(name, &st)
	switch {
	case fi.IsDir():
		return nil, nil, d.pathErr("read", name, syscall.EISDIR)
	case !fi.Mode().IsRegular():
		return nil, nil, d.pathErr("read", name, fmt.Errorf("not a regular file (%s)", fi.Mode().Type()))
	}
	if err := d.checkFile(name, fi); err != nil {
		return nil, nil, err
	}
	if fi.Size() > max {
		return nil, nil, d.pathErr("read", name, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, fi.Size(), max))
	}
	b, err := io.ReadAll(io.LimitReader(file, max+1))
	if err != nil {
		return nil, nil, d.pathErr("read", name, err)
	}
	if int64(len(b)) > max {
		return nil, nil, d.pathErr("read", name, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max))
	}
	if b == nil {
		b = []byte{}
	}
	return b, fi, nil
}

// ReadDir lists d.
func (d *Dir) ReadDir() ([]fs.DirEntry, error) {
	fd, err := unix.Openat(d.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: d.fs.OnDisk(d.path), Err: err}
	}
	f := os.NewFile(uintptr(fd), d.fs.OnDisk(d.path))
	defer f.Close()
	return f.ReadDir(-1)
}

// CreateExcl creates name in d, which must not exist, with exactly mode,
// and returns it open for writing.
func (d *Dir) CreateExcl(name string, mode fs.FileMode) (*File, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	Crash("create")
	fd, err := openAt(d.fd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL)
	if err != nil {
		return nil, d.pathErr("create", name, err)
	}
	// openat2 takes the mode in OpenHow; openat's 0 above would give 0000
	// until this fchmod, which also undoes the umask.
	if err := unix.Fchmod(fd, uint32(mode.Perm())); err != nil {
		unix.Close(fd)
		unix.Unlinkat(d.fd, name, 0)
		return nil, d.pathErr("chmod", name, err)
	}
	return &File{f: os.NewFile(uintptr(fd), d.onDisk(name)), name: name}, nil
}

// TempPrefix is how a temp file of name begins: ".NAME.tmp-". A run that
// dies leaves such files behind; RemoveTemps removes them.
func TempPrefix(name string) string { return "." + name + ".tmp-" }

// CreateTemp creates a new temp file for name in d (".NAME.tmp-RANDOM")
// with mode.
func (d *Dir) CreateTemp(name string, mode fs.FileMode) (*File, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		tmp := fmt.Sprintf("%s%d%06d", TempPrefix(name), os.Getpid(), randUint()%1_000_000)
		f, err := d.CreateExcl(tmp, mode)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		return f, err
	}
}

// WriteAtomic replaces (or creates) name in d with data and mode: a temp
// file in d, write, fsync, rename, fsync of d (google/renameio: without the
// fsyncs a crash can leave an empty file under the final name).
func (d *Dir) WriteAtomic(name string, data []byte, mode fs.FileMode) error {
	f, err := d.CreateTemp(name, mode)
	if err != nil {
		return err
	}
	if err := f.WriteAll(data); err != nil {
		d.Remove(f.Name())
		return err
	}
	if err := d.Rename(f.Name(), name); err != nil {
		d.Remove(f.Name())
		return err
	}
	return d.Sync()
}

// Rename renames from to to, both in d.
func (d *Dir) Rename(from, to string) error {
	if err := errors.Join(validName(from), validName(to)); err != nil {
		return err
	}
	Crash("rename")
	if err := unix.Renameat(d.fd, from, d.fd, to); err != nil {
		return d.pathErr("rename", to, err)
	}
	return nil
}

// RenameNoReplace renames from to to, both in d, failing with an error
// wrapping fs.ErrExist when to exists (for a directory: a non-empty one).
func (d *Dir) RenameNoReplace(from, to string) error {
	if err := errors.Join(validName(from), validName(to)); err != nil {
		return err
	}
	Crash("rename")
	err := unix.Renameat2(d.fd, from, d.fd, to, unix.RENAME_NOREPLACE)
	if err == unix.EINVAL || err == unix.ENOSYS {
		// No RENAME_NOREPLACE on this file system: look, then rename. A
		// rename onto an existing file would replace it, but the callers'
		// lock excludes other writers; onto a directory, rename(2) itself
		// fails unless that directory is empty.
		var st unix.Stat_t
		if err = unix.Fstatat(d.fd, to, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil {
			err = unix.EEXIST
		} else if err == unix.ENOENT {
			err = unix.Renameat(d.fd, from, d.fd, to)
		}
	}
	if err == unix.ENOTEMPTY {
		err = unix.EEXIST
	}
	if err != nil {
		return d.pathErr("rename", to, err)
	}
	return nil
}

// OpenLock opens (creating it, mode 0600, when missing) the file name in d
// for flock: a lock file only root can open, so that no other user can hold
// the lock. Strict: it must be root's.
func (d *Dir) OpenLock(name string) (*os.File, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	// Read-only is enough for flock, and works on a read-only mount.
	fd, err := openAt(d.fd, name, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL)
	if err == nil {
		if err := unix.Fchmod(fd, 0o600); err != nil {
			unix.Close(fd)
			return nil, d.pathErr("chmod", name, err)
		}
	} else if err == unix.EEXIST || err == unix.EROFS {
		fd, err = openAt(d.fd, name, unix.O_RDONLY|unix.O_NONBLOCK)
	}
	switch {
	case err == unix.ELOOP:
		return nil, d.linkError(name)
	case err != nil:
		return nil, d.pathErr("open", name, err)
	}
	f := os.NewFile(uintptr(fd), d.onDisk(name))
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, d.pathErr("stat", name, err)
	}
	fi := newInfo(name, &st)
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, d.pathErr("open", name, fmt.Errorf("not a regular file (%s)", fi.Mode().Type()))
	}
	if err := d.checkFile(name, fi); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Link makes to a new name of from, both in d; it fails with an error
// wrapping fs.ErrExist instead of replacing to.
func (d *Dir) Link(from, to string) error {
	if err := errors.Join(validName(from), validName(to)); err != nil {
		return err
	}
	Crash("link")
	if err := unix.Linkat(d.fd, from, d.fd, to, 0); err != nil {
		return d.pathErr("link", to, err)
	}
	return nil
}

// Remove removes the file (not directory) name in d; a missing one is fine.
func (d *Dir) Remove(name string) error {
	if err := validName(name); err != nil {
		return err
	}
	Crash("remove")
	if err := unix.Unlinkat(d.fd, name, 0); err != nil && err != unix.ENOENT {
		return d.pathErr("remove", name, err)
	}
	return nil
}

// Rmdir removes the directory name in d when it is empty; a missing or
// non-empty one is left, without error.
func (d *Dir) Rmdir(name string) error {
	if err := validName(name); err != nil {
		return err
	}
	Crash("rmdir")
	switch err := unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR); err {
	case nil, unix.ENOENT, unix.ENOTEMPTY, unix.EEXIST:
		return nil
	default:
		return d.pathErr("rmdir", name, err)
	}
}

// Chmod sets d's own mode.
func (d *Dir) Chmod(mode fs.FileMode) error {
	Crash("chmod")
	if err := unix.Fchmod(d.fd, uint32(mode.Perm())); err != nil {
		return &fs.PathError{Op: "chmod", Path: d.fs.OnDisk(d.path), Err: err}
	}
	return nil
}

// Sync makes d's entries durable (after a rename or a create). File systems
// that cannot sync a directory are fine.
func (d *Dir) Sync() error {
	Crash("syncdir")
	if err := unix.Fsync(d.fd); err != nil && err != unix.EINVAL {
		return &fs.PathError{Op: "sync", Path: d.fs.OnDisk(d.path), Err: err}
	}
	return nil
}

// Fd is d's descriptor, for flock; it stays d's.
func (d *Dir) Fd() int { return d.fd }

// A File is a new file being written, created by CreateExcl or CreateTemp.
type File struct {
	f    *os.File
	name string
}

// Name is the file's name in its directory.
func (f *File) Name() string { return f.name }

// Fd is the file's descriptor.
func (f *File) Fd() int { return int(f.f.Fd()) }

// WriteAll writes data, fsyncs and closes the file; it is closed on every
// path.
func (f *File) WriteAll(data []byte) error {
	Crash("write")
	_, err := f.f.Write(data)
	if err == nil {
		Crash("sync")
		// Without fsync a crash after the rename can leave an empty file
		// under the final name (see google/renameio).
		err = f.f.Sync()
	}
	if cerr := f.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		var pe *fs.PathError
		if !errors.As(err, &pe) {
			err = &fs.PathError{Op: "write", Path: f.f.Name(), Err: err}
		}
	}
	return err
}

// Close closes the file without writing.
func (f *File) Close() error { return f.f.Close() }

// info is an fs.FileInfo from a stat.
type info struct {
	name string
	st   unix.Stat_t
}

func newInfo(name string, st *unix.Stat_t) *info { return &info{name: name, st: *st} }

func (i *info) Name() string       { return i.name }
func (i *info) Size() int64        { return i.st.Size }
func (i *info) ModTime() time.Time { return time.Unix(i.st.Mtim.Unix()) }
func (i *info) IsDir() bool        { return i.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (i *info) Sys() any           { return &i.st }
func (i *info) Mode() fs.FileMode {
	m := fs.FileMode(i.st.Mode & 0o777)
	switch i.st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	}
	if i.st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if i.st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if i.st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// Ino identifies fi's file (device and inode), when fi came from this
// package.
func Ino(fi fs.FileInfo) (dev, ino uint64, ok bool) {
	if st, isUnix := fi.Sys().(*unix.Stat_t); isUnix {
		return st.Dev, st.Ino, true
	}
	return 0, 0, false
}

// Mkdir creates the directory name in d with exactly mode; it fails with
// an error wrapping fs.ErrExist when name exists.
func (d *Dir) Mkdir(name string, mode fs.FileMode) error {
	if err := validName(name); err != nil {
		return err
	}
	Crash("mkdir")
	if err := unix.Mkdirat(d.fd, name, uint32(mode.Perm())); err != nil {
		return d.pathErr("mkdir", name, err)
	}
	sub, err := d.Sub(name)
	if err == nil {
		// The umask may have narrowed the mode.
		err = unix.Fchmod(sub.fd, uint32(mode.Perm()))
		sub.Close()
	}
	if err != nil {
		unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR)
		return d.pathErr("mkdir", name, err)
	}
	return nil
}

// tempRE matches the temp files CreateTemp makes: ".NAME.tmp-DIGITS".
var tempRE = regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)

// RemoveTemps removes the temp files a write killed part-way left in the
// directory p (".NAME.tmp-*", which may hold a private key), and returns
// their real paths. Only call it while no other write can be running there.
func (f *FS) RemoveTemps(p string) ([]string, error) {
	d, err := f.OpenDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	ents, err := d.ReadDir()
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		if !tempRE.MatchString(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		if err := d.Remove(e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, d.join(e.Name()))
	}
	if len(removed) > 0 {
		errs = append(errs, d.Sync())
	}
	return removed, errors.Join(errs...)
}

// Problems walks to p like Check but goes on past a directory it would
// refuse, and returns every refusal on the way: a link (where the walk
// stops), each directory another user owns or may write, the file if
// another user owns it. A missing component ends the walk quietly.
func (f *FS) Problems(p string) []error {
	names, err := components(p)
	if err != nil {
		return []error{err}
	}
	loose := &FS{root: f.root}
	d, err := loose.openRoot()
	if err != nil {
		return []error{err}
	}
	defer func() { d.Close() }()
	var errs []error
	for i, n := range names {
		fi, err := d.Lstat(n)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return errs
		case err != nil:
			return append(errs, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			return append(errs, d.linkError(n))
		case !fi.IsDir():
			if i == len(names)-1 && f.strict {
				if err := (&Dir{fs: f, fd: d.fd, path: d.path}).checkFile(n, fi); err != nil {
					errs = append(errs, err)
				}
			}
			return errs
		}
		sub, err := d.Sub(n)
		if err != nil {
			return append(errs, err)
		}
		d.Close()
		d = sub
		if f.strict {
			st := fi.Sys().(*unix.Stat_t)
			if err := checkOwner(d.fs.OnDisk(d.path), true, st.Uid, st.Mode); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// Entries lists the directory p without the owner and mode checks (links
// are still not followed): for finding what else to check.
func (f *FS) Entries(p string) ([]fs.DirEntry, error) {
	return (&FS{root: f.root}).ReadDir(p)
}

// ProblemsBelow is Problems for everything below the directory p, depth
// levels down (1: its entries; 2: their entries too), in one pass: links,
// directories another user owns or may write, files another user owns. It
// does not check p itself or the way to it: Problems(p) does.
func (f *FS) ProblemsBelow(p string, depth int) []error {
	d, err := (&FS{root: f.root}).OpenDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return []error{err}
	}
	defer d.Close()
	return f.problemsIn(d, depth)
}

func (f *FS) problemsIn(d *Dir, depth int) []error {
	ents, err := d.ReadDir()
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, e := range ents {
		n := e.Name()
		fi, err := d.Lstat(n)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		case fi.Mode()&fs.ModeSymlink != 0:
			errs = append(errs, d.linkError(n))
			continue
		}
		if !f.strict && !fi.IsDir() {
			continue
		}
		st := fi.Sys().(*unix.Stat_t)
		if err := checkOwner(d.onDisk(n), fi.IsDir(), st.Uid, st.Mode); err != nil && f.strict {
			errs = append(errs, err)
		}
		if fi.IsDir() && depth > 1 {
			sub, err := d.Sub(n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, f.problemsIn(sub, depth-1)...)
			sub.Close()
		}
	}
	return errs
}
