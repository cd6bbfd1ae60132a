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

func (m *Model) clearErrs(fields ...string) {
	for _, f := range fields {
		delete(m.extErrs, f)
	}
}

// valueOf is the current answer for a field name of pki.FieldError, so an
// error found elsewhere stops showing once the user changed that answer.
func (m *Model) valueOf(field string) string {
	if m.flow == flowMember {
		switch field {
		case "client":
			return m.mem.Name
		case "days":
			return m.mem.Days
		case "passphrase":
			return m.mem.Passphrase
		}
	}
	a := m.a
	switch field {
	case "ca-cn":
		return a.CACommonName
	case "ca-org":
		return a.CAOrganization
	case "passphrase":
		return a.Passphrase
	case "fqdn":
		return a.FQDN
	case "san-dns":
		return a.DNSNames
	case "san-ip":
		return strings.Join(a.IPs, ",") + "|" + a.ExtraIPs
	case "listen":
		return a.Listen
	case "client":
		return a.Clients
	case "key-type":
		return a.KeyType
	case "ca-days":
		return a.CADays
	case "days":
		return a.Days
	}
	return ""
}

// setFieldErrors keeps FieldErrors to show next to their fields.
func (m *Model) setFieldErrors(fe pki.FieldErrors) {
	for _, e := range fe {
		x := m.extErrs[e.Field]
		reason := e.Reason
		if e.Value != "" && !strings.Contains(reason, e.Value) {
			reason = "\"" + e.Value + "\": " + reason
		}
		x.reasons = append(x.reasons, reason)
		x.at = m.valueOf(e.Field)
		m.extErrs[e.Field] = x
	}
}

// fieldErr returns the outside errors to show for a field, or nil.
func (m *Model) fieldErr(field string) []string {
	x, ok := m.extErrs[field]
	if !ok || x.at != m.valueOf(field) {
		return nil
	}
	return x.reasons
}

// ownerStep is the setup step that asks for a pki.FieldError's field.
func ownerStep(field string) (stepID, bool) {
	switch field {
	case "fqdn", "san-dns", "san-ip", "listen":
		return stepServer, true
	case "client":
		return stepClients, true
	case "days", "ca-days", "key-type":
		return stepKeys, true
	case "passphrase", "ca-cn", "ca-org":
		return stepCA, true
	}
	return 0, false
}

// asFieldErrors finds pki field errors in err.
func asFieldErrors(err error) pki.FieldErrors {
	var fe pki.FieldErrors
	if errors.As(err, &fe) && len(fe) > 0 {
		return fe
	}
	var one *pki.FieldError
	if errors.As(err, &one) {
		return pki.FieldErrors{one}
	}
	return nil
}
