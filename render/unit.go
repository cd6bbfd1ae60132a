package render

import (
	"bytes"
	"fmt"
	"strings"
)

// unitLine is one logical line of a systemd unit file: a section header, an
// assignment, or anything else (comment, blank), with the physical lines it
// spans so that rewriting can keep what it doesn't touch.
type unitLine struct {
	raw     []string // physical lines, without "\n"
	section string   // header name for a header line, else the section it is in
	header  bool
	key     string // assignment key, "" if not an assignment
	value   string // assignment value with continuations joined
}

// parseUnit splits a unit file the way systemd's config parser does:
// comments start with '#' or ';', a trailing backslash continues the line
// (joined with a space), keys and values are trimmed. Lines systemd would
// ignore (no '=', assignment outside a section) are kept as other lines.
func parseUnit(data []byte) []unitLine {
	// Raw lines keep any "\r" so rewriting changes nothing it doesn't own;
	// TrimSpace below drops it for parsing.
	text := string(data)
	phys := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" {
		phys = nil
	}
	var out []unitLine
	section := ""
	for i := 0; i < len(phys); i++ {
		l := unitLine{raw: []string{phys[i]}, section: section}
		t := strings.TrimSpace(phys[i])
		switch {
		case t == "" || t[0] == '#' || t[0] == ';':
		case t[0] == '[' && strings.HasSuffix(t, "]"):
			section = t[1 : len(t)-1]
			l.section, l.header = section, true
		default:
			// Gather continuation lines; comment lines inside a continued
			// line are skipped, as systemd does.
			logical := t
			for strings.HasSuffix(logical, `\`) && i+1 < len(phys) { // logical was trimmed: a backslash before CRLF continues too
				i++
				l.raw = append(l.raw, phys[i])
				n := strings.TrimSpace(phys[i])
				if n != "" && (n[0] == '#' || n[0] == ';') {
					continue
				}
				logical = strings.TrimSuffix(logical, `\`) + " " + n
			}
			logical = strings.TrimSuffix(logical, `\`)
			if k, v, ok := strings.Cut(logical, "="); ok && section != "" {
				l.key, l.value = strings.TrimSpace(k), strings.TrimSpace(v)
			}
		}
		out = append(out, l)
	}
	return out
}

// execStarts applies one file's ExecStart= assignments in [Service] to list:
// an empty value resets it.
func execStarts(list []string, data []byte) []string {
	for _, l := range parseUnit(data) {
		if l.section != "Service" || l.key != "ExecStart" {
			continue
		}
		if l.value == "" {
			list = nil
			continue
		}
		list = append(list, l.value)
	}
	return list
}

// EffectiveExecStart computes docker.service's effective ExecStart from the
// unit text and its drop-ins, in order. It returns "" when none is set.
func EffectiveExecStart(unit []byte, dropIns ...[]byte) (string, error) {
	list := execStarts(nil, unit)
	for _, d := range dropIns {
		list = execStarts(list, d)
	}
	if len(list) > 1 {
		// Only Type=oneshot may have several; docker.service is Type=notify
		// and systemd refuses it ("has more than one ExecStart= setting").
		return "", fmt.Errorf("docker.service has %d ExecStart= commands in effect; systemd only accepts several for Type=oneshot: fix the unit or its drop-ins first", len(list))
	}
	if len(list) == 0 {
		return "", nil
	}
	return list[0], nil
}

// cmdToken is one word of a command line with its byte span.
type cmdToken struct {
	start, end int
	word       string // unquoted
}

// splitCmd splits a systemd command line into words, honouring "..." and
// '...' quotes and backslash escapes, and keeping each word's span.
func splitCmd(s string) []cmdToken {
	var toks []cmdToken
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		var w bytes.Buffer
		var quote byte
		for i < len(s) {
			c := s[i]
			switch {
			case quote == 0 && (c == ' ' || c == '\t' || c == '\n'):
				goto done
			case c == '\\' && i+1 < len(s) && quote != '\'':
				w.WriteByte(s[i+1])
				i += 2
				continue
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case c == quote:
				quote = 0
			default:
				w.WriteByte(c)
			}
			i++
		}
	done:
		toks = append(toks, cmdToken{start: start, end: i, word: w.String()})
	}
	return toks
}

// SplitHostFlags returns cmdline without its -H/--host options (-H X, -H=X,
// -HX, --host X, --host=X) and the values removed. Everything else is kept
// exactly as written.
func SplitHostFlags(cmdline string) (rest string, hosts []string) {
	toks := splitCmd(cmdline)
	var cut [][2]int // spans to remove, each including its leading space
	from := func(t cmdToken) int {
		// Remove the white space before the word so no double gaps remain.
		j := t.start
		for j > 0 && (cmdline[j-1] == ' ' || cmdline[j-1] == '\t') {
			j--
		}
		return j
	}
	for i := 1; i < len(toks); i++ { // toks[0] is the binary
		t := toks[i]
		w := t.word
		switch {
		case w == "-H" || w == "--host":
			end := t.end
			if i+1 < len(toks) {
				i++
				end = toks[i].end
				hosts = append(hosts, toks[i].word)
			}
			cut = append(cut, [2]int{from(t), end})
		case strings.HasPrefix(w, "--host="):
			hosts = append(hosts, strings.TrimPrefix(w, "--host="))
			cut = append(cut, [2]int{from(t), t.end})
		case strings.HasPrefix(w, "-H"):
			hosts = append(hosts, strings.TrimPrefix(w[2:], "="))
			cut = append(cut, [2]int{from(t), t.end})
		}
	}
	if len(cut) == 0 {
		return cmdline, nil
	}
	var b strings.Builder
	pos := 0
	for _, c := range cut {
		b.WriteString(cmdline[pos:c[0]])
		pos = c[1]
	}
	b.WriteString(cmdline[pos:])
	return b.String(), hosts
}
