package wizard

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/setup"
)

// writePage shows Apply's progress, one line per file written. Apply starts
// when the page opens (after Enter on the review), at most once.
type writePage struct {
	t    *tail
	w, h int
}

func (p *writePage) init() tea.Cmd { return p.t.w.start(p.t.s.c, p.t.prepared) }

func (p *writePage) update(msg tea.Msg) (tea.Cmd, bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "enter" && p.t.w.err != nil {
		return nil, true
	}
	return nil, false
}

func (p *writePage) typing() bool { return false }

func (p *writePage) keys() []key.Binding {
	if p.t.w.err != nil {
		return []key.Binding{p.t.s.c.km.Quit}
	}
	return nil
}

func (p *writePage) resize(w, h int) tea.Cmd { p.w, p.h = w, h; return nil }

// toWrite counts the files Apply is expected to report.
func toWrite(pr *setup.Prepared) int {
	if pr == nil {
		return 0
	}
	return pr.Pending()
}

func (p *writePage) view() string {
	m, wr := p.t.s.c, &p.t.w
	total := max(toWrite(p.t.prepared), len(wr.written))
	var b strings.Builder
	b.WriteString(m.bar(len(wr.written), total, min(40, p.w-12)))
	b.WriteString(fmt.Sprintf(" %d/%d files\n", len(wr.written), total))
	// The last files written, as many as fit.
	room := max(p.h-5, 1)
	shown := wr.written
	if len(shown) > room {
		shown = shown[len(shown)-room:]
	}
	for _, path := range shown {
		b.WriteString("\n" + m.st.OK.Render("✓ ") + path)
	}
	switch {
	case wr.applying:
		b.WriteString("\n" + m.spinLine("writing…", time.Time{}))
		if m.stopping {
			b.WriteString("\n\n" + m.st.Warn.Render(wrap("Stopping once this write has finished: it is one transaction, "+
				"rolled back if it fails.", p.w)))
		}
	case wr.err != nil:
		b.WriteString("\n\n" + m.errLine("Writing failed: "+wr.err.Error(), p.w))
		b.WriteString("\n\n" + m.st.Text.Render(wrap("Press Enter to quit, or Esc to go back to the review and try again.", p.w)))
	}
	return b.String()
}

// bar draws a progress bar of width cells; filled cells carry the meaning
// without colour.
func (m *common) bar(done, total, width int) string {
	width = max(width, 10)
	filled := width
	if total > 0 {
		filled = min(width, done*width/total)
	}
	return m.st.OK.Render(strings.Repeat("█", filled)) + m.st.Dim.Render(strings.Repeat("░", width-filled))
}

// prepareView is the review while it is prepared: the wait, and the keys
// being made one by one, with how long each took or has taken so far (an
// rsa-4096 key takes seconds).
func (t *tail) prepareView(w, h int) string {
	m := t.s.c
	lines := []string{m.spinLine("Generating keys and certificates…", m.wait.since)}
	p := t.keyProg
	if p == nil || p.Want == 0 {
		return strings.Join(lines, "\n")
	}
	done := min(len(p.Done), p.Want)
	lines = append(lines, "", m.st.Text.Render(fmt.Sprintf("%s keys: %d of %d made", p.Type, done, p.Want)))
	room := max(h-len(lines), 1)
	icon := m.spinIcon()
	// The marks in one column as wide as the spinner: ✓, spinner, ·.
	mark := func(s string) string { return strings.Repeat(" ", max(lipgloss.Width(icon)-lipgloss.Width(s), 0)) + s }
	for i := range p.Want {
		if i == room-1 && p.Want > room {
			lines = append(lines, m.st.Dim.Render(fmt.Sprintf("  … %d more", p.Want-i)))
			break
		}
		label := fmt.Sprintf("key %d", i+1)
		switch r := i - len(p.Done); {
		case r < 0:
			lines = append(lines, "  "+mark(m.st.OK.Render("✓"))+" "+label+"  "+m.st.Dim.Render(seconds(p.Done[i])))
		case r < len(p.Running):
			lines = append(lines, "  "+icon+" "+label+"  "+m.st.Dim.Render(seconds(m.since(p.Running[r]))))
		default:
			lines = append(lines, "  "+mark(m.st.Dim.Render("·"))+" "+m.st.Dim.Render(label+"  waiting for a free core"))
		}
	}
	return strings.Join(lines, "\n")
}
