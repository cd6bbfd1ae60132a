package wizard

import (
	"fmt"
	"net"
	"strings"

	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/pki"
)

// newServerPage asks what the server certificate must name, and where
// dockerd listens. Names and IPs are checked by pki's validators as they
// are accepted, so an IP typed as a DNS name is caught here, not by a
// client a year later.
func (f *setupFlow) newServerPage() page {
	m := f.c
	a := f.a
	head := func(w int) string {
		return m.st.Text.Render(wrap("Clients check that the server certificate names the host "+
			"they connect to: list every name and IP address they will use.", w))
	}
	fields := []fieldRef{
		input(pki.FieldFQDN, "Host name (FQDN)", &a.FQDN, pki.ValidateHostName),
		placeholder(input(pki.FieldDNSNames, "Other DNS names (optional)", &a.DNSNames, func(s string) error {
			return validateList(s, false, pki.ValidateHostName, a.FQDN)
		}), "e.g. docker.example.com, build1.lan"),
	}
	if ips := m.opts.Detected.IPs; len(ips) > 0 {
		ms := huh.NewMultiSelect[string]().
			Title("IP addresses of this host (space toggles)").
			Options(huh.NewOptions(ips...)...).
			Value(&a.IPs).
			Validate(func(ips []string) error {
				for _, ip := range ips {
					if err := pki.ValidateSANIP(ip); err != nil {
						return err
					}
				}
				return nil
			})
		// Always give a height: without one huh v2.0.3 sizes the list one
		// row short (it subtracts the title from the options' height).
		// Title + at most 4 rows; more scroll.
		ms = ms.Height(1 + min(len(ips), 4))
		fields = append(fields, fieldRef{key: fieldIPChoice, title: "IP addresses", f: ms})
	}
	fields = append(fields,
		placeholder(input(pki.FieldIPs, "Other IP addresses (optional)", &a.ExtraIPs, func(s string) error {
			return validateList(s, false, pki.ValidateSANIP, a.IPs...)
		}), "e.g. 203.0.113.7"),
		input(pki.FieldListen, "Listen on (HOST:PORT)", &a.Listen, validateListen),
	)
	foot := func(w int) string {
		if n := BareHostNote(a.FQDN); n != "" {
			return m.st.Dim.Render(wrap("Note: "+n, w))
		}
		return ""
	}
	p := f.newFormPage(head, foot, fields...)
	f.focusFirstErr(p, pki.FieldFQDN, pki.FieldDNSNames, pki.FieldIPs, pki.FieldListen)
	return p
}

// BareHostNote is a note for a server host name without a domain
// ("docker1"): accepted, but only clients that resolve it (a search
// domain, /etc/hosts) reach the daemon by it. "" for any other name.
func BareHostNote(fqdn string) string {
	fqdn = strings.TrimSpace(fqdn)
	if fqdn == "" || strings.Contains(fqdn, ".") || net.ParseIP(fqdn) != nil {
		return ""
	}
	return fmt.Sprintf("%q has no domain: only clients that resolve it (a search domain, /etc/hosts) reach Docker by that name. "+
		"Give the full name (e.g. %s.example.com), or add the IP address clients use.", fqdn, fqdn)
}
