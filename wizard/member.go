package wizard

import (
	"errors"
	"slices"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
)

// newMemberPage is the first of the two screens of onboarding a colleague,
// the most frequent visit: name, validity and the CA passphrase. Enter
// checks the passphrase (a wrong one shows here), issues the certificate
// and writes the bundle; the second screen says what to send.
func (m *Model) newMemberPage() page {
	mem := m.mem
	head := func(w int) string {
		return m.st.Text.Render(wrap("A new team member gets a client certificate signed by this host's CA: "+
			"a bundle of three files for their machine. The next screen says how to hand it over.", w))
	}
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
	fields := []fieldRef{
		placeholder(input(pki.FieldClients, "Name", &mem.Name, name), "e.g. alice"),
		input(pki.FieldDays, "Valid for (days)", &mem.Days, pki.ValidateDays),
	}
	if !m.passFromFile {
		fields = append(fields, password(pki.FieldPassphrase, "CA passphrase", &mem.Passphrase, notEmpty("enter the CA's passphrase")))
	}
	foot := func(int) string {
		lines := []string{m.st.Dim.Render("Valid until ") + m.until(mem.Days)}
		if m.passFromFile {
			lines = append(lines, m.st.Dim.Render("CA passphrase: ")+m.passSource())
		}
		return strings.Join(lines, "\n")
	}
	p := m.newFormPage(head, foot, fields...)
	for _, k := range []pki.Field{pki.FieldClients, pki.FieldDays, pki.FieldPassphrase} {
		if len(m.fieldErr(k)) > 0 {
			p.focusField(k)
			break
		}
	}
	return p
}

// newRenewPage asks for the CA passphrase to re-issue the server
// certificate (same names, new dates); the review then shows the files.
func (m *Model) newRenewPage() page {
	head := func(w int) string {
		return m.st.Text.Render(wrap("Renewing issues a new server certificate with the same names and new dates, "+
			"signed by the existing CA. Clients need nothing new. The files are shown before anything is written.", w))
	}
	var fields []fieldRef
	if !m.passFromFile {
		fields = append(fields, password(pki.FieldPassphrase, "CA passphrase", &m.a.Passphrase, notEmpty("enter the CA's passphrase")))
	}
	foot := func(int) string {
		if m.passFromFile {
			return m.st.Dim.Render("CA passphrase: ") + m.passSource() + "\n\nPress " + m.st.Key.Render("Enter") + " to continue."
		}
		return ""
	}
	return m.newFormPage(head, foot, fields...)
}
