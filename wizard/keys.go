package wizard

import (
	"fmt"

	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/pki"
)

var keyTypeNotes = map[pki.KeyType]string{
	pki.ECDSAP256: "fast, small, supported everywhere (default)",
	pki.ECDSAP384: "a larger curve",
	pki.RSA2048:   "for old clients without ECDSA",
	pki.RSA3072:   "RSA at 128-bit strength",
	pki.RSA4096:   "slow to generate",
	pki.Ed25519:   "newest; some older TLS stacks lack it",
}

// newKeysPage asks for the key type and the validity periods, and shows
// the dates they mean. When it is accepted, key generation starts.
func (f *setupFlow) newKeysPage() page {
	m := f.c
	a := f.a
	opts := make([]huh.Option[string], len(pki.KeyTypes))
	for i, k := range pki.KeyTypes {
		opts[i] = huh.NewOption(fmt.Sprintf("%-11s %s", k, keyTypeNotes[k]), string(k))
	}
	kt := huh.NewSelect[string]().Title("Key type").Options(opts...).Value(&a.KeyType)
	fields := []fieldRef{
		{key: pki.FieldKeyType, title: "Key type", f: kt},
		input(pki.FieldCADays, "CA valid for (days)", &a.CADays, pki.ValidateDays),
		input(pki.FieldDays, "Server and client certificates valid for (days)", &a.Days, func(s string) error {
			return validateLeafDays(s, a.CADays)
		}),
	}
	foot := func(int) string {
		return m.st.Dim.Render("CA valid until           ") + m.until(a.CADays) + "\n" +
			m.st.Dim.Render("Certificates valid until ") + m.until(a.Days)
	}
	head := func(w int) string {
		return m.st.Text.Render(wrap("Keys are made in the background as soon as you continue.", w))
	}
	p := f.newFormPage(head, foot, fields...)
	f.focusFirstErr(p, pki.FieldKeyType, pki.FieldCADays, pki.FieldDays)
	return p
}

// until is the date a validity of days (as typed) ends, from Options.Now.
func (m *common) until(days string) string {
	if pki.ValidateDays(days) != nil {
		return m.st.Dim.Render("—")
	}
	return m.now().AddDate(0, 0, atoi(days)).Format("2006-01-02")
}
