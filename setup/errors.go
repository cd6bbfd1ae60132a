package setup

import (
	"errors"
)

// Sentinels the front ends tell apart (wrapped, with a hint).
var (
	// ErrNoCA: there is no CA under the root yet.
	ErrNoCA = errors.New("no CA")
	// ErrIssued: a client of that name was already issued.
	ErrIssued = errors.New("already issued")
	// ErrNoRun: there is no record of a run to apply or roll back.
	ErrNoRun = errors.New("no record of a previous run")
)
