package render

import "strings"

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

func isHost(f setFlag) bool { return f.flag != nil && f.flag.long == "host" }
