package render

import (
	"errors"
	"fmt"
)

// Sentinels returned (wrapped with an explanation) by Build and Detect.
var (
	// ErrSnap: Docker is installed as a snap; its config lives elsewhere.
	ErrSnap = errors.New("docker snap is not handled yet")
	// ErrRootless: Docker runs rootless as a user service.
	ErrRootless = errors.New("rootless docker is not handled yet")
	// ErrNoUnit: no docker.service was found under the root.
	ErrNoUnit = errors.New("docker.service not found")
)

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

// ListenError explains why a listen address was refused.
type ListenError struct {
	Input  string
	Reason string
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("listen address %q: %s", e.Input, e.Reason)
}
