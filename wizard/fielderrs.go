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

func (m *Model) clearErrs(fields ...pki.Field) {
	for _, f := range fields {
		delete(m.extErrs, f)
	}
}

// valueOf is the current answer for a field, so an error found elsewhere
// stops showing once the user changed that answer.
func (m *Model) valueOf(field pki.Field) string {
	if m.flow == flowRequest {
		switch field {
		case pki.FieldClients:
			return m.req.Name
		case fieldReqHost:
			return m.req.Host
		case fieldReqOut:
			return m.req.Out
		}
	}
	if m.flow == flowMember {
		switch field {
		case fieldRequestFile:
			return m.mem.File
		case pki.FieldClients:
			return m.mem.Name
		case pki.FieldDays:
			return m.mem.Days
		case pki.FieldPassphrase:
			return m.mem.Passphrase
		}
	}
	if f, ok := setupFields[field]; ok {
		return f.value(m.a)
	}
	return ""
}

// setFieldErrors keeps FieldErrors to show next to their fields.
func (m *Model) setFieldErrors(fe pki.FieldErrors) {
	for _, e := range fe {
		x := m.extErrs[e.Field]
		reason := pki.Words(e.Reason, fieldTitle)
		if e.Value != "" && !strings.Contains(reason, e.Value) {
			reason = "\"" + e.Value + "\": " + reason
		}
		x.reasons = append(x.reasons, reason)
		x.at = m.valueOf(e.Field)
		m.extErrs[e.Field] = x
	}
}

// fieldErr returns the outside errors to show for a field, or nil.
func (m *Model) fieldErr(field pki.Field) []string {
	x, ok := m.extErrs[field]
	if !ok || x.at != m.valueOf(field) {
		return nil
	}
	return x.reasons
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
