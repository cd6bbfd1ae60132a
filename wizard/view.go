package wizard

// The frame every page is drawn in: title bar with the step, body clipped
// to the window, key help. Inline mode, so the last frame stays in the
// scrollback.

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/docker-tls/docker-tls/setup"
)

// View draws the frame: title bar, body, key help.
func (m *Model) View() tea.View {
	bw, bh := m.bodySize()
	var body string
	switch {
	case m.helpOpen:
		body = m.helpView(bw)
	case m.busy != "":
		body = m.spinLine(m.busy)
	default:
		body = m.cur.view()
	}
	var b strings.Builder
	b.WriteString(m.titleBar())
	b.WriteString("\n\n")
	b.WriteString(fit(body, bw, bh))
	b.WriteString("\n\n")
	b.WriteString(m.footer())
	// Inline mode: on exit the renderer erases the frame's last line, so
	// the last line is a blank one (CHARM-V2.md).
	b.WriteString("\n")
	return tea.NewView(b.String())
}

func (m *Model) spinLine(label string) string {
	if m.noAnim {
		return m.st.Heading.Render("…") + " " + label
	}
	return strings.TrimRight(m.spin.View(), " ") + " " + label
}

func (m *Model) titleBar() string {
	left := m.st.App.Render("docker-tls") + " " + m.st.Step.Render(m.stepTitle())
	if r := m.opts.Detected.Root; r != "" && r != "/" {
		right := m.st.Root.Render("root: " + r)
		gap := m.w - lipgloss.Width(left) - lipgloss.Width(right)
		if gap >= 2 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return left
}

func (m *Model) stepTitle() string {
	if m.step == stepRestart {
		return "Restart Docker"
	}
	switch m.flow {
	case flowMember:
		if m.step == stepMemberDone {
			return "Add a team member · 2/2"
		}
		return "Add a team member · 1/2"
	case flowRenew:
		n := map[stepID]string{stepRenew: "1/4", stepReview: "2/4", stepWrite: "3/4", stepDone: "4/4"}[m.step]
		return "Renew the server certificate · " + n
	case flowStatus:
		return "Status"
	case flowRemove:
		if m.step == stepRemoveDone {
			return "Remove a team member · 2/2"
		}
		return "Remove a team member · 1/2"
	case flowSwitch, flowFinalize:
		title := "Switch to per-member trust · "
		first := stepSwitch
		if m.flow == flowFinalize {
			title, first = "Finish the switch · ", stepFinalize
		}
		return title + map[stepID]string{first: "1/4", stepReview: "2/4", stepWrite: "3/4", stepDone: "4/4"}[m.step]
	}
	return "Step " + strconv.Itoa(int(m.step)+1) + "/8 · " + stepNames[m.step]
}

func (m *Model) footer() string {
	// The last frame stays in the scrollback: no keys there.
	if m.quitting {
		if m.res.Aborted && !m.res.Written {
			return m.st.Warn.Render("Stopped: nothing was written.")
		}
		return ""
	}
	if m.helpOpen {
		return m.help.ShortHelpView([]key.Binding{bind("?/esc", "close help"), m.km.Abort})
	}
	if m.busy != "" || m.quitAfterApply {
		return m.help.ShortHelpView([]key.Binding{m.km.Abort})
	}
	ks := append([]key.Binding{}, m.cur.keys()...)
	if _, ok := m.backStep(); ok {
		ks = append(ks, m.km.Back)
	}
	if !m.cur.typing() {
		ks = append(ks, m.km.Help)
	}
	ks = append(ks, m.km.Abort)
	return m.help.ShortHelpView(ks)
}

func (m *Model) helpView(w int) string {
	var b strings.Builder
	b.WriteString(m.st.Heading.Render("Keys"))
	b.WriteString("\n\n")
	b.WriteString(m.help.FullHelpView(m.km.fullHelp()))
	b.WriteString("\n\n")
	b.WriteString(m.st.Dim.Render(wrap(
		"Enter accepts what is shown, on every screen: pressing Enter all the way "+
			"uses the defaults. Esc goes back one step and keeps your answers. "+
			"? shows this help when the cursor is not in a text field (there, ? is "+
			"typed as text). ctrl+c stops at once and writes nothing.", w)))
	return b.String()
}

// bind makes a help-only binding.
func bind(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}

// fit clips the body to the space the frame leaves, so the frame never
// scrolls the terminal; lines are cut, not wrapped, at the width.
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
	return strings.Join(lines, "\n")
}

// wrap wraps text to the width.
func wrap(s string, w int) string {
	return lipgloss.Wrap(s, max(w, 20), "")
}

// hang wraps s after a prefix ("✗ ", "! "), indenting the lines that
// follow under the text.
func hang(prefix, s string, w int) string {
	pw := lipgloss.Width(prefix)
	lines := strings.Split(wrap(s, w-pw), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", pw) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// stepsText shows next steps: the sentence wrapped, each command whole. A
// command wider than the screen is split at a space with a shell line
// continuation (" \"), so that copying it still gives a working command.
func (m *Model) stepsText(steps []setup.Step, w int) string {
	var b strings.Builder
	for i, s := range steps {
		prefix := ""
		if len(steps) > 1 {
			prefix = strconv.Itoa(i+1) + ". "
		}
		b.WriteString(hang(prefix, s.Text, w) + "\n")
		for _, c := range s.Commands {
			b.WriteString(m.st.Code.Render(shellWrap(c, w, strings.Repeat(" ", len(prefix)+2))) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// shellWrap indents cmd and splits it at spaces outside quotes, ending each
// line but the last with " \", so that every line fits w when possible.
func shellWrap(cmd string, w int, indent string) string {
	var words []string
	start, quote := 0, rune(0)
	for i, r := range cmd {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case quote == 0 && r == ' ':
			if i > start {
				words = append(words, cmd[start:i])
			}
			start = i + 1
		}
	}
	if start < len(cmd) {
		words = append(words, cmd[start:])
	}
	var lines []string
	line := indent
	for _, word := range words {
		switch {
		case line == indent:
			line += word
		case lipgloss.Width(line)+1+lipgloss.Width(word)+2 > w:
			lines = append(lines, line+" \\")
			line = indent + "  " + word
		default:
			line += " " + word
		}
	}
	return strings.Join(append(lines, line), "\n")
}
