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
	line    int      // 1-based number of its first physical line
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
		l := unitLine{line: i + 1, raw: []string{phys[i]}, section: section}
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

// flagCut is one option removed from a command line.
type flagCut struct {
	raw   string // as written, e.g. "-H fd://" or "--tlscacert=/x"
	key   string // the daemon.json key it sets, e.g. "hosts" or "tlscacert"
	value string // unquoted value, "" for a boolean flag without one
	words int    // how many words it spans
	first string // its first word, unquoted
}

// flagMatch says whether toks[i] starts an option to cut: it returns how
// many words the option spans (1 or 2) and its key and value.
type flagMatch func(toks []cmdToken, i int) (n int, key, value string)

// cutFlags returns cmdline without the options match finds (toks[0], the
// binary, is never one), and those options. Everything else is kept exactly
// as written.
func cutFlags(cmdline string, match flagMatch) (string, []flagCut) {
	toks := splitCmd(cmdline)
	var cut [][2]int // spans to remove, each including its leading space
	var found []flagCut
	for i := 1; i < len(toks); i++ {
		n, key, value := match(toks, i)
		if n == 0 {
			continue
		}
		// Remove the white space before the word so no double gaps remain.
		j := toks[i].start
		for j > 0 && (cmdline[j-1] == ' ' || cmdline[j-1] == '\t') {
			j--
		}
		end := toks[i+n-1].end
		cut = append(cut, [2]int{j, end})
		found = append(found, flagCut{raw: cmdline[toks[i].start:end], key: key, value: value, words: n, first: toks[i].word})
		i += n - 1
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
	return b.String(), found
}

// matchHost finds -H X, -H=X, -HX, --host X and --host=X. A trailing -H
// without a value is cut too but has no value.
func matchHost(toks []cmdToken, i int) (int, string, string) {
	w := toks[i].word
	switch {
	case w == "-H" || w == "--host":
		if i+1 < len(toks) {
			return 2, "hosts", toks[i+1].word
		}
		return 1, "hosts", ""
	case strings.HasPrefix(w, "--host="):
		return 1, "hosts", strings.TrimPrefix(w, "--host=")
	case strings.HasPrefix(w, "-H"):
		return 1, "hosts", strings.TrimPrefix(w[2:], "=")
	}
	return 0, "", ""
}

// TLS options of dockerd that daemon.json now sets: the booleans take no
// separate value word (--tlsverify false would be a stray argument), the
// paths do.
var (
	tlsBoolFlags  = []string{"--tls", "--tlsverify"}
	tlsValueFlags = []string{"--tlscacert", "--tlscert", "--tlskey"}
)

func matchTLS(toks []cmdToken, i int) (int, string, string) {
	w := toks[i].word
	name, value, hasValue := strings.Cut(w, "=")
	switch {
	case contains(tlsBoolFlags, name):
		return 1, name[2:], value
	case contains(tlsValueFlags, name) && hasValue:
		return 1, name[2:], value
	case contains(tlsValueFlags, name) && i+1 < len(toks):
		return 2, name[2:], toks[i+1].word
	case contains(tlsValueFlags, name):
		return 1, name[2:], ""
	}
	return 0, "", ""
}

// matchDaemonJSON finds every option that daemon.json now sets.
func matchDaemonJSON(toks []cmdToken, i int) (int, string, string) {
	if n, k, v := matchHost(toks, i); n > 0 {
		return n, k, v
	}
	return matchTLS(toks, i)
}

// SplitHostFlags returns cmdline without its -H/--host options (-H X, -H=X,
// -HX, --host X, --host=X) and the values removed. Everything else is kept
// exactly as written.
func SplitHostFlags(cmdline string) (rest string, hosts []string) {
	rest, found := cutFlags(cmdline, matchHost)
	for _, f := range found {
		if f.words == 2 || f.first != "-H" && f.first != "--host" { // not a trailing flag without a value
			hosts = append(hosts, f.value)
		}
	}
	return rest, hosts
}

// SplitTLSFlags returns cmdline without its --tls, --tlsverify, --tlscacert,
// --tlscert and --tlskey options (--tlsverify, --tlsverify=true,
// --tlscacert /x, --tlscacert=/x), and the options removed as written.
// daemon.json sets these keys, and dockerd refuses to start when a setting
// is given both as a flag and in daemon.json.
func SplitTLSFlags(cmdline string) (rest string, flags []string) {
	rest, found := cutFlags(cmdline, matchTLS)
	for _, f := range found {
		flags = append(flags, f.raw)
	}
	return rest, flags
}
