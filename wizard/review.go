package wizard

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// reviewPage shows everything that will be written before anything is:
// the plan, every file with its mode, warnings, and the diffs of
// daemon.json and override.conf, in a scrollable viewport. Prepare starts
// when the page opens; Enter writes.
type reviewPage struct {
	m    *Model
	vp   viewport.Model
	w, h int
}

func (m *Model) newReviewPage() page {
	// The content is wrapped before it goes in (wrap), so that line
	// counts, and so the scroll position shown, are exact.
	return &reviewPage{m: m, vp: viewport.New()}
}

func (p *reviewPage) init() tea.Cmd { return p.m.startPrepare() }

func (p *reviewPage) update(msg tea.Msg) (tea.Cmd, bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "enter" {
		return nil, true // the root decides: write, retry or wait
	}
	var cmd tea.Cmd
	p.vp, cmd = p.vp.Update(msg)
	return cmd, false
}

func (p *reviewPage) typing() bool { return false }

func (p *reviewPage) keys() []key.Binding {
	km := p.m.km
	switch {
	case p.m.preparing:
		return nil
	case p.m.prepErr != nil:
		return []key.Binding{km.Retry}
	case p.m.prepared != nil && p.m.prepared.Empty():
		return []key.Binding{km.Continue}
	}
	return []key.Binding{km.Write, km.Scroll}
}

// The confirmation under the viewport: two lines, a blank and the prompt.
const reviewPromptLines = 2

func (p *reviewPage) resize(w, h int) tea.Cmd {
	p.w, p.h = w, h
	p.vp.SetWidth(w)
	p.vp.SetHeight(max(h-reviewPromptLines, 3))
	p.refresh()
	return nil
}

// refresh fills the viewport from the prepared result.
func (p *reviewPage) refresh() {
	if p.m.prepared != nil {
		content := wrap(p.m.reviewText(p.m.prepared, p.w), p.w)
		p.vp.SetContent(content)
		// Short content: no gap between it and the prompt.
		p.vp.SetHeight(max(min(p.h-reviewPromptLines, lipgloss.Height(content)), 3))
	}
}

func (p *reviewPage) view() string {
	m := p.m
	switch {
	case m.preparing:
		return m.spinLine("Generating keys and certificates, computing the changes…")
	case m.prepErr != nil:
		return m.errLine("Could not prepare the files: "+m.prepErr.Error(), p.w) + "\n\n" +
			m.st.Text.Render(wrap("Your answers are kept. Press Enter to try again, or Esc to go back and change them.", p.w))
	case m.prepared == nil:
		return ""
	case m.prepared.Empty():
		return m.st.OK.Render("✓ Nothing to write: ") + m.st.Text.Render("the files already match these answers.") +
			"\n\nPress " + m.st.Key.Render("Enter") + " to finish."
	}
	prompt := "Press " + m.st.Key.Render("Enter") + " to write these files."
	if total := p.vp.TotalLineCount(); total > p.vp.Height() {
		first := p.vp.YOffset() + 1
		last := min(p.vp.YOffset()+p.vp.Height(), total)
		prompt += m.st.Dim.Render(fmt.Sprintf("  (lines %d-%d of %d: pgup/pgdn)", first, last, total))
	}
	return strings.TrimRight(p.vp.View(), "\n") + "\n\n" + prompt
}

// reviewText is the review's content: plan, warnings and notes (read
// first), files with modes and actions, then the diffs.
func (m *Model) reviewText(pr *setup.Prepared, w int) string {
	st := m.st
	var b strings.Builder
	section := func(title string) {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(st.Heading.Render(title) + "\n")
	}
	if len(pr.Summary) > 0 {
		section("Plan")
		for _, l := range pr.Summary {
			b.WriteString("  " + pki.Words(l, fieldTitle) + "\n")
		}
	}
	if ws := pr.Warnings(); len(ws) > 0 {
		section("Warnings")
		for _, l := range ws {
			b.WriteString(st.Warn.Render(hang("! ", l, w)) + "\n")
		}
	}
	if ns := pr.Notes(); len(ns) > 0 {
		section("Notes")
		for _, l := range ns {
			b.WriteString(st.Dim.Render(hang("· ", l, w)) + "\n")
		}
	}
	files := pr.Files()
	if len(files) > 0 {
		section("Files")
		b.WriteString(m.fileLines(files, w) + "\n")
	}
	for _, f := range files {
		if f.Diff == "" {
			continue
		}
		section("Changes to " + f.Path)
		b.WriteString(m.colorDiff(f.Diff))
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// fileLines lists files as "  0600 /etc/docker/tls/server-key.pem  create",
// paths aligned: the modes show at a glance what is secret.
func (m *Model) fileLines(files []setup.File, w int) string {
	width := 0
	for _, f := range files {
		width = max(width, lipgloss.Width(f.Path))
	}
	width = min(width, max(w-20, 20))
	lines := make([]string, len(files))
	for i, f := range files {
		lines[i] = fmt.Sprintf("  %04o %s  %s", f.Mode, padRight(f.Path, width), m.action(f.Action))
	}
	return strings.Join(lines, "\n")
}

func (m *Model) action(a string) string {
	switch a {
	case "create":
		return m.st.OK.Render(a)
	case "update":
		return m.st.Warn.Render(a)
	}
	return m.st.Dim.Render(a)
}

// colorDiff colours a unified diff. The wizard draws its own (render's
// Colorize is for the CLI); with NO_COLOR the +/- prefixes remain.
func (m *Model) colorDiff(d string) string {
	lines := strings.Split(strings.TrimRight(d, "\n"), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			lines[i] = m.st.Key.Render(l)
		case strings.HasPrefix(l, "+"):
			lines[i] = m.st.DiffAdd.Render(l)
		case strings.HasPrefix(l, "-"):
			lines[i] = m.st.DiffDel.Render(l)
		case strings.HasPrefix(l, "@@"):
			lines[i] = m.st.DiffHunk.Render(l)
		}
	}
	return strings.Join(lines, "\n")
}

func padRight(s string, n int) string {
	if w := lipgloss.Width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}
