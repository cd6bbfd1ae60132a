package hostfs

import (
	"errors"
	"fmt"
	"io/fs"
)

// ErrUnsafe is wrapped by every *UnsafeError.
var ErrUnsafe = errors.New("unsafe path")

// Kind says what is wrong with a path on the way to a file.
type Kind int

const (
	// Link: a symbolic link, where a directory or file was expected.
	Link Kind = iota
	// NotRootOwned: owned by another user than root.
	NotRootOwned
	// Writable: writable by group or others.
	Writable
)

// UnsafeError is a path docker-tls refuses to go through as root, with the
// command that fixes it. It wraps ErrUnsafe.
type UnsafeError struct {
	Path   string // on-disk path
	Kind   Kind
	Dir    bool        // a directory (NotRootOwned, Writable)
	Target string      // Link: where it points
	UID    int         // NotRootOwned: the owner
	Mode   fs.FileMode // Writable: the mode
}

func (e *UnsafeError) what() string {
	if e.Dir {
		return "directory"
	}
	return "file"
}

func (e *UnsafeError) Error() string {
	switch e.Kind {
	case Link:
		to := ""
		if e.Target != "" {
			to = " to " + e.Target
		}
		return fmt.Sprintf("%s is a symbolic link%s: docker-tls, running as root, follows no links to the files it reads and writes (whoever controls a link chooses where root writes); %s", e.Path, to, e.Fix())
	case NotRootOwned:
		return fmt.Sprintf("%s is a %s owned by uid %d, not root: that user could swap the files docker-tls reads and writes there as root; %s", e.Path, e.what(), e.UID, e.Fix())
	default:
		return fmt.Sprintf("%s is a %s writable by group or others (mode %04o): any of them could swap the files docker-tls reads and writes there as root; %s", e.Path, e.what(), e.Mode.Perm(), e.Fix())
	}
}

// Fix says what to do about it, with the command.
func (e *UnsafeError) Fix() string {
	switch e.Kind {
	case Link:
		return "remove it (docker-tls makes the real directory): rm " + e.Path
	case NotRootOwned:
		return "check what is in it, then: chown root:root " + e.Path
	default:
		return "check what is in it, then: chmod go-w " + e.Path
	}
}

func (e *UnsafeError) Unwrap() error { return ErrUnsafe }
