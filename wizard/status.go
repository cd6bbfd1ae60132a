package wizard

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

type statusMsg struct {
	gen    int
	report *setup.Report
}

// statusFlow reads the engine's status report and shows it; Enter goes
// back to the menu.
type statusFlow struct {
	steps
	// prev is on screen while the report is read.
	prev   flow
	report *setup.Report
}

func newStatusFlow(c *common, value valueFunc) *statusFlow {
	return &statusFlow{steps: steps{c: c, value: value}}
}

func (f *statusFlow) start(prev flow) tea.Cmd {
	f.prev = prev
	eng, gen := f.c.eng, f.c.gen
	return tea.Batch(f.c.setBusy("Reading the status…"), func() tea.Msg {
		return statusMsg{gen: gen, report: eng.Status(setup.StatusInput{WarnDays: 30})}
	})
}

func (f *statusFlow) update(msg tea.Msg) (tea.Cmd, dest) {
	if msg, ok := msg.(statusMsg); ok {
		if msg.gen != f.c.gen {
			return nil, stay
		}
		f.c.idle()
		f.report, f.prev = msg.report, nil
		return f.show(stepStatus, f.newStatusPage), stay
	}
	return f.accept(msg, func() (tea.Cmd, dest) { return nil, toMenu })
}

func (f *statusFlow) page() page {
	if f.prev != nil {
		return f.prev.page()
	}
	return f.cur
}

func (f *statusFlow) title() string {
	if f.prev != nil {
		return f.prev.title()
	}
	return "Status"
}

func (f *statusFlow) canBack() bool         { return f.prev == nil }
func (f *statusFlow) back() (tea.Cmd, dest) { return nil, backMenu }

// newStatusPage shows the engine's status report.
func (f *statusFlow) newStatusPage() page {
	m := f.c
	var head func(int) string
	if m.errs.page != "" {
		e := m.errs.page
		head = func(w int) string { return m.errLine(e, w) }
		m.errs.page = ""
	}
	body := func(w int) string { return m.statusText(f.report, w) }
	prompt := func(int) string { return "Press " + m.st.Key.Render("Enter") + " to go back to the menu." }
	return newTextPage(m, head, body, prompt, bind("enter", "menu"))
}

// statusText renders the engine's status report for the status screen.
func (m *common) statusText(r *setup.Report, w int) string {
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
