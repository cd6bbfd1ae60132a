// Package member is a team member's own machine: request a certificate with
// a key that never leaves it, read the bundle the admin sends back, install
// it and make the docker context, and probe the daemon over mutual TLS. It
// runs as the member, with no root: files go under $DOCKER_CONFIG (or
// ~/.docker). It owns the bundle's format, which the host engine (setup)
// packs; it never touches a host's Docker configuration, and it never
// prints: the front ends say what happened.
package member

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// The files of a bundle, in the docker CLI's own names.
const (
	CAFile   = "ca.pem"
	CertFile = "cert.pem"
	KeyFile  = "key.pem"
)

// A bundle is the member's to copy and edit once handed over: certificates
// 0644, the key 0600.
const (
	ModeCert os.FileMode = 0o644
	ModeKey  os.FileMode = 0o600
)

// Sentinels the front ends tell apart (wrapped, with a hint).
var (
	// ErrNoMeta: a bundle without its metadata file does not say which
	// daemon it is for; ConnectInput.Host must say it.
	ErrNoMeta = errors.New("the bundle does not say which daemon it is for")
	// ErrWouldReplace: a request would replace a key waiting for an
	// earlier request, or an existing request file; RequestInput.Force
	// allows it.
	ErrWouldReplace = errors.New("it would be replaced")
)

// WriteFileAtomic writes data to path with mode: a temporary file in the
// same directory, fsync, rename, so that a reader never sees half a file.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// openRegular opens path for reading only if it is a regular file: without
// blocking (O_NONBLOCK: a FIFO planted in its place would hang the open,
// and then the read, forever), checked again on the open file, so that
// nothing can be swapped in between.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	return f, nil
}
