package render

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// word is one word systemd extracts from a command line or a value: its
// text with quotes removed and escapes resolved, and the byte span it was
// read from, so that a rewrite can drop whole words and keep the others as
// written.
type word struct {
	start, end int
	text       string
}

// How extractWords reads, after systemd's extract_first_word flags
// (src/basic/extract-word.c): quotes group words and are removed; C escapes
// (\n, \x41, \s, ...) are resolved or, without cunescape, a backslash keeps
// the next character; relax accepts an unterminated quote or a trailing
// backslash instead of failing.
type extractMode int

const (
	cunescape extractMode = 1 << iota
	relax
)

const separators = " \t\n\r"

var errBadEscape = errors.New("invalid escape or unterminated quote")

// extractWords splits s into words the way systemd does for ExecStart=
// (cunescape), Environment= (cunescape) and a $VAR expanded on a command
// line (relax): white space separates words outside quotes; "..." and '...'
// may appear anywhere in a word; a backslash escapes the next character,
// inside quotes too.
func extractWords(s string, mode extractMode) ([]word, error) {
	var out []word
	i := 0
	for {
		for i < len(s) && strings.IndexByte(separators, s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			return out, nil
		}
		w := word{start: i}
		var b strings.Builder
		var quote byte
	scan:
		for {
			if i >= len(s) {
				if quote != 0 && mode&relax == 0 {
					return out, errBadEscape
				}
				break
			}
			c := s[i]
			switch {
			case quote == 0 && strings.IndexByte(separators, c) >= 0:
				break scan
			case c == '\\':
				n, text, err := unescape(s[i+1:], mode&cunescape != 0)
				if err != nil {
					if mode&relax == 0 {
						return out, err
					}
					n, text = len(s)-i-1, s[i+1:] // keep what follows as it is
				}
				b.WriteString(text)
				i += 1 + n
				continue
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case quote != 0 && c == quote:
				quote = 0
			default:
				b.WriteByte(c)
			}
			i++
		}
		w.end, w.text = i, b.String()
		out = append(out, w)
	}
}

// unescape reads the escape after a backslash: without c-escapes the next
// character stands for itself; with them, systemd's cunescape_one
// (src/basic/escape.c) sequences. It returns how many bytes it read.
func unescape(s string, c bool) (int, string, error) {
	if s == "" {
		return 0, "", errBadEscape
	}
	if !c {
		_, n := utf8.DecodeRuneInString(s)
		return n, s[:n], nil
	}
	if text, ok := charEscapes[s[0]]; ok {
		return 1, text, nil
	}
	switch s[0] {
	case 'x':
		return byteEscape(s, 1, 2, 16) // \xFF
	case 'u':
		return runeEscape(s, 4) // \uFFFF
	case 'U':
		return runeEscape(s, 8) // \UFFFFFFFF
	case '0', '1', '2', '3', '4', '5', '6', '7':
		return byteEscape(s, 0, 3, 8) // \377
	}
	return 0, "", errBadEscape
}

// charEscapes are the one-letter escapes and what they stand for.
var charEscapes = map[byte]string{
	'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v",
	's': " ", '\\': "\\", '"': "\"", '\'': "'",
}

// byteEscape reads a byte written as the n digits in base after skip
// bytes of s; NUL is refused, as systemd refuses it.
func byteEscape(s string, skip, n, base int) (int, string, error) {
	if len(s) >= skip+n {
		if v, err := strconv.ParseUint(s[skip:skip+n], base, 8); err == nil && v != 0 {
			return skip + n, string([]byte{byte(v)}), nil
		}
	}
	return 0, "", errBadEscape
}

// runeEscape reads a code point written as n hex digits after the letter
// of s; NUL and invalid code points are refused.
func runeEscape(s string, n int) (int, string, error) {
	if len(s) > n {
		if v, err := strconv.ParseUint(s[1:1+n], 16, 32); err == nil && v != 0 && utf8.ValidRune(rune(v)) {
			return 1 + n, string(rune(v)), nil
		}
	}
	return 0, "", errBadEscape
}

// joinSpans returns s without the words whose index drop reports, the
// others kept as written and separated by one space: a rewrite drops whole
// words and never leaves double gaps (continued unit lines join with a
// space each, which would otherwise pile up).
func joinSpans(s string, words []word, drop func(i int) bool) string {
	var parts []string
	for i, w := range words {
		if !drop(i) {
			parts = append(parts, s[w.start:w.end])
		}
	}
	return strings.Join(parts, " ")
}
