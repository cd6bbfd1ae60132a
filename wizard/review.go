package wizard

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// reviewPage shows everything that will be written before anything is, in
// a scrollable viewport: first what changes on the host (the key lines of
// daemon.json and override.conf, with the warnings), then the certificates
// planned and their files, then the full diffs. Prepare starts when the
// page opens; Enter writes, through the keyboard gate (gate.go).
// The content is wrapped before it goes in the viewport, so that line
// counts, and so the scroll position shown, are exact.
type reviewPage struct {
	t    *tail
	c    *common
	vp   viewport.Model
	w, h int
}

func (p *reviewPage) init() tea.Cmd { return p.t.startPrepare() }

func (p *reviewPage) update(msg tea.Msg) (tea.Cmd, bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "enter":
			return nil, true // the flow decides: write, retry or wait
		case "home", "g":
			p.vp.GotoTop()
			return nil, false
		case "end", "G":
			p.vp.GotoBottom()
			return nil, false
		}
	}
	var cmd tea.Cmd
	p.vp, cmd = p.vp.Update(msg)
	return cmd, false
}

func (p *reviewPage) typing() bool { return false }

func (p *reviewPage) keys() []key.Binding {
	km := p.c.km
	switch {
	case p.t.preparing:
		return nil
	case p.t.prepErr != nil:
		return []key.Binding{km.Retry}
	case p.t.prepared != nil && p.t.prepared.Empty():
		return []key.Binding{km.Continue}
	}
	ks := []key.Binding{km.Write}
	if p.vp.TotalLineCount() > p.vp.Height() {
		ks = append(ks, km.Scroll, km.Ends)
	}
	return ks
}

func (p *reviewPage) resize(w, h int) tea.Cmd {
	p.w, p.h = w, h
	p.vp.SetWidth(w)
	p.refresh()
	return nil
}

// refresh fills the viewport from the prepared result.
func (p *reviewPage) refresh() {
	if p.t.prepared == nil {
		return
	}
	p.vp.SetContent(p.c.reviewText(p.t.prepared, p.w))
	p.vp.SetHeight(p.room(p.prompt()))
}

// room is the viewport's height: the body less the prompt and a blank
// line, and no more than the content (no gap above the prompt).
func (p *reviewPage) room(prompt string) int {
	return max(min(p.h-1-lipgloss.Height(prompt), p.vp.TotalLineCount()), 3)
}

// prompt is the line under the review: what Enter does, where the view is,
// or why the last Enter did not write.
func (p *reviewPage) prompt() string {
	m := p.c
	if r := m.gate.refusal(); r != "" {
		return m.st.Warn.Render(hang("! ", r, p.w))
	}
	s := "Press " + m.st.Key.Render("Enter") + " to write these files."
	if total := p.vp.TotalLineCount(); total > p.vp.Height() {
		first := p.vp.YOffset() + 1
		last := min(p.vp.YOffset()+p.vp.Height(), total)
		if pos := fmt.Sprintf("  lines %d-%d of %d", first, last, total); lipgloss.Width(s)+len(pos) <= p.w {
			s += m.st.Dim.Render(pos)
		}
	}
	return s
}

func (p *reviewPage) view() string {
	m, t := p.c, p.t
	switch {
	case t.preparing:
		return t.prepareView(p.w, p.h)
	case t.prepErr != nil:
		return m.errLine("Could not prepare the files: "+t.prepErr.Error(), p.w) + "\n\n" +
			m.st.Text.Render(wrap("Your answers are kept. Press Enter to try again, or Esc to go back and change them.", p.w))
	case t.prepared == nil:
		return ""
	case t.prepared.Empty():
		return m.okLine("Nothing to write: the files already match these answers.", p.w) +
			"\n\nPress " + m.st.Key.Render("Enter") + " to finish."
	}
	prompt := p.prompt()
	if h := p.room(prompt); h != p.vp.Height() {
		p.vp.SetHeight(h) // a refusal hint may take another line
		prompt = p.prompt()
	}
	return strings.TrimRight(p.vp.View(), "\n") + "\n\n" + prompt
}

// reviewText is the review's content, most important first: what changes
// on the host (key lines of the configuration diffs, warnings), the
// certificates planned, notes, the certificate files with their modes, and
// last the full diffs.
func (m *common) reviewText(pr *setup.Prepared, w int) string {
	st := m.st
	var b strings.Builder
	section := func(title string) {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(st.Heading.Render(title) + "\n")
	}
	files := pr.Files()
	var configs, certs []setup.File
	for _, f := range files {
		if f.Diff != "" {
			configs = append(configs, f)
		} else {
			certs = append(certs, f)
		}
	}

	section("On this host")
	for _, l := range pr.Warnings() {
		b.WriteString(st.Warn.Render(hang("! ", l, w)) + "\n")
	}
	if len(configs) == 0 {
		b.WriteString(st.Dim.Render(hang("  ", "No change to daemon.json or to how systemd starts dockerd.", w)) + "\n")
	}
	for _, f := range configs {
		head := "  " + f.Path + "  " + m.action(f.Action)
		if note := "  (full diff below)"; lipgloss.Width(head)+len(note) <= w {
			head += st.Dim.Render(note)
		}
		b.WriteString(head + "\n")
		keys, more := keyLines(f.Diff, maxKeyLines)
		for _, l := range keys {
			b.WriteString(indent("  ", m.diffLine(l, w-2)) + "\n")
		}
		if more > 0 {
			b.WriteString(st.Dim.Render(fmt.Sprintf("   … %d more changed %s in the diff below", more, plural(more, "line"))) + "\n")
		}
	}

	if len(say.Summary(pr)) > 0 {
		section("Certificates")
		for _, l := range say.Summary(pr) {
			b.WriteString(hangValue("  "+pki.Words(l, fieldTitle), w) + "\n")
		}
	}
	if ns := pr.Notes(); len(ns) > 0 {
		section("Notes")
		for _, l := range ns {
			b.WriteString(st.Dim.Render(hang("· ", l, w)) + "\n")
		}
	}
	if len(certs) > 0 {
		section("Certificate files")
		b.WriteString(m.fileLines(certs, w) + "\n")
	}
	for _, f := range configs {
		section("Diff of " + f.Path)
		b.WriteString(m.colorDiff(f.Diff, w) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// indent puts prefix before each line of s.
func indent(prefix, s string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// hangValue wraps a "  Label     value" line under its value.
func hangValue(l string, w int) string {
	body := strings.TrimLeft(l, " ")
	indent := len(l) - len(body)
	if i := strings.Index(body, "  "); i > 0 && !strings.Contains(body[:i], " ") {
		j := i + len(body[i:]) - len(strings.TrimLeft(body[i:], " "))
		return hang(l[:indent+j], body[j:], w)
	}
	return hang(l[:indent], body, w)
}

// fileLines lists files as "  0600 /etc/docker/tls/server-key.pem  create",
// paths aligned: the modes show at a glance what is secret.
func (m *common) fileLines(files []setup.File, w int) string {
	width := 0
	for _, f := range files {
		width = max(width, lipgloss.Width(f.Path))
	}
	width = min(width, max(w-16, 20))
	lines := make([]string, len(files))
	for i, f := range files {
		lines[i] = fmt.Sprintf("  %04o %s  %s", f.Mode, padRight(f.Path, width), m.action(f.Action))
	}
	return strings.Join(lines, "\n")
}

func (m *common) action(a string) string {
	switch a {
	case "create":
		return m.st.OK.Render(a)
	case "update":
		return m.st.Warn.Render(a)
	}
	return m.st.Dim.Render(a)
}

func padRight(s string, n int) string {
	if w := lipgloss.Width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}
