package setup

import (
	"errors"
	"fmt"
)

// HintError is a failure with one line of advice: what to do about it.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint attaches advice to err; a nil err stays nil.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// Hint returns the advice attached to err, or "".
func Hint(err error) string {
	var he *HintError
	if errors.As(err, &he) {
		return he.Hint
	}
	return ""
}

// Sentinels the front ends tell apart (wrapped, with a hint).
var (
	// ErrNoCA: there is no CA under the root yet.
	ErrNoCA = errors.New("no CA")
	// ErrIssued: a client of that name was already issued.
	ErrIssued = errors.New("already issued")
	// ErrNoRun: there is no record of a run to apply or roll back.
	ErrNoRun = errors.New("no record of a previous run")
	// ErrNoMeta: a bundle without its metadata file does not say which
	// daemon it is for; ConnectInput.Host must say it.
	ErrNoMeta = errors.New("the bundle does not say which daemon it is for")
	// ErrWouldReplace: a request would replace a key waiting for an
	// earlier request, or an existing request file; RequestInput.Force
	// allows it.
	ErrWouldReplace = errors.New("it would be replaced")
)

func hintf(hint, format string, a ...any) error {
	return &HintError{Err: fmt.Errorf(format, a...), Hint: hint}
}
