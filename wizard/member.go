package wizard

import (
	"errors"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/pki"
)

// How a new member gets their key: made here and sent in their bundle, or
// made on their machine ("docker-tls request") and their request signed.
const (
	memberMakeKey     = "key"
	memberSignRequest = "sign"
)

// The member page's inputs that are not fields of a setup.
const (
	fieldMemberHow   pki.Field = "member-how"
	fieldRequestFile pki.Field = "request-file"
)

// newMemberPage is the first of the two screens of onboarding a colleague,
// the most frequent visit: how they get their key, their name (or the
// request file they sent), the validity and the CA passphrase. Enter
// checks the passphrase (a wrong one shows here), issues the certificate
// and writes the bundle; the second screen says what to send. The page is
// built again when the first choice changes: the fields below it follow.
func (m *Model) newMemberPage() *formPage {
	mem := m.mem
	head := func(w int) string {
		if mem.How == memberSignRequest {
			return m.st.Text.Render(wrap("A member who ran \"docker-tls request\" keeps their key: this host's CA signs "+
				"the request file they sent, and what they get back holds no key. The next screen says what to send.", w))
		}
		return m.st.Text.Render(wrap("A new team member gets a client certificate signed by this host's CA: "+
			"a bundle of three files for their machine. The next screen says how to hand it over.", w))
	}
	// Inline, on one line: the page keeps its height.
	how := huh.NewSelect[string]().
		Title("Their key").
		Options(
			huh.NewOption("Make a key for them", memberMakeKey),
			huh.NewOption("Sign the request file they sent", memberSignRequest),
		).
		Inline(true).
		Value(&mem.How)
	fields := []fieldRef{{key: fieldMemberHow, title: "Their key", f: how,
		hints: []key.Binding{bind("←/→", "choose"), m.km.Next}}}
	if mem.How == memberSignRequest {
		fields = append(fields, placeholder(input(fieldRequestFile, "Request file", &mem.File,
			notEmpty("enter the path of the request file (.csr) they sent")), "e.g. alice.csr"))
	} else {
		// A name already issued is refused here, before the passphrase is
		// checked; the engine refuses it too, should the list come late.
		name := func(s string) error {
			if err := pki.ValidateClientName(s); err != nil {
				return err
			}
			if slices.Contains(m.taken, strings.TrimSpace(s)) {
				return errors.New(m.takenReason(strings.TrimSpace(s)))
			}
			return nil
		}
		fields = append(fields, placeholder(input(pki.FieldClients, "Name", &mem.Name, name), "e.g. alice"))
	}
	fields = append(fields, input(pki.FieldDays, "Valid for (days)", &mem.Days, pki.ValidateDays))
	if !m.passFromFile {
		fields = append(fields, password(pki.FieldPassphrase, "CA passphrase", &mem.Passphrase, notEmpty("enter the CA's passphrase")))
	}
	foot := func(int) string {
		var lines []string
		if r := mem.request; mem.How == memberSignRequest && r != nil && mem.requestFrom == mem.File {
			lines = append(lines, m.st.Dim.Render("Request of  ")+r.Name)
		}
		lines = append(lines, m.st.Dim.Render("Valid until ")+m.until(mem.Days))
		if m.passFromFile {
			lines = append(lines, m.st.Dim.Render("CA passphrase: ")+m.passSource())
		}
		return strings.Join(lines, "\n")
	}
	p := m.newFormPage(head, foot, fields...)
	for _, k := range []pki.Field{pki.FieldClients, fieldRequestFile, pki.FieldDays, pki.FieldPassphrase} {
		if len(m.fieldErr(k)) > 0 {
			p.focusField(k)
			return p
		}
	}
	// The cursor starts on the name (or the file): typing a name straight
	// away is the most frequent visit; shift+tab goes up to "Their key".
	p.focusField(pki.FieldClients)
	p.focusField(fieldRequestFile)
	return p
}

// newRenewPage asks for the CA passphrase to re-issue the server
// certificate (same names, new dates); the review then shows the files.
func (m *Model) newRenewPage() page {
	head := func(w int) string {
		return m.st.Text.Render(wrap("Renewing issues a new server certificate with the same names and new dates, "+
			"signed by the existing CA. Clients need nothing new. The files are shown before anything is written.", w))
	}
	return m.passphrasePage(head)
}
