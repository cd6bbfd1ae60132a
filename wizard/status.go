package wizard

import (
	"fmt"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// statusText renders the engine's status report for the status screen.
func (m *Model) statusText(r *setup.Report, w int) string {
	if r == nil {
		return ""
	}
	st := m.st
	var b strings.Builder
	row := func(label, value string) {
		b.WriteString(st.Dim.Render(pad(label, 11)) + value + "\n")
	}
	if r.Unit != "" {
		row("Unit", r.Unit)
		row("ExecStart", st.Code.Render(r.ExecStart))
	}
	if len(r.Hosts) > 0 {
		row("Hosts", strings.Join(r.Hosts, ", "))
	}
	if t := r.Trust; t != nil {
		switch t.Mode {
		case pki.TrustMember:
			row("Trust", "per member: "+t.AnchorCount()+", "+t.Counts())
			if t.Switch != nil {
				row("", "switching from CA-wide trust: the old root is trusted until the switch is finished")
			}
		case pki.TrustCA:
			row("Trust", "the whole CA: members cannot be removed one by one")
		}
	}
	if len(r.Certificates) > 0 {
		b.WriteString("\n" + st.Heading.Render("Certificates") + "\n")
		for _, c := range r.Certificates {
			b.WriteString(fmt.Sprintf("  %-6s %-20s %s (%d days)\n", c.Kind, c.Name, c.NotAfter.Format("2006-01-02"), c.DaysLeft))
		}
	}
	if len(r.Findings) == 0 {
		b.WriteString("\n" + st.OK.Render("✓ ") + st.Text.Render("No problems found.") + "\n")
	} else {
		b.WriteString("\n" + st.Heading.Render("Problems") + "\n")
		for _, f := range r.Findings {
			b.WriteString(st.Warn.Render(hang("! ", f.String(), w)) + "\n")
		}
	}
	if len(r.Advice) > 0 {
		b.WriteString("\n" + st.Heading.Render("Advice") + "\n")
		for _, f := range r.Advice {
			b.WriteString(st.Text.Render(hang("- ", f.String(), w)) + "\n")
		}
	}
	return strings.Trim(b.String(), "\n")
}
