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
		return fmt.Sprintf("%s is a symbolic link%s: docker-tls runs as root and follows no links on the way to the files it reads and writes, since whoever controls where a link points controls what root writes there; %s", e.Path, to, e.Fix())
	case NotRootOwned:
		return fmt.Sprintf("%s is a %s owned by uid %d, not root: its owner could swap the files docker-tls reads and writes there as root; %s", e.Path, e.what(), e.UID, e.Fix())
	default:
		return fmt.Sprintf("%s is a %s writable by group or others (mode %04o): any of them could swap the files docker-tls reads and writes there as root; %s", e.Path, e.what(), e.Mode.Perm(), e.Fix())
	}
}

// Fix is the command that makes the path acceptable, in words.
func (e *UnsafeError) Fix() string {
	switch e.Kind {
	case Link:
		return fmt.Sprintf("remove the link (rm %s) and run again: docker-tls makes the real directories and files itself", e.Path)
	case NotRootOwned:
		return fmt.Sprintf("check what is in it, then chown root:root %s", e.Path)
	default:
		return fmt.Sprintf("check what is in it, then chmod go-w %s", e.Path)
	}
}

func (e *UnsafeError) Unwrap() error { return ErrUnsafe }
