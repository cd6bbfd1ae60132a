package wizard

// Errors found outside a page (pki.FieldErrors from Prepare, a refused CA
// passphrase) are kept by field name and shown next to that field when its
// page is built again; huh's own validation covers what a field can check
// alone.

import (
	"errors"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
)

// extErr is an error found outside the page (by Prepare or by the CA
// passphrase check), shown next to its field while the field still holds
// the value it was about.
type extErr struct {
	reasons []string
	at      string
}

// errs are the errors found outside the pages: by field, and one for the
// page (shown under the fields of whichever page is on screen).
type errs struct {
	byField map[pki.Field]extErr
	page    string
}

// valueFunc is a flow's current answer for a field, so an error found
// elsewhere stops showing once the user changed that answer.
type valueFunc func(pki.Field) string

func (e *errs) clear(fields ...pki.Field) {
	for _, f := range fields {
		delete(e.byField, f)
	}
}

// reset drops every error: they were about a flow the user left.
func (e *errs) reset() { e.byField = map[pki.Field]extErr{} }

// set keeps FieldErrors to show next to their fields.
func (e *errs) set(fe pki.FieldErrors, value valueFunc) {
	for _, fe := range fe {
		x := e.byField[fe.Field]
		reason := pki.Words(fe.Reason, fieldTitle)
		if fe.Value != "" && !strings.Contains(reason, fe.Value) {
			reason = "\"" + fe.Value + "\": " + reason
		}
		x.reasons = append(x.reasons, reason)
		x.at = value(fe.Field)
		e.byField[fe.Field] = x
	}
}

// get returns the outside errors to show for a field, or nil.
func (e *errs) get(field pki.Field, value valueFunc) []string {
	x, ok := e.byField[field]
	if !ok || x.at != value(field) {
		return nil
	}
	return x.reasons
}

// answersValue is the setup's answer for a field.
func answersValue(a *Answers) valueFunc {
	return func(field pki.Field) string {
		if f, ok := setupFields[field]; ok {
			return f.value(a)
		}
		return ""
	}
}

// ownerStep is the setup step that asks for a field.
func ownerStep(field pki.Field) (stepID, bool) {
	f, ok := setupFields[field]
	return f.step, ok && f.step != stepNotAsked
}

// fieldTitle names a field, quoted, for a sentence.
func fieldTitle(f pki.Field) string {
	if sf, ok := setupFields[f]; ok {
		return `"` + sf.title + `"`
	}
	return string(f)
}

// inWords turns a validator's error into the wizard's words.
func inWords(validate func(string) error) func(string) error {
	if validate == nil {
		return nil
	}
	return func(s string) error {
		if err := validate(s); err != nil {
			return errors.New(pki.Words(err.Error(), fieldTitle))
		}
		return nil
	}
}
