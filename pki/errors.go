package pki

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Field names one answer of a setup: a Plan's fields, plus the passphrase and
// the listen address that travel with it. pki speaks fields, never flags: each
// front end maps a Field to its own words (--days on the command line, a
// field's title in the wizard).
type Field string

const (
	FieldCAName     Field = "ca-name"
	FieldCAOrg      Field = "ca-organisation"
	FieldCADays     Field = "ca-days"
	FieldPassphrase Field = "passphrase"
	FieldFQDN       Field = "fqdn"
	FieldDNSNames   Field = "dns-names"
	FieldIPs        Field = "ips"
	FieldListen     Field = "listen"
	FieldKeyType    Field = "key-type"
	FieldDays       Field = "days"
	FieldClients    Field = "clients"
	FieldTrust      Field = "trust"
	FieldSlots      Field = "slots"
)

// Fields lists every Field, in the order a form asks them.
var Fields = []Field{FieldCAName, FieldCAOrg, FieldPassphrase, FieldFQDN, FieldDNSNames, FieldIPs,
	FieldListen, FieldClients, FieldKeyType, FieldCADays, FieldDays, FieldTrust, FieldSlots}

// A reason may point the user at another field; it names it as {field}, e.g.
// "put it in {ips}", and Words puts the front end's name in its place.
var fieldRef = regexp.MustCompile(`\{[a-z-]+\}`)

// Words replaces the {field} references in s with name(field).
func Words(s string, name func(Field) string) string {
	return fieldRef.ReplaceAllStringFunc(s, func(ref string) string {
		return name(Field(strings.Trim(ref, "{}")))
	})
}

func plainName(f Field) string { return string(f) }

// FieldError is one problem with one answer. Reason is in plain words and may
// name other fields as {field} (see Words).
type FieldError struct {
	Field  Field
	Value  string
	Reason string
}

func (e *FieldError) Error() string { return e.Describe(plainName) }

// Describe says what is wrong in a front end's words: `NAME "value": reason`.
func (e *FieldError) Describe(name func(Field) string) string {
	reason := Words(e.Reason, name)
	if e.Value == "" {
		return fmt.Sprintf("%s: %s", name(e.Field), reason)
	}
	return fmt.Sprintf("%s %q: %s", name(e.Field), e.Value, reason)
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
func (es FieldErrors) For(field Field) []*FieldError {
	var out []*FieldError
	for _, e := range es {
		if e.Field == field {
			out = append(out, e)
		}
	}
	return out
}

// AsFieldErrors finds the FieldErrors in err (one FieldError counts too), or nil.
func AsFieldErrors(err error) FieldErrors {
	var fe FieldErrors
	if errors.As(err, &fe) && len(fe) > 0 {
		return fe
	}
	var one *FieldError
	if errors.As(err, &one) {
		return FieldErrors{one}
	}
	return nil
}

// fieldErr wraps err (from a validator) as the FieldError of field.
func fieldErr(field Field, value string, err error) *FieldError {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: field, Value: value, Reason: fe.Reason}
	}
	return &FieldError{Field: field, Value: value, Reason: err.Error()}
}

// ErrBadPassphrase is returned (wrapped) when a passphrase does not open the CA key.
var ErrBadPassphrase = errors.New("wrong CA passphrase")

// ErrKeyMismatch is returned (wrapped) when a private key does not belong to its certificate.
var ErrKeyMismatch = errors.New("private key does not match the certificate")

// ParseError says which PEM input could not be read and what was expected.
type ParseError struct {
	Want string // e.g. "CERTIFICATE", "ENCRYPTED PRIVATE KEY"
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("cannot read %s: %v", e.Want, e.Err) }

func (e *ParseError) Unwrap() error { return e.Err }
