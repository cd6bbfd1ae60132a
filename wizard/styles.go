package wizard

import (
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// styles is every style the wizard draws with, built once per background
// (soft-serve's single Styles struct): views never make styles ad hoc.
//
// Colours are chosen with lipgloss.LightDark from the terminal's reported
// background, so text stays readable on light and dark terminals. Meaning
// never rests on colour alone (✓ ! ✗ and words carry it), because NO_COLOR
// strips the colours on output.
type styles struct {
	App     lipgloss.Style // "docker-tls" badge in the title bar
	Step    lipgloss.Style // "Step 3/8 · Server"
	Root    lipgloss.Style // "root: DIR" at the right of the title bar
	Heading lipgloss.Style
	Text    lipgloss.Style
	Dim     lipgloss.Style
	Key     lipgloss.Style // a key name in running text ("Enter")
	OK      lipgloss.Style
	Warn    lipgloss.Style
	Error   lipgloss.Style
	Code    lipgloss.Style // commands and paths

	DiffAdd  lipgloss.Style
	DiffDel  lipgloss.Style
	DiffHunk lipgloss.Style

	Meter map[string]lipgloss.Style // weak / ok / strong
}

func newStyles(isDark bool) styles {
	ld := lipgloss.LightDark(isDark)
	var (
		accent = ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#7571F9"))
		text   = ld(lipgloss.Color("235"), lipgloss.Color("252"))
		dim    = ld(lipgloss.Color("243"), lipgloss.Color("245"))
		green  = ld(lipgloss.Color("#00875F"), lipgloss.Color("#02BF87"))
		yellow = ld(lipgloss.Color("#AF5F00"), lipgloss.Color("#E5C07B"))
		red    = ld(lipgloss.Color("#D70040"), lipgloss.Color("#ED567A"))
		cyan   = ld(lipgloss.Color("#00789A"), lipgloss.Color("#56B6C2"))
	)
	s := styles{
		App:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FFFDF5")).Background(accent).Padding(0, 1),
		Step:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		Root:     lipgloss.NewStyle().Foreground(yellow),
		Heading:  lipgloss.NewStyle().Bold(true).Foreground(accent),
		Text:     lipgloss.NewStyle().Foreground(text),
		Dim:      lipgloss.NewStyle().Foreground(dim),
		Key:      lipgloss.NewStyle().Bold(true),
		OK:       lipgloss.NewStyle().Foreground(green),
		Warn:     lipgloss.NewStyle().Foreground(yellow),
		Error:    lipgloss.NewStyle().Foreground(red).Bold(true),
		Code:     lipgloss.NewStyle().Foreground(cyan),
		DiffAdd:  lipgloss.NewStyle().Foreground(green),
		DiffDel:  lipgloss.NewStyle().Foreground(red),
		DiffHunk: lipgloss.NewStyle().Foreground(cyan),
	}
	s.Meter = map[string]lipgloss.Style{
		"weak":   lipgloss.NewStyle().Foreground(red),
		"ok":     lipgloss.NewStyle().Foreground(yellow),
		"strong": lipgloss.NewStyle().Foreground(green),
	}
	return s
}

// formTheme is huh's Charm theme with two changes:
//   - options use a foreground that suits the background: ThemeCharm in huh
//     v2.0.3 passes its normal foreground to LightDark the wrong way round
//     (252 on light terminals, 235 on dark ones), which leaves select
//     options nearly invisible;
//   - fields are separated by a line break, not a blank line, so that the
//     server step (five fields) fits in 80x24;
//   - an unticked choice of a multi-select shows no mark (ThemeCharm's "•"
//     reads as ticked);
//   - placeholders are italic as well as grey: with NO_COLOR the grey goes,
//     and a placeholder must still not look like a typed value (the
//     placeholders also start with "e.g.").
func formTheme(isDark bool) *huh.Styles {
	t := huh.ThemeCharm(isDark)
	ld := lipgloss.LightDark(isDark)
	fg := ld(lipgloss.Color("235"), lipgloss.Color("252"))
	for _, f := range []*huh.FieldStyles{&t.Focused, &t.Blurred} {
		f.Option = f.Option.Foreground(fg)
		f.UnselectedOption = f.UnselectedOption.Foreground(fg)
		f.TextInput.Placeholder = f.TextInput.Placeholder.Italic(true).Faint(true)
		// An unticked choice is clearly empty: ThemeCharm's "•" reads as
		// a tick, the more so without colour.
		f.UnselectedPrefix = f.UnselectedPrefix.SetString("  ")
	}
	t.FieldSeparator = lipgloss.NewStyle().SetString("\n")
	return t
}
