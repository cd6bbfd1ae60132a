package wizard

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/lipgloss/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// newCAPage asks for the CA's subject and passphrase. With an existing CA
// ("redo the setup") the CA is kept, so only its passphrase is asked (and
// checked right away). A passphrase from --ca-passphrase-file is not asked:
// the page says so.
func (f *setupFlow) newCAPage() page {
	m := f.c
	a := f.a
	existing := m.opts.Detected.ExistingCA
	head := func(w int) string {
		if existing {
			return m.st.Text.Render(wrap("The CA under "+setup.CADir+" is kept, so the client certificates "+
				"already issued stay valid. Its passphrase is needed to sign the new server certificate.", w))
		}
		return m.st.Text.Render(wrap("The CA signs the server and client certificates. Its key is stored "+
			"encrypted with this passphrase: keep it in a password manager, it is asked again "+
			"to add a team member or to renew.", w))
	}
	var fields []fieldRef
	if !existing {
		fields = append(fields,
			input(pki.FieldCAName, "CA name", &a.CACommonName, notEmpty("the CA needs a name")),
			placeholder(input(pki.FieldCAOrg, "Organisation (optional)", &a.CAOrganization, nil), "e.g. Example Ltd"))
	}
	if !m.pass.fromFile {
		if existing {
			fields = append(fields, password(pki.FieldPassphrase, "CA passphrase", &a.Passphrase, notEmpty("enter the CA's passphrase")))
		} else {
			fields = append(fields,
				password(pki.FieldPassphrase, "CA passphrase", &a.Passphrase, pki.ValidatePassphrase),
				password(fieldPassphrase2, "CA passphrase again", &a.Passphrase2, func(s string) error {
					if s != a.Passphrase {
						return errors.New("the two passphrases differ")
					}
					return nil
				}))
		}
	}
	foot := func(w int) string {
		var lines []string
		switch {
		case m.pass.fromFile:
			lines = append(lines, m.st.Dim.Render("CA passphrase: ")+m.passSource())
		case !existing:
			lines = append(lines, m.meter(a.Passphrase, w))
		}
		if len(fields) == 0 {
			lines = append(lines, "", "Press "+m.st.Key.Render("Enter")+" to continue.")
		}
		return strings.Join(lines, "\n")
	}
	p := f.newFormPage(head, foot, fields...)
	if len(f.fieldErr(pki.FieldPassphrase)) > 0 {
		p.focusField(pki.FieldPassphrase)
	}
	return p
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

func notEmpty(msg string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(msg)
		}
		return nil
	}
}

// strength rates a passphrase by length first (NIST SP 800-63B-4 puts
// length over composition), with character classes as a bonus.
func strength(p string) (label string, n, classes int) {
	n = utf8.RuneCountInString(p)
	var lower, upper, digit, other bool
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	switch {
	case n < pki.MinPassphrase:
		return "weak", n, classes
	case n >= 24 || (n >= 18 && classes >= 3):
		return "strong", n, classes
	}
	return "ok", n, classes
}

// meter draws "Strength ██████░░░░ ok · 18 characters, 3 kinds", the
// details under the bar when the line would not fit w. The word carries
// the meaning too, for NO_COLOR.
func (m *common) meter(p string, w int) string {
	const cells = 10
	label, n, classes := strength(p)
	filled := min(cells, n*cells/24)
	if n > 0 && filled == 0 {
		filled = 1
	}
	bar := m.st.Meter[label].Render(strings.Repeat("█", filled)) + m.st.Dim.Render(strings.Repeat("░", cells-filled))
	detail := fmt.Sprintf("%d %s, %d %s", n, plural(n, "character"), classes, plural(classes, "kind"))
	if n < pki.MinPassphrase {
		detail += fmt.Sprintf(" (at least %d)", pki.MinPassphrase)
	}
	line := m.st.Dim.Render("Strength ") + bar + " " + m.st.Meter[label].Render(label)
	if lipgloss.Width(line)+3+len(detail) > w {
		return line + "\n" + m.st.Dim.Render(strings.Repeat(" ", len("Strength "))+detail)
	}
	return line + m.st.Dim.Render(" · "+detail)
}
