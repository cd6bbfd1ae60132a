package wizard

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// textPage is a heading, a long text in a viewport (next steps, status),
// and under it either a choice (a huh select) or a one-line prompt. Enter
// accepts; pgup/pgdn scroll the text, the arrows move the choice.
type textPage struct {
	c      *common
	head   func(w int) string
	body   func(w int) string
	prompt func(w int) string
	sel    *formPage // nil: Enter accepts
	accept []key.Binding
	vp     viewport.Model
	w, h   int
}

func newTextPage(c *common, head, body, prompt func(w int) string, accept key.Binding) *textPage {
	vp := viewport.New() // content is wrapped before it goes in: heights are exact
	return &textPage{c: c, head: head, body: body, prompt: prompt, vp: vp, accept: []key.Binding{accept}}
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
		ks = []key.Binding{p.c.km.Choose, bind("enter", "confirm")}
	}
	if p.vp.TotalLineCount() > p.vp.Height() {
		ks = append(ks, p.c.km.Scroll, p.c.km.Ends)
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
func (c *common) printedAgain(w int) string {
	return c.st.Text.Render(wrap("Press Enter to quit; all this is printed again on the terminal.", w))
}
