package pki

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is one problem with one field of a Plan. Field is the flag name
// without dashes (fqdn, san-dns, san-ip, days, ...), so the CLI can print
// `--fqdn "x": reason` and a form can show Reason next to the field.
type FieldError struct {
	Field  string
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("--%s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("--%s %q: %s", e.Field, e.Value, e.Reason)
}

// FieldErrors is every FieldError of a Plan; it is itself an error.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// For returns the errors about one field.
func (es FieldErrors) For(field string) []*FieldError {
	var out []*FieldError
	for _, e := range es {
		if e.Field == field {
			out = append(out, e)
		}
	}
	return out
}

func reasonOf(err error) string { return err.Error() }

// ErrBadPassphrase is returned (wrapped) when a passphrase does not open the CA key.
var ErrBadPassphrase = errors.New("wrong CA passphrase")

// ErrKeyMismatch is returned (wrapped) when a private key does not belong to its certificate.
var ErrKeyMismatch = errors.New("private key does not match the certificate")

// ParseError says which PEM input could not be read and what was expected.
type ParseError struct {
	File string // a name for the input, e.g. "ca/ca-key.pem"
	Want string // e.g. "CERTIFICATE", "ENCRYPTED PRIVATE KEY"
	Err  error
}

func (e *ParseError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("cannot read %s: %v", e.Want, e.Err)
	}
	return fmt.Sprintf("%s: cannot read %s: %v", e.File, e.Want, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
