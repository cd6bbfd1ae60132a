package wizard

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/docker-tls/docker-tls/pki"
)

// fieldRef is a huh field the page keeps a handle on, to show its error
// with its title (huh would show the bare reason at the foot of the group).
type fieldRef struct {
	key   pki.Field // the field errors about it name; wizard-only inputs use the field* keys
	title string
	f     huh.Field
	hints []key.Binding // the keys shown while it has the focus; nil: by its kind
}

// formPage is a page made of a text above, an optional huh form and text
// under it (strength meter, dates, errors). A *huh.Form is not a tea.Model
// (View returns a string, Update a huh.Model), so the page wraps it.
// Without a form, Enter accepts the page.
type formPage struct {
	c      *common
	value  valueFunc // the flow's answers, for errors kept by field
	form   *huh.Form
	fields []fieldRef
	head   func(w int) string
	foot   func(w int) string
	focus  int // field to focus first (after an error found elsewhere)
	done   bool
	w, h   int
	formH  int // the height the form was last given
}

func newFormPage(c *common, value valueFunc, head, foot func(w int) string, fields ...fieldRef) *formPage {
	p := &formPage{c: c, value: value, head: head, foot: foot, fields: fields}
	if len(fields) == 0 {
		return p
	}
	hf := make([]huh.Field, len(fields))
	for i, f := range fields {
		hf[i] = f.f
	}
	// Our own footer shows the keys and the errors (with field titles).
	p.form = huh.NewForm(huh.NewGroup(hf...)).
		WithShowHelp(false).
		WithShowErrors(false).
		WithTheme(huh.ThemeFunc(formTheme))
	return p
}

// focusField focuses the field with this key when the page opens.
func (p *formPage) focusField(k pki.Field) {
	for i, f := range p.fields {
		if f.key == k {
			p.focus = i
		}
	}
}

func (p *formPage) init() tea.Cmd {
	if p.form == nil {
		return nil
	}
	// A new form has not seen the background reply: tell it.
	cmds := []tea.Cmd{p.form.Init()}
	_, c := p.form.Update(bgMsg(p.c.isDark))
	cmds = append(cmds, c)
	for range p.focus {
		_, c := p.form.Update(huh.NextField())
		cmds = append(cmds, c)
	}
	return tea.Batch(cmds...)
}

func (p *formPage) update(msg tea.Msg) (tea.Cmd, bool) {
	if p.done {
		return nil, false
	}
	if p.form == nil {
		if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "enter" {
			p.done = true
			return nil, true
		}
		return nil, false
	}
	fm, cmd := p.form.Update(msg)
	p.form = fm.(*huh.Form)
	if p.form.State == huh.StateCompleted {
		p.done = true
		return cmd, true
	}
	return tea.Batch(cmd, p.layout()), false
}

func (p *formPage) focused() (huh.Field, bool) {
	if p.form == nil || p.done {
		return nil, false
	}
	f := p.form.GetFocusedField()
	return f, len(p.fields) > 0 && f == p.fields[0].f
}

func (p *formPage) typing() bool {
	if p.form == nil || p.done {
		return false
	}
	_, ok := p.form.GetFocusedField().(*huh.Input)
	return ok
}

func (p *formPage) keys() []key.Binding {
	km := p.c.km
	if p.form == nil {
		return []key.Binding{km.Continue}
	}
	focused := p.form.GetFocusedField()
	for _, f := range p.fields {
		if f.f == focused && f.hints != nil {
			return f.hints
		}
	}
	switch focused.(type) {
	case *huh.MultiSelect[string]:
		return []key.Binding{km.Toggle, km.Choose, km.Next}
	case *huh.Select[string]:
		return []key.Binding{km.Choose, km.Next}
	case *huh.Select[bool]: // a yes or no (huh's Confirm shows no choice without colour)
		return []key.Binding{km.Choose, bind("enter", "confirm")}
	}
	return []key.Binding{km.Next, km.PrevField}
}

// errLines are the errors of the fields (huh's validation, then errors
// found outside the page), each with its field's title.
func (p *formPage) errLines(w int) string {
	var out []string
	for _, f := range p.fields {
		if err := f.f.Error(); err != nil {
			out = append(out, p.c.errLine(f.title+": "+err.Error(), w))
		}
		for _, r := range p.c.errs.get(f.key, p.value) {
			out = append(out, p.c.errLine(f.title+": "+r, w))
		}
	}
	if p.c.errs.page != "" {
		out = append(out, p.c.errLine(p.c.errs.page, w))
	}
	// Outside errors about fields this page has no input for (a passphrase
	// from file) still belong here.
	if !p.hasField(pki.FieldPassphrase) {
		for _, r := range p.c.errs.get(pki.FieldPassphrase, p.value) {
			out = append(out, p.c.errLine("CA passphrase: "+r, w))
		}
	}
	return strings.Join(out, "\n")
}

func (p *formPage) hasField(k pki.Field) bool {
	for _, f := range p.fields {
		if f.key == k {
			return true
		}
	}
	return false
}

func (c *common) errLine(s string, w int) string {
	return c.st.Error.Render(hang("✗ ", s, w))
}

func (p *formPage) view() string {
	var parts []string
	if p.head != nil {
		if s := p.head(p.w); s != "" {
			parts = append(parts, s, "")
		}
	}
	if p.form != nil && !p.done {
		parts = append(parts, strings.TrimRight(p.form.View(), "\n"))
	}
	var under []string
	if e := p.errLines(p.w); e != "" {
		under = append(under, e)
	}
	if p.foot != nil {
		if s := p.foot(p.w); s != "" {
			under = append(under, s)
		}
	}
	if len(under) > 0 {
		if len(parts) > 0 && parts[len(parts)-1] != "" {
			parts = append(parts, "")
		}
		parts = append(parts, strings.Join(under, "\n"))
	}
	return strings.Join(parts, "\n")
}

// resize gives the form the height the text around it leaves (the head,
// the errors and the foot as they are now), so the page fits the body; a
// form taller than that scrolls with the focus (huh keeps the focused
// field in view).
func (p *formPage) resize(w, h int) tea.Cmd {
	p.w, p.h, p.formH = w, h, 0
	return p.layout()
}

// layout sizes the form again when the text around it changed height (an
// error appeared or went).
func (p *formPage) layout() tea.Cmd {
	if p.form == nil || p.w == 0 {
		return nil
	}
	used := 0
	if p.head != nil {
		if s := p.head(p.w); s != "" {
			used += lipgloss.Height(s) + 1
		}
	}
	var under []string
	if e := p.errLines(p.w); e != "" {
		under = append(under, e)
	}
	if p.foot != nil {
		if s := p.foot(p.w); s != "" {
			under = append(under, s)
		}
	}
	if len(under) > 0 {
		used += lipgloss.Height(strings.Join(under, "\n")) + 1
	}
	fh := max(p.h-used, 4)
	if fh == p.formH {
		return nil
	}
	p.formH = fh
	_, cmd := p.form.Update(tea.WindowSizeMsg{Width: p.w, Height: fh})
	return cmd
}

// Inputs of the wizard's own, not fields of a setup.
const (
	fieldPassphrase2 pki.Field = "passphrase-again"
	fieldIPChoice    pki.Field = "ip-choice"
	fieldMenu        pki.Field = "menu"
)

// input builds a text field bound to *v; validate's words are turned into
// the wizard's.
func input(k pki.Field, title string, v *string, validate func(string) error) fieldRef {
	in := huh.NewInput().Title(title).Value(v)
	if validate != nil {
		in = in.Validate(inWords(validate))
	}
	return fieldRef{key: k, title: title, f: in}
}

// password builds a masked text field bound to *v.
func password(k pki.Field, title string, v *string, validate func(string) error) fieldRef {
	r := input(k, title, v, validate)
	r.f = r.f.(*huh.Input).EchoMode(huh.EchoModePassword)
	return r
}

func placeholder(r fieldRef, s string) fieldRef {
	r.f = r.f.(*huh.Input).Placeholder(s)
	return r
}

// bgMsg is a background colour message for new forms, so they pick the
// same light or dark styles as the rest of the wizard.
func bgMsg(dark bool) tea.BackgroundColorMsg {
	if dark {
		return tea.BackgroundColorMsg{Color: lipgloss.Color("#000000")}
	}
	return tea.BackgroundColorMsg{Color: lipgloss.Color("#ffffff")}
}
