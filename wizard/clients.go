package wizard

import (
	"strings"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// newClientsPage asks for the client names: one certificate each, so that
// one can be replaced without touching the others.
func (f *setupFlow) newClientsPage() page {
	m := f.c
	a := f.a
	head := func(w int) string {
		return m.st.Text.Render(wrap("Each client (a person, a CI runner) gets its own certificate, "+
			"so one can be replaced without touching the others. More can be added later.", w))
	}
	// Empty, the field shows a placeholder and the default applies: text
	// pre-filled in the field would be typed after ("clientalice").
	names := placeholder(input(pki.FieldClients, "Client names", &a.Clients, func(s string) error {
		return validateItems(pki.SplitNames(s), false, pki.ValidateClientName)
	}), "e.g. alice, bob, ci")
	foot := func(w int) string {
		list := a.clientNames()
		var b strings.Builder
		if len(pki.SplitNames(a.Clients)) == 0 {
			b.WriteString(m.st.Dim.Render(wrap("Left empty, one client named \""+pki.DefaultClient+"\" is made.", w)) + "\n")
		}
		b.WriteString(m.st.Dim.Render("Bundles (ca.pem, cert.pem, key.pem):"))
		for i, n := range list {
			if i == 3 {
				b.WriteString("\n  " + m.st.Dim.Render("…"))
				break
			}
			b.WriteString("\n  " + m.st.Code.Render(setup.ClientDir(n)+"/"))
		}
		return b.String()
	}
	return f.newFormPage(head, foot, names)
}
