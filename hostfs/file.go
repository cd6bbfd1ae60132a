package hostfs

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

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
	crash("write")
	_, err := f.f.Write(data)
	if err == nil {
		crash("sync")
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
