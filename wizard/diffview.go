package wizard

// Diffs on the review: coloured by the wizard (render.Colorize is the
// CLI's), each line wrapped to the width with its +/- marker repeated, so
// that a wrapped "$DOCKER_OPTS" never looks like a line of its own. With
// NO_COLOR the markers carry the meaning.

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/docker-tls/docker-tls/internal/wordwrap"
)

// maxKeyLines is how many changed lines of a file the review's summary
// shows before "… n more".
const maxKeyLines = 10

// keyLines picks the lines of a unified diff that say what changes: the
// added and removed lines, without blank lines, comments, lines that are
// only brackets, and without a line that only gained or lost a trailing
// comma (JSON's way of adding a key after it). It returns at most max of
// them and how many more there are.
func keyLines(diff string, limit int) (lines []string, more int) {
	var changed []string
	for _, l := range strings.Split(strings.TrimRight(diff, "\n"), "\n") {
		if strings.HasPrefix(l, "+++") || strings.HasPrefix(l, "---") {
			continue
		}
		if strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-") {
			changed = append(changed, l)
		}
	}
	norm := func(l string) string { return strings.TrimSuffix(strings.TrimSpace(l[1:]), ",") }
	count := map[string]int{} // +1 added, -1 removed, per normalised text
	for _, l := range changed {
		if l[0] == '+' {
			count[norm(l)]++
		} else {
			count[norm(l)]--
		}
	}
	for _, l := range changed {
		t := strings.TrimSpace(l[1:])
		switch {
		case t == "", strings.HasPrefix(t, "#"), strings.HasPrefix(t, ";"),
			strings.Trim(t, "{}[](),") == "",
			count[norm(l)] == 0: // a comma moved, nothing else
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > limit {
		return lines[:limit-1], len(lines) - limit + 1
	}
	return lines, 0
}

// colorDiff colours a unified diff without its ---/+++ header (the section
// title names the file), each line wrapped to w.
func (m *common) colorDiff(d string, w int) string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(d, "\n"), "\n") {
		if strings.HasPrefix(l, "+++") || strings.HasPrefix(l, "---") {
			continue
		}
		out = append(out, m.diffLine(l, w))
	}
	return strings.Join(out, "\n")
}

// diffLine colours one diff line and wraps it to w: each continuation
// starts with the line's own marker and "…".
func (m *common) diffLine(l string, w int) string {
	style := m.st.Text
	switch {
	case strings.HasPrefix(l, "+"):
		style = m.st.DiffAdd
	case strings.HasPrefix(l, "-"):
		style = m.st.DiffDel
	case strings.HasPrefix(l, "@@"):
		style = m.st.DiffHunk
	}
	if ansi.StringWidth(l) <= w || l == "" || strings.HasPrefix(l, "@@") {
		return style.Render(l)
	}
	marker, text := l[:1], l[1:]
	parts := strings.Split(wordwrap.Hard(text, max(w-2, 10)), "\n")
	for i, p := range parts {
		if i == 0 {
			parts[i] = style.Render(marker + p)
		} else {
			parts[i] = style.Render(marker) + m.st.Dim.Render("…") + style.Render(strings.TrimLeft(p, " "))
		}
	}
	return strings.Join(parts, "\n")
}
