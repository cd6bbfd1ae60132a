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
	p := &envParser{path: path, line: 1, lastSpace: -1, keySpace: -1}
	for i, c := range data {
		envSteps[p.state](p, i, c)
		if c == '\n' {
			p.line++
		}
	}
	switch p.state {
	case envPreValue, envValueEscape, envSingleQuote, envDoubleQuote, envDoubleQuoteEscape:
		p.push(len(data), false)
	case envValue:
		p.push(len(data), true)
	}
	return p.defs
}

// envState is where parseEnvFile is in a line (parse_env_file_internal's
// states).
type envState int

const (
	envPreKey envState = iota
	envKey
	envPreValue
	envValue
	envValueEscape
	envSingleQuote
	envDoubleQuote
	envDoubleQuoteEscape
	envComment
	envCommentEscape
)

// envSteps takes byte c at offset i in each state.
var envSteps = [...]func(p *envParser, i int, c byte){
	envPreKey:            (*envParser).preKey,
	envKey:               (*envParser).key,
	envPreValue:          (*envParser).preValue,
	envValue:             (*envParser).value,
	envValueEscape:       (*envParser).valueEscape,
	envSingleQuote:       (*envParser).singleQuote,
	envDoubleQuote:       (*envParser).doubleQuote,
	envDoubleQuoteEscape: (*envParser).doubleQuoteEscape,
	envComment:           (*envParser).comment,
	envCommentEscape:     (*envParser).commentEscape,
}

// envParser is parseEnvFile's state between bytes.
type envParser struct {
	path      string
	defs      []envDef
	state     envState
	line      int
	k, v      strings.Builder
	keyLine   int
	valStart  int
	style     byte
	pieces    int // quoted or plain pieces the value is made of
	lastSpace int // where trailing white space of a plain value starts, -1 for none
	keySpace  int // where trailing white space of the name starts, -1 for none
}

func envSpace(c byte) bool   { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func envNewline(c byte) bool { return c == '\n' || c == '\r' }

// push ends the assignment at offset end; trim drops the trailing white
// space of a plain value.
func (p *envParser) push(end int, trim bool) {
	name := p.k.String()
	if p.keySpace >= 0 {
		name = name[:p.keySpace]
	}
	val := p.v.String()
	if trim && p.lastSpace >= 0 {
		val = val[:p.lastSpace]
	}
	st := p.style
	if p.pieces > 1 {
		st = 'x'
	}
	p.defs = append(p.defs, envDef{name: name, value: val, path: p.path, line: p.keyLine, fromFile: true, valStart: p.valStart, valEnd: end, style: st})
	p.k.Reset()
	p.v.Reset()
}

func (p *envParser) preKey(_ int, c byte) {
	switch {
	case c == '#' || c == ';':
		p.state = envComment
	case !envSpace(c):
		p.state, p.keyLine, p.keySpace = envKey, p.line, -1
		p.k.Reset()
		p.k.WriteByte(c)
	}
}

func (p *envParser) key(i int, c byte) {
	switch {
	case envNewline(c):
		p.state = envPreKey
	case c == '=':
		p.state, p.valStart, p.style, p.pieces, p.lastSpace = envPreValue, i+1, 0, 0, -1
		p.v.Reset()
	default:
		markSpace(&p.keySpace, c, p.k.Len())
		p.k.WriteByte(c)
	}
}

func (p *envParser) preValue(i int, c byte) {
	switch {
	case envNewline(c):
		p.state = envPreKey
		p.push(i, false)
	case c == '\'':
		p.state, p.style = envSingleQuote, '\''
		p.pieces++
	case c == '"':
		p.state, p.style = envDoubleQuote, '"'
		p.pieces++
	case c == '\\':
		p.state, p.style = envValueEscape, 0
		p.pieces++
	case !envSpace(c):
		p.state, p.style = envValue, 0
		p.pieces++
		p.v.WriteByte(c)
	}
}

func (p *envParser) value(i int, c byte) {
	switch {
	case envNewline(c):
		p.state = envPreKey
		p.push(i, true)
	case c == '\\':
		p.state, p.lastSpace = envValueEscape, -1
	default:
		markSpace(&p.lastSpace, c, p.v.Len())
		p.v.WriteByte(c)
	}
}

// markSpace keeps *mark at the offset (n, the length written before c)
// where the run of spaces that ends the text began: -1 after any other
// byte. The trailing run is then cut in one place.
func markSpace(mark *int, c byte, n int) {
	switch {
	case !envSpace(c):
		*mark = -1
	case *mark < 0:
		*mark = n
	}
}

func (p *envParser) valueEscape(_ int, c byte) {
	p.state = envValue
	if !envNewline(c) {
		p.v.WriteByte(c)
	}
}

func (p *envParser) singleQuote(_ int, c byte) {
	if c == '\'' {
		p.state = envPreValue
	} else {
		p.v.WriteByte(c)
	}
}

func (p *envParser) doubleQuote(_ int, c byte) {
	switch c {
	case '"':
		p.state = envPreValue
	case '\\':
		p.state = envDoubleQuoteEscape
	default:
		p.v.WriteByte(c)
	}
}

// doubleQuoteEscape: a backslash escapes " \ ` $ and a newline, and is
// kept before anything else.
func (p *envParser) doubleQuoteEscape(_ int, c byte) {
	p.state = envDoubleQuote
	switch {
	case strings.IndexByte("\"\\`$", c) >= 0:
		p.v.WriteByte(c)
	case c != '\n':
		p.v.WriteByte('\\')
		p.v.WriteByte(c)
	}
}

func (p *envParser) comment(_ int, c byte) {
	switch {
	case c == '\\':
		p.state = envCommentEscape
	case envNewline(c):
		p.state = envPreKey
	}
}

func (p *envParser) commentEscape(_ int, c byte) {
	if envNewline(c) {
		p.state = envPreKey
	} else {
		p.state = envComment
	}
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
