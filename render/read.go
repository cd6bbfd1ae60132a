package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/docker-tls/docker-tls/hostfs"
	"golang.org/x/sys/unix"
)

// Reading the host. Every function here reaches the tree through the one
// *hostfs.FS of the run: no link is followed on the way and, as root, no
// directory another user owns or may write is entered.

// readFile reads the real path p: nil, nil when absent; an error naming the
// path when it is a directory or unreadable. It reads at most MaxConfigSize
// bytes.
func readFile(fsys *hostfs.FS, p string) ([]byte, error) {
	b, err := fsys.ReadFile(p, MaxConfigSize)
	var ue *hostfs.UnsafeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, syscall.EISDIR):
		return nil, fmt.Errorf("%s is a directory, expected a file: move it away", p)
	case errors.Is(err, hostfs.ErrTooLarge):
		return nil, fmt.Errorf("%s is larger than %d KiB, far more than any Docker configuration file: docker-tls does not read it; check what it holds", p, MaxConfigSize>>10)
	case errors.As(err, &ue):
		return nil, err // names the path and the fix
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// exists reports whether p can be reached and is there (a link counts).
func exists(fsys *hostfs.FS, p string) bool {
	_, err := fsys.Lstat(p)
	return err == nil
}

// readlink returns the target of the link p, as written.
func readlink(fsys *hostfs.FS, p string) (string, error) {
	dir, err := fsys.OpenDir(path.Dir(p))
	if err != nil {
		return "", err
	}
	defer dir.Close()
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dir.Fd(), path.Base(p), buf)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: fsys.OnDisk(p), Err: err}
	}
	return string(buf[:n]), nil
}

// readOnly reports a directory on a file system mounted read-only; false
// when it cannot be reached (not there yet: Apply makes it).
func readOnly(fsys *hostfs.FS, p string) bool {
	dir, err := fsys.OpenDir(p)
	if err != nil {
		return false
	}
	defer dir.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(dir.Fd(), &st); err != nil {
		return false
	}
	return st.Flags&unix.ST_RDONLY != 0
}

// glob returns the real paths that pattern (absolute, path.Match syntax in
// any component) matches, sorted; a pattern without metacharacters is
// returned as it is. Directories that cannot be listed match nothing.
func glob(fsys *hostfs.FS, pattern string) []string {
	if !strings.ContainsAny(pattern, "*?[") {
		return []string{pattern}
	}
	matches := []string{"/"}
	for _, elem := range strings.Split(strings.Trim(path.Clean(pattern), "/"), "/") {
		matches = globStep(fsys, matches, elem)
	}
	sort.Strings(matches)
	return matches
}

// globStep extends each directory in dirs by the names matching elem.
func globStep(fsys *hostfs.FS, dirs []string, elem string) []string {
	var out []string
	for _, dir := range dirs {
		if !strings.ContainsAny(elem, "*?[") {
			out = append(out, path.Join(dir, elem))
			continue
		}
		ents, err := fsys.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if ok, _ := path.Match(elem, e.Name()); ok {
				out = append(out, path.Join(dir, e.Name()))
			}
		}
	}
	return out
}
