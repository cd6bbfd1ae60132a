package hostfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

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
		crash("mkdir")
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
	crash("create")
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
		tmp := fmt.Sprintf("%s%d%06d", TempPrefix(name), os.Getpid(), rand.Uint64()%1_000_000)
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
	crash("rename")
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
	crash("rename")
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
	crash("link")
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
	crash("remove")
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
	crash("rmdir")
	switch err := unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR); err {
	case nil, unix.ENOENT, unix.ENOTEMPTY, unix.EEXIST:
		return nil
	default:
		return d.pathErr("rmdir", name, err)
	}
}

// Chmod sets d's own mode.
func (d *Dir) Chmod(mode fs.FileMode) error {
	crash("chmod")
	if err := unix.Fchmod(d.fd, uint32(mode.Perm())); err != nil {
		return &fs.PathError{Op: "chmod", Path: d.fs.OnDisk(d.path), Err: err}
	}
	return nil
}

// Sync makes d's entries durable (after a rename or a create). File systems
// that cannot sync a directory are fine.
func (d *Dir) Sync() error {
	crash("syncdir")
	if err := unix.Fsync(d.fd); err != nil && err != unix.EINVAL {
		return &fs.PathError{Op: "sync", Path: d.fs.OnDisk(d.path), Err: err}
	}
	return nil
}

// Fd is d's descriptor, for flock; it stays d's.
func (d *Dir) Fd() int { return d.fd }

// Mkdir creates the directory name in d with exactly mode; it fails with
// an error wrapping fs.ErrExist when name exists.
func (d *Dir) Mkdir(name string, mode fs.FileMode) error {
	if err := validName(name); err != nil {
		return err
	}
	crash("mkdir")
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
