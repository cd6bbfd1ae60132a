package wordwrap

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Shell indents cmd and splits it at spaces outside quotes, ending each
// line but the last with " \", so that every line fits w when it can. A
// double-quoted word still too wide is split after its commas with a bare
// "\": inside double quotes the shell removes backslash-newline, so the
// next piece starts at the first column (an indent there would become part
// of the word). What cannot be split stays whole, wider than w.
func Shell(cmd string, w int, indent string) string {
	var lines []string
	line := indent
	for _, word := range shellWords(cmd) {
		switch {
		case line == indent:
			line += word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word)+2 > w:
			lines = append(lines, line+" \\")
			line = indent + "  " + word
		default:
			line += " " + word
		}
		if ansi.StringWidth(line) > w {
			pieces := splitQuoted(line, w)
			lines = append(lines, pieces[:len(pieces)-1]...)
			line = pieces[len(pieces)-1]
		}
	}
	return strings.Join(append(lines, line), "\n")
}

// shellWords splits a command at spaces outside quotes.
func shellWords(cmd string) []string {
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
	return words
}

// splitQuoted splits a line that ends in a double-quoted word after commas
// inside the quotes, each piece but the last ending in "\", so that each
// fits w where it can. A line without such a place stays as it is.
func splitQuoted(line string, w int) []string {
	q1, q2 := strings.IndexByte(line, '"'), strings.LastIndexByte(line, '"')
	if q1 < 0 || q2 == q1 || strings.Count(line, `"`) != 2 {
		return []string{line}
	}
	var out []string
	start := 0
	for ansi.StringWidth(line[start:]) > w {
		cut := -1
		for i := max(start, q1+1); i < q2; i++ {
			if line[i] != ',' {
				continue
			}
			if cut < 0 || ansi.StringWidth(line[start:i+1])+1 <= w {
				cut = i
			}
			if ansi.StringWidth(line[start:i+1])+1 > w {
				break
			}
		}
		if cut < 0 {
			break
		}
		out = append(out, line[start:cut+1]+`\`)
		start = cut + 1
	}
	return append(out, line[start:])
}
