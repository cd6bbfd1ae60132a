// Package hint attaches one line of advice to an error: what the user can
// do about it. Both engines (setup on the host, member on a member's
// machine) return such errors; the front ends print the advice under the
// error. It holds no sentences of its own.
package hint

import (
	"errors"
	"fmt"
)

// Error is a failure with one line of advice.
type Error struct {
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// With attaches advice to err; a nil err stays nil.
func With(err error, advice string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Hint: advice}
}

// Errorf is fmt.Errorf with advice attached.
func Errorf(advice, format string, a ...any) error {
	return &Error{Err: fmt.Errorf(format, a...), Hint: advice}
}

// Of returns the advice attached to err, or "".
func Of(err error) string {
	var he *Error
	if errors.As(err, &he) {
		return he.Hint
	}
	return ""
}
