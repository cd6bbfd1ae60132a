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

// valueOf is the current answer for a field name of pki.FieldError, so an
// error found elsewhere stops showing once the user changed that answer.
func (m *Model) valueOf(field pki.Field) string {
	if m.flow == flowMember {
		switch field {
		case pki.FieldClients:
			return m.mem.Name
		case pki.FieldDays:
			return m.mem.Days
		case pki.FieldPassphrase:
			return m.mem.Passphrase
		}
	}
	a := m.a
	switch field {
	case pki.FieldCAName:
		return a.CACommonName
	case pki.FieldCAOrg:
		return a.CAOrganization
	case pki.FieldPassphrase:
		return a.Passphrase
	case pki.FieldFQDN:
		return a.FQDN
	case pki.FieldDNSNames:
		return a.DNSNames
	case pki.FieldIPs:
		return strings.Join(a.IPs, ",") + "|" + a.ExtraIPs
	case pki.FieldListen:
		return a.Listen
	case pki.FieldClients:
		return a.Clients
	case pki.FieldKeyType:
		return a.KeyType
	case pki.FieldCADays:
		return a.CADays
	case pki.FieldDays:
		return a.Days
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

// ownerStep is the setup step that asks for a pki.FieldError's field.
func ownerStep(field pki.Field) (stepID, bool) {
	switch field {
	case pki.FieldFQDN, pki.FieldDNSNames, pki.FieldIPs, pki.FieldListen:
		return stepServer, true
	case pki.FieldClients:
		return stepClients, true
	case pki.FieldDays, pki.FieldCADays, pki.FieldKeyType:
		return stepKeys, true
	case pki.FieldPassphrase, pki.FieldCAName, pki.FieldCAOrg:
		return stepCA, true
	}
	return 0, false
}

// fieldTitles is the wizard's word for each field of a setup: errors found
// by the engine name the field as its screen does.
var fieldTitles = map[pki.Field]string{
	pki.FieldCAName:     "CA name",
	pki.FieldCAOrg:      "Organisation",
	pki.FieldCADays:     "CA valid for (days)",
	pki.FieldPassphrase: "CA passphrase",
	pki.FieldFQDN:       "Host name (FQDN)",
	pki.FieldDNSNames:   "Other DNS names",
	pki.FieldIPs:        "Other IP addresses",
	pki.FieldListen:     "Listen on (HOST:PORT)",
	pki.FieldKeyType:    "Key type",
	pki.FieldDays:       "Certificates valid for (days)",
	pki.FieldClients:    "Client names",
}

// fieldTitle names a field, quoted, for a sentence.
func fieldTitle(f pki.Field) string {
	if t, ok := fieldTitles[f]; ok {
		return `"` + t + `"`
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
