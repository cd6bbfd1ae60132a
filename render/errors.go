package render

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels returned (wrapped with an explanation) by Build and Detect.
var (
	// ErrSnap: Docker is installed as a snap; its config lives elsewhere.
	ErrSnap = errors.New("docker snap is not handled yet")
	// ErrRootless: Docker runs rootless as a user service.
	ErrRootless = errors.New("rootless docker is not handled yet")
	// ErrNoUnit: no docker.service was found under the root.
	ErrNoUnit = errors.New("docker.service not found")
	// ErrOtherInit: Docker is started by another init system (OpenRC, a
	// SysV script), not by a systemd docker.service.
	ErrOtherInit = errors.New("docker is not started by systemd")
	// ErrReadOnlyConfig: the configuration file dockerd reads is generated
	// or read-only (NixOS's /nix/store); it has to change where it is made.
	ErrReadOnlyConfig = errors.New("dockerd's configuration file cannot be written here")
	// ErrConflict: a setting outside the files docker-tls writes would stop
	// dockerd from starting with the new configuration. Build returns it
	// as a *ConflictError (several joined with errors.Join) and writes
	// nothing.
	ErrConflict = errors.New("conflicting docker setting")
)

// ConflictError names a setting in a file docker-tls does not write (a
// drop-in that wins over override.conf, /etc/default/docker) that would make
// dockerd refuse to start, and says what to change. It wraps ErrConflict.
type ConflictError struct {
	Path   string   // real path of the file to edit
	Line   int      // 1-based line of the setting; 0 if unknown
	Flags  []string // the conflicting options as written, e.g. ["-H tcp://0.0.0.0:2375", "--tlsverify"]
	Reason string   // why dockerd would not start
	Fix    string   // what to change

	owned bool   // the flag is -H/--host or --tls*, which daemon.json takes over
	key   string // the daemon.json key of a flag/file conflict
}

func (e *ConflictError) Error() string {
	s := e.Path
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	return s + ": " + e.Reason + ": " + e.Fix
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// RollbackError is Rollback refusing to undo a run, having changed nothing:
// files it wrote were changed since (by a later run or by hand), or the
// record of the run is too old to tell.
type RollbackError struct {
	Changed    []string          // real paths whose content is no longer what the run wrote (or that are gone)
	Unverified []string          // real paths the record has no checksum for (written by an older docker-tls)
	Backups    map[string]string // real path -> its backup, for restoring by hand
}

func (e *RollbackError) Error() string {
	var b strings.Builder
	b.WriteString("rollback refused, nothing was restored: ")
	if len(e.Changed) > 0 {
		it := pick(len(e.Changed) == 1, "it", "them")
		fmt.Fprintf(&b, "%s changed since that run wrote %s (a later run or an edit), and undoing %s would destroy that work",
			strings.Join(e.Changed, ", "), it, it)
	}
	if len(e.Unverified) > 0 {
		if len(e.Changed) > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "the record of that run has no checksums (an older docker-tls wrote it), so whether %s changed since cannot be told",
			strings.Join(e.Unverified, ", "))
	}
	var manual []string
	for _, p := range append(append([]string{}, e.Changed...), e.Unverified...) {
		if bk := e.Backups[p]; bk != "" {
			manual = append(manual, p+" from "+bk)
		}
	}
	if len(manual) > 0 {
		b.WriteString("; to go back anyway, restore by hand: " + strings.Join(manual, ", "))
	}
	return b.String()
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// MergeError reports a daemon.json that we refuse to touch because we could
// not parse it (Line/Col set) or because a key has a value we can't merge
// (Key set).
type MergeError struct {
	Path      string
	Key       string
	Line, Col int
	Err       error
}

func (e *MergeError) Error() string {
	s := e.Path
	if s == "" {
		s = "daemon.json"
	}
	if e.Line > 0 {
		s += fmt.Sprintf(":%d:%d", e.Line, e.Col)
	}
	if e.Key != "" {
		s += fmt.Sprintf(": key %q", e.Key)
	}
	return s + ": " + e.Err.Error()
}

func (e *MergeError) Unwrap() error { return e.Err }

// ApplyError reports the write step that failed and whether everything done
// before it was rolled back.
type ApplyError struct {
	Path       string
	Op         string
	Err        error
	RolledBack bool
}

func (e *ApplyError) Error() string {
	s := fmt.Sprintf("%s %s: %v", e.Op, e.Path, e.Err)
	if e.RolledBack {
		return s + " (rolled back: nothing was changed)"
	}
	return s + " (rollback incomplete: the files named here may be left changed)"
}

func (e *ApplyError) Unwrap() error { return e.Err }
