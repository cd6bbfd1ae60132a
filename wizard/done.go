package wizard

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/docker-tls/docker-tls/internal/say"
)

const (
	choiceQuit     = "quit"
	choiceApplyNow = "apply"
)

// textPage is a heading, a long text in a viewport (next steps, status),
// and under it either a choice (a huh select) or a one-line prompt. Enter
// accepts; pgup/pgdn scroll the text, the arrows move the choice.
type textPage struct {
	m      *Model
	head   func(w int) string
	body   func(w int) string
	prompt func(w int) string
	sel    *formPage // nil: Enter accepts
	accept []key.Binding
	vp     viewport.Model
	w, h   int
}

func (m *Model) newTextPage(head, body, prompt func(w int) string, accept key.Binding) *textPage {
	vp := viewport.New() // content is wrapped before it goes in: heights are exact
	return &textPage{m: m, head: head, body: body, prompt: prompt, vp: vp, accept: []key.Binding{accept}}
}

func (p *textPage) init() tea.Cmd {
	if p.sel != nil {
		return p.sel.init()
	}
	return nil
}

func (p *textPage) update(msg tea.Msg) (tea.Cmd, bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "pgup", "pgdown":
			var cmd tea.Cmd
			p.vp, cmd = p.vp.Update(msg)
			return cmd, false
		case "home", "end":
			if k.String() == "home" {
				p.vp.GotoTop()
			} else {
				p.vp.GotoBottom()
			}
			return nil, false
		case "enter":
			if p.sel == nil {
				return nil, true
			}
		case "up", "down", "k", "j":
			if p.sel == nil {
				var cmd tea.Cmd
				p.vp, cmd = p.vp.Update(msg)
				return cmd, false
			}
		}
	}
	if p.sel != nil {
		return p.sel.update(msg)
	}
	return nil, false
}

func (p *textPage) typing() bool { return false }

func (p *textPage) focused() (huh.Field, bool) {
	if p.sel == nil {
		return nil, false
	}
	return p.sel.focused()
}

func (p *textPage) keys() []key.Binding {
	ks := p.accept
	if p.sel != nil {
		ks = []key.Binding{p.m.km.Choose, bind("enter", "confirm")}
	}
	if p.vp.TotalLineCount() > p.vp.Height() {
		ks = append(ks, p.m.km.Scroll, p.m.km.Ends)
	}
	return ks
}

func (p *textPage) resize(w, h int) tea.Cmd {
	p.w, p.h = w, h
	used := 0
	if p.head != nil {
		used += lipgloss.Height(p.head(w)) + 1
	}
	var cmd tea.Cmd
	if p.sel != nil {
		cmd = p.sel.resize(w, h)
		used += lipgloss.Height(p.sel.view()) + 1
	} else if p.prompt != nil {
		used += lipgloss.Height(p.prompt(w)) + 1
	}
	content := ""
	if p.body != nil {
		content = p.body(w) // wrapped by its maker: commands stay whole
	}
	p.vp.SetWidth(w)
	p.vp.SetContent(content)
	p.vp.SetHeight(max(min(h-used, lipgloss.Height(content)), 1))
	if strings.TrimSpace(content) == "" {
		p.vp.SetHeight(0)
	}
	return cmd
}

func (p *textPage) view() string {
	var parts []string
	if p.head != nil {
		parts = append(parts, p.head(p.w))
	}
	if p.vp.Height() > 0 {
		parts = append(parts, strings.TrimRight(p.vp.View(), "\n"))
	}
	switch {
	case p.sel != nil:
		parts = append(parts, p.sel.view())
	case p.prompt != nil:
		parts = append(parts, p.prompt(p.w))
	}
	return strings.Join(parts, "\n\n")
}

// printedAgain is the prompt of a page that ends the run: what it shows is
// printed again on the terminal when the wizard ends.
func (m *Model) printedAgain(w int) string {
	return m.st.Text.Render(wrap("Press Enter to quit; all this is printed again on the terminal.", w))
}

// newDonePage ends the setup (and renew, and the switch of trust): what
// was written, the next steps, and Enter to quit. Restarting docker is
// offered, never the default, and only when Options.CanApply (--root is
// "/").
func (m *Model) newDonePage() page {
	head := func(w int) string {
		var s string
		switch {
		case m.res.Written:
			t := fmt.Sprintf("Wrote %d files.", len(m.written))
			if m.opts.CanApply && !m.appliedNow {
				t += " Docker still runs with its old configuration."
			}
			s = m.okLine(t, w)
		default:
			s = m.okLine("Nothing was written: the host already matches these answers.", w)
		}
		return s + m.applyLine(w)
	}
	return m.doneTextPage(head, m.doneBody)
}

// applyLine is the outcome of "apply now", under a done page's heading.
func (m *Model) applyLine(w int) string {
	if !m.appliedNow {
		return ""
	}
	if m.applyNowErr != nil {
		return "\n" + m.errLine("Applying failed: "+m.applyNowErr.Error(), w)
	}
	return "\n" + m.okLine("Applied: Docker restarted with TLS.", w)
}

// doneBody is what a done page says under its heading: the apply's
// output, warnings, and the next steps.
func (m *Model) doneBody(w int) string {
	var parts []string
	if m.appliedNow && m.applyNowOut != "" {
		parts = append(parts, m.st.Text.Render(wrap(m.applyNowOut, w)))
	}
	if m.recordErr != "" {
		parts = append(parts, m.st.Warn.Render(hang("! ", m.recordErr, w)))
	}
	if len(m.res.NextSteps) > 0 {
		parts = append(parts, m.st.Heading.Render("Next steps")+"\n"+m.stepsText(m.res.NextSteps, w))
	}
	return strings.Join(parts, "\n\n")
}

// doneTextPage is a done page: heading, body, and Enter to quit, or the
// choice to apply now when Docker can be restarted from here.
func (m *Model) doneTextPage(head, body func(w int) string) page {
	prompt := func(w int) string {
		if !m.res.Written {
			return "Press " + m.st.Key.Render("Enter") + " to quit."
		}
		return m.printedAgain(w)
	}
	p := m.newTextPage(head, body, prompt, m.km.Quit)
	if m.opts.CanApply && m.res.Written && !m.appliedNow {
		m.doneChoice = choiceQuit
		sel := huh.NewSelect[string]().
			Title("What now?").
			Options(
				huh.NewOption("Quit (the next steps are printed again)", choiceQuit),
				huh.NewOption("Apply now: restart Docker, probe, roll back on failure", choiceApplyNow),
			).
			Value(&m.doneChoice)
		p.sel = m.newFormPage(nil, nil, fieldRef{key: fieldDone, title: "What now", f: sel})
	}
	return p
}

// newMemberDonePage is the second screen of adding a team member: the
// bundle and what to send them.
func (m *Model) newMemberDonePage() page {
	head := func(w int) string {
		name, until := m.mem.Name, m.until(m.mem.Days)
		if p := m.prepared; p != nil && p.Member != nil {
			name, until = p.Member.Name, p.Member.NotAfter.Format("2006-01-02")
		}
		return m.okLine(fmt.Sprintf("Issued a certificate for %s, valid until %s.", name, until), w)
	}
	body := func(w int) string {
		var b strings.Builder
		if m.prepared != nil {
			b.WriteString(m.fileLines(m.prepared.Files(), w) + "\n")
			for _, l := range m.prepared.Warnings() {
				b.WriteString(m.st.Warn.Render(hang("! ", l, w)) + "\n")
			}
		}
		if len(m.res.NextSteps) > 0 {
			b.WriteString("\n" + m.stepsText(m.res.NextSteps, w))
		}
		return strings.TrimRight(b.String(), "\n")
	}
	return m.newTextPage(head, body, m.printedAgain, m.km.Quit)
}

// nextSteps are what to do after the write: the engine's steps, which
// include how to hand a bundle over as one file.
func (m *Model) nextSteps() []say.Step { return say.NextSteps(m.prepared) }

// withoutRestart drops the steps that restart Docker, once "apply now" has.
func withoutRestart(steps []say.Step) []say.Step {
	return slices.DeleteFunc(slices.Clone(steps), func(s say.Step) bool { return s.Restart })
}

// newStatusPage shows the engine's status report; Enter goes back to the menu.
func (m *Model) newStatusPage() page {
	var head func(int) string
	if m.pageErr != "" {
		e := m.pageErr
		head = func(w int) string { return m.errLine(e, w) }
		m.pageErr = ""
	}
	body := func(w int) string { return m.statusText(m.status, w) }
	prompt := func(int) string { return "Press " + m.st.Key.Render("Enter") + " to go back to the menu." }
	return m.newTextPage(head, body, prompt, bind("enter", "menu"))
}
