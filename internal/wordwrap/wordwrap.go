// Package wordwrap wraps text for a terminal at spaces only: a path such as
// /etc/docker/tls/ca/ca-key.pem or a flag such as rsa-4096 is never split at
// its hyphen (ansi.Wrap and lipgloss.Wrap always break there). Both front
// ends use it: the wizard's screens and the commands' help and status.
//
//	fmt.Println(wordwrap.Hard("ERROR: wrong CA passphrase: it does not open /etc/docker/tls/ca/ca-key.pem", 40))
package wordwrap

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Hard wraps each line of s to width cells, breaking at spaces; a word
// wider than width is cut at the width (for prose on a very narrow
// screen). Escape sequences (colours) count for nothing.
func Hard(s string, width int) string { return wrap(s, width, true) }

func wrap(s string, width int, hard bool) string {
	if width < 1 {
		return s
	}
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, wrapLine(l, width, hard)...)
	}
	return strings.Join(out, "\n")
}

func wrapLine(l string, width int, hard bool) []string {
	if ansi.StringWidth(l) <= width {
		return []string{l}
	}
	// Leading spaces are the line's indentation: kept on the first line.
	body := strings.TrimLeft(l, " ")
	line := l[:len(l)-len(body)]
	lw := ansi.StringWidth(line)
	var out []string
	for _, word := range strings.Split(body, " ") {
		ww := ansi.StringWidth(word)
		switch {
		case lw == 0 || strings.TrimSpace(ansi.Strip(line)) == "":
			line += word
			lw += ww
		case lw+1+ww <= width:
			line += " " + word
			lw += 1 + ww
		default:
			out = append(out, line)
			line, lw = word, ww
		}
		if hard && lw > width {
			cut := strings.Split(ansi.Hardwrap(line, width, true), "\n")
			out = append(out, cut[:len(cut)-1]...)
			line = cut[len(cut)-1]
			lw = ansi.StringWidth(line)
		}
	}
	return append(out, line)
}

// Hang wraps s after a prefix ("! ", "  - "), indenting the lines that
// follow under the text, not under the prefix.
func Hang(prefix, s string, width int) string {
	pw := ansi.StringWidth(prefix)
	lines := strings.Split(wrap(s, width-pw, true), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", pw) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
