package wizard

// The frame every page is drawn in: title bar with the step, the body
// clipped to the window, the key hints pinned to the last line. It is drawn
// on the alternate screen, so frames never pile up in the scrollback.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/internal/wordwrap"
)

// View draws the frame: title bar, body, key hints.
func (m *Model) View() tea.View {
	bw, bh := m.bodySize()
	var body string
	switch {
	case m.helpOpen:
		body = m.helpView(bw)
	case m.busy():
		body = m.spinLine(m.wait.label, m.wait.since)
		if m.stopping {
			note := "Stopping once Docker is back (or rolled back): stopping in the middle could leave it down."
			if n, ok := m.cur.(stopNoter); ok {
				note = n.stopNote()
			}
			body += "\n\n" + m.st.Warn.Render(wrap(note, bw))
		}
	default:
		body = m.cur.page().view()
	}
	var b strings.Builder
	b.WriteString(m.titleBar())
	b.WriteString("\n\n")
	b.WriteString(fit(body, bw, bh))
	b.WriteString("\n\n")
	b.WriteString(m.footer())
	v := tea.NewView(b.String())
	v.AltScreen = true
	return v
}

// stopNoter is a flow whose work, when ctrl+c waits for it, is not a
// restart of Docker: it says what is waited for.
type stopNoter interface{ stopNote() string }

// spinLine is a wait: the spinner, the label, and from one second on how
// long it has been (since zero: no time).
func (c *common) spinLine(label string, since time.Time) string {
	s := c.spinIcon() + " " + label
	if d := c.since(since); d >= time.Second {
		s += " " + c.st.Dim.Render(seconds(d))
	}
	return s
}

// spinIcon is the spinner, or a still "…" in tests.
func (c *common) spinIcon() string {
	if c.noAnim {
		return c.st.Heading.Render("…")
	}
	return strings.TrimRight(c.spin.View(), " ")
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func (m *Model) titleBar() string {
	left := m.st.App.Render("docker-tls") + " " + m.st.Step.Render(m.cur.title())
	if r := m.opts.Detected.Root; r != "" && r != "/" {
		right := m.st.Root.Render("root: " + r)
		gap := m.w - lipgloss.Width(left) - lipgloss.Width(right)
		if gap >= 2 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return left
}

// flowTitle is "Title · n/total", n the place of step among the flow's steps.
func flowTitle(title string, step stepID, order ...stepID) string {
	for i, s := range order {
		if s == step {
			return title + " · " + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(order))
		}
	}
	return title + " · "
}

// footer shows the keys that work now, as many as fit the width: the
// page's main key and ctrl+c always, then the others by importance.
func (m *Model) footer() string {
	if m.helpOpen {
		return m.hints([]key.Binding{bind("?/esc", "close help")}, nil)
	}
	if m.busy() || m.stopping {
		return m.hints(nil, nil)
	}
	var more []key.Binding
	if m.cur.canBack() {
		more = append(more, m.km.Back)
	}
	if !m.cur.page().typing() {
		more = append(more, m.km.Help)
	}
	return m.hints(m.cur.page().keys(), more)
}

// hints renders page keys, then more, then ctrl+c, dropping what does not
// fit from the least important: the help key, then the page's own keys
// from the last, then the rest. The first page key and ctrl+c stay.
func (m *Model) hints(page, more []key.Binding) string {
	ctrlC := m.km.Abort
	if m.res.Written || m.res.Connected != nil || m.res.Requested != nil {
		ctrlC = m.km.Stop // the work is done and stands: ctrl+c only quits
	}
	ks := append(append(append([]key.Binding{}, page...), more...), ctrlC)
	render := func() string { return m.help.ShortHelpView(ks) }
	drop := func(i int) { ks = append(ks[:i], ks[i+1:]...) }
	for lipgloss.Width(render()) > m.w && len(ks) > 2 {
		switch {
		case len(more) > 0 && more[len(more)-1].Help().Key == "?":
			drop(len(page) + len(more) - 1)
			more = more[:len(more)-1]
		case len(page) > 1:
			drop(len(page) - 1)
			page = page[:len(page)-1]
		default:
			drop(len(ks) - 2)
			if len(more) > 0 {
				more = more[:len(more)-1]
			}
		}
	}
	return render()
}

func (m *Model) helpView(w int) string {
	var b strings.Builder
	b.WriteString(m.st.Heading.Render("Keys"))
	b.WriteString("\n\n")
	// The columns side by side, or in two blocks on a narrow screen.
	groups := m.km.fullHelp()
	full := m.help.FullHelpView(groups)
	if lipgloss.Width(full) > w {
		full = m.help.FullHelpView(groups[:2]) + "\n\n" + m.help.FullHelpView(groups[2:])
	}
	b.WriteString(full)
	b.WriteString("\n\n")
	b.WriteString(m.st.Dim.Render(wrap(
		"Enter accepts what is shown, so Enter all the way takes the defaults; "+
			"the write waits for an Enter pressed once the review has been read. "+
			"Esc goes back and keeps your answers. In a text field, ? is text. "+
			"ctrl+c stops; before the write, nothing is written.", w)))
	return b.String()
}

// okLine is "✓ text", the text wrapped under itself.
func (c *common) okLine(s string, w int) string {
	lines := strings.Split(wrap(s, w-2), "\n")
	for i := range lines {
		lines[i] = c.st.Text.Render(lines[i])
	}
	return c.st.OK.Render("✓ ") + strings.Join(lines, "\n  ")
}

// bind makes a help-only binding.
func bind(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}

// fit makes the body exactly h lines, so that the key hints stay on the
// last line: longer bodies are clipped, lines wider than w cut (pages wrap
// their own text, and keep commands whole where they can).
func fit(s string, w, h int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// wrap wraps prose to the width at spaces only: a path or a key type is
// never split at its hyphen.
func wrap(s string, w int) string {
	return wordwrap.Hard(s, max(w, 20))
}

// hang wraps s after a prefix ("✗ ", "! "), indenting the lines that
// follow under the text.
func hang(prefix, s string, w int) string {
	return wordwrap.Hang(prefix, s, max(w, 20))
}

// stepsText shows next steps: the sentence wrapped, each command whole. A
// command wider than the screen is split with shell line continuations
// (shellWrap), so that copying it still gives a working command.
func (c *common) stepsText(steps []say.Step, w int) string {
	var b strings.Builder
	for i, s := range steps {
		prefix := ""
		if len(steps) > 1 {
			prefix = strconv.Itoa(i+1) + ". "
		}
		b.WriteString(hang(prefix, s.Text, w) + "\n")
		for _, cmd := range s.Commands {
			b.WriteString(c.st.Code.Render(shellWrap(cmd, w, strings.Repeat(" ", len(prefix)+2))) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// shellWrap is wordwrap.Shell: the same wrapping as the commands print
// once the wizard ends.
func shellWrap(cmd string, w int, indent string) string { return wordwrap.Shell(cmd, w, indent) }
