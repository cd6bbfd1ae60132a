package wizard

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/setup"
)

// writePage shows Apply's progress, one line per file written. Apply starts
// when the page opens (after Enter on the review), at most once.
type writePage struct {
	m    *Model
	w, h int
}

func (m *Model) newWritePage() page { return &writePage{m: m} }

func (p *writePage) init() tea.Cmd { return p.m.startApply(p.m.prepared) }

func (p *writePage) update(msg tea.Msg) (tea.Cmd, bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "enter" && p.m.applyErr != nil {
		return nil, true
	}
	return nil, false
}

func (p *writePage) typing() bool { return false }

func (p *writePage) keys() []key.Binding {
	if p.m.applyErr != nil {
		return []key.Binding{p.m.km.Quit}
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
	m := p.m
	total := max(toWrite(m.prepared), len(m.written))
	var b strings.Builder
	b.WriteString(m.bar(len(m.written), total, min(40, p.w-12)))
	b.WriteString(fmt.Sprintf(" %d/%d files\n", len(m.written), total))
	// The last files written, as many as fit.
	room := max(p.h-5, 1)
	shown := m.written
	if len(shown) > room {
		shown = shown[len(shown)-room:]
	}
	for _, path := range shown {
		b.WriteString("\n" + m.st.OK.Render("✓ ") + path)
	}
	switch {
	case m.applying:
		b.WriteString("\n" + m.spinLine("writing…"))
		if m.quitAfterApply {
			b.WriteString("\n\n" + m.st.Warn.Render(wrap("Stopping once this write has finished: it is one transaction, "+
				"rolled back if it fails.", p.w)))
		}
	case m.applyErr != nil:
		b.WriteString("\n\n" + m.errLine("Writing failed: "+m.applyErr.Error(), p.w))
		b.WriteString("\n\n" + m.st.Text.Render(wrap("Press Enter to quit, or Esc to go back to the review and try again.", p.w)))
	}
	return b.String()
}

// bar draws a progress bar of width cells; filled cells carry the meaning
// without colour.
func (m *Model) bar(done, total, width int) string {
	width = max(width, 10)
	filled := width
	if total > 0 {
		filled = min(width, done*width/total)
	}
	return m.st.OK.Render(strings.Repeat("█", filled)) + m.st.Dim.Render(strings.Repeat("░", width-filled))
}
