package render

import (
	"strings"
)

// envDef is one variable assignment systemd hands to dockerd: from an
// Environment= line of the unit or a drop-in, or from an EnvironmentFile=.
type envDef struct {
	name, value string
	path        string // real path of the file that sets it
	line        int    // 1-based line of the assignment
	fromFile    bool   // set by an EnvironmentFile= (which wins over Environment=)

	// For EnvironmentFile= assignments: the bytes of the value as written
	// (after "="), and how it was written, for rewriting it in place.
	valStart, valEnd int
	style            byte // '"' or '\'' for one quoted string, 0 for plain text, 'x' for anything else
}

// where names the assignment for messages: "DOCKER_OPTS in /etc/default/docker".
func (e *envDef) where() string {
	return e.name + " in " + e.path
}

// validEnvName is systemd's env_name_is_valid: letters, digits and "_",
// not starting with a digit (src/basic/env-util.c).
func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// parseEnvironment reads the value of one Environment= line: words as
// systemd extracts them (quotes, C escapes), each NAME=VALUE; systemd
// ignores a word that is not a valid assignment, and the whole line when it
// does not parse (load-fragment.c, config_parse_environ). Specifiers are
// resolved as far as a unit file can know them.
func parseEnvironment(value string) (defs []envDef, ok bool) {
	words, err := extractWords(value, cunescape)
	if err != nil {
		return nil, false
	}
	for _, w := range words {
		name, v, found := strings.Cut(resolveSpecifiers(w.text), "=")
		if !found || !validEnvName(name) {
			continue
		}
		defs = append(defs, envDef{name: name, value: v})
	}
	return defs, true
}

// resolveSpecifiers resolves the %-specifiers of docker.service that do not
// depend on the machine: %% is "%", %n the unit name, %N and %p its prefix;
// others are left as written (systemd.unit(5), "Specifiers").
func resolveSpecifiers(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '%':
			b.WriteByte('%')
		case 'n':
			b.WriteString("docker.service")
		case 'N', 'p':
			b.WriteString("docker")
		default:
			b.WriteString(s[i : i+2])
		}
		i++
	}
	return b.String()
}

// parseEnvFile reads an EnvironmentFile= the way systemd does
// (src/basic/env-file.c, parse_env_file_internal): one NAME=VALUE per line;
// "#" and ";" start comments; blank lines and lines without "=" are
// skipped; a plain value keeps inner white space and loses the outer, a
// backslash keeps the next character and a backslash-newline continues the
// line; '...' is taken as it is and may span lines; "..." too, where a
// backslash escapes " \ ` $ and a newline, and is kept before anything
// else. There is no "export" and no expansion: "export X=1" sets nothing
// (its name is invalid, and systemd drops it). Later assignments win.
// Assignments with invalid names are returned too (check validEnvName).
func parseEnvFile(path string, data []byte) []envDef {
	const (
		preKey = iota
		key
		preValue
		value
		valueEscape
		singleQuote
		doubleQuote
		doubleQuoteEscape
		comment
		commentEscape
	)
	var (
		defs      []envDef
		state     = preKey
		line      = 1
		k, v      strings.Builder
		keyLine   int
		valStart  int
		style     byte
		pieces    int // quoted or plain pieces the value is made of
		lastSpace = -1
		keySpace  = -1
	)
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	isNewline := func(c byte) bool { return c == '\n' || c == '\r' }
	push := func(end int, trim bool) {
		name := k.String()
		if keySpace >= 0 {
			name = name[:keySpace]
		}
		val := v.String()
		if trim && lastSpace >= 0 {
			val = val[:lastSpace]
		}
		st := style
		if pieces > 1 {
			st = 'x'
		}
		defs = append(defs, envDef{name: name, value: val, path: path, line: keyLine, fromFile: true, valStart: valStart, valEnd: end, style: st})
		k.Reset()
		v.Reset()
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch state {
		case preKey:
			switch {
			case c == '#' || c == ';':
				state = comment
			case !isSpace(c):
				state, keyLine, keySpace = key, line, -1
				k.Reset()
				k.WriteByte(c)
			}
		case key:
			switch {
			case isNewline(c):
				state = preKey
			case c == '=':
				state, valStart, style, pieces, lastSpace = preValue, i+1, 0, 0, -1
				v.Reset()
			default:
				if !isSpace(c) {
					keySpace = -1
				} else if keySpace < 0 {
					keySpace = k.Len()
				}
				k.WriteByte(c)
			}
		case preValue:
			switch {
			case isNewline(c):
				state = preKey
				push(i, false)
			case c == '\'':
				state, style = singleQuote, '\''
				pieces++
			case c == '"':
				state, style = doubleQuote, '"'
				pieces++
			case c == '\\':
				state, style = valueEscape, 0
				pieces++
			case !isSpace(c):
				state, style = value, 0
				pieces++
				v.WriteByte(c)
			}
		case value:
			switch {
			case isNewline(c):
				state = preKey
				push(i, true)
			case c == '\\':
				state, lastSpace = valueEscape, -1
			default:
				if !isSpace(c) {
					lastSpace = -1
				} else if lastSpace < 0 {
					lastSpace = v.Len()
				}
				v.WriteByte(c)
			}
		case valueEscape:
			state = value
			if !isNewline(c) {
				v.WriteByte(c)
			}
		case singleQuote:
			if c == '\'' {
				state = preValue
			} else {
				v.WriteByte(c)
			}
		case doubleQuote:
			switch c {
			case '"':
				state = preValue
			case '\\':
				state = doubleQuoteEscape
			default:
				v.WriteByte(c)
			}
		case doubleQuoteEscape:
			state = doubleQuote
			switch {
			case strings.IndexByte("\"\\`$", c) >= 0:
				v.WriteByte(c)
			case c != '\n':
				v.WriteByte('\\')
				v.WriteByte(c)
			}
		case comment:
			switch {
			case c == '\\':
				state = commentEscape
			case isNewline(c):
				state = preKey
			}
		case commentEscape:
			if isNewline(c) {
				state = preKey
			} else {
				state = comment
			}
		}
		if c == '\n' {
			line++
		}
	}
	switch state {
	case preValue, valueEscape, singleQuote, doubleQuote, doubleQuoteEscape:
		push(len(data), false)
	case value:
		push(len(data), true)
	}
	return defs
}

// encodeEnvFileValue writes value for an environment file so that systemd
// reads it back exactly and a shell sourcing the file (Red Hat's and
// Debian's init scripts do) reads the same: in the style it had where that
// can hold it, else in double quotes.
func encodeEnvFileValue(value string, style byte) string {
	safe := value != "" && !strings.ContainsAny(value, " \t\r\n\"'\\$`#;&|<>()*?[]{}~!")
	switch {
	case style == 0 && (safe || value == ""):
		return value
	case style == '\'' && !strings.Contains(value, "'"):
		return "'" + value + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(value); i++ {
		if strings.IndexByte("\"\\`$", value[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(value[i])
	}
	b.WriteByte('"')
	return b.String()
}

// encodeEnvironment writes one Environment= assignment so that systemd
// reads back exactly name=value: in double quotes, with backslashes,
// quotes and control characters escaped and "%" doubled (a specifier
// otherwise).
func encodeEnvironment(name, value string) string {
	var b strings.Builder
	b.WriteString(`"` + name + "=")
	for _, r := range value {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '%':
			b.WriteString("%%")
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
