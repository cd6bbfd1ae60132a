package render

import (
	"fmt"
	"path"
	"strings"

	"github.com/docker-tls/docker-tls/hostfs"
)

// execLine is docker.service's effective ExecStart= and where it is set.
type execLine struct {
	value string // as written, continuations joined
	path  string // real path of the unit file or drop-in that sets it
	line  int
	toks  []word // its words, as systemd extracts them
	argv0 int    // index of the token systemd passes as argv[0]: 1 with the "@" prefix, else 0
	noEnv bool   // ":" prefix: systemd expands no variables
}

// argWord is one argument dockerd receives and where it comes from.
type argWord struct {
	text string
	tok  int     // index of the ExecStart= token it comes from
	def  *envDef // the variable a whole-word $VAR token expanded to this word; nil for other tokens
	vi   int     // index of the word among def's words
	refs []string
}

// launch is how systemd starts dockerd: the effective ExecStart= with
// every variable expanded, as systemd builds it (systemd.service(5),
// "Command lines"; systemd.exec(5), Environment=, EnvironmentFile= and
// UnsetEnvironment=).
type launch struct {
	exec     *execLine // nil: no ExecStart
	env      map[string]*envDef
	envWords map[*envDef][]word // each variable's value split into words ($VAR)
	binary   string
	args     []argWord
	parsed   dockerdArgs
	envFiles []string // environment files read, in order

	// configFile is the daemon.json dockerd reads: --config-file's value or
	// DaemonJSONPath; "" when --config-file= (empty) turns it off.
	configFile string
	configFlag bool // --config-file is on the command line

	problems []error  // what stops dockerd now, whatever daemon.json says
	warnings []string // what docker-tls cannot check
}

// fileReader reads a real path of the tree (nil, nil when absent), and
// lists the real paths a glob pattern matches.
type fileReader struct {
	fs      *hostfs.FS
	overlay map[string][]byte // files as they will be once written
}

func (r fileReader) read(p string) ([]byte, error) {
	if b, ok := r.overlay[p]; ok {
		return b, nil
	}
	return readFile(r.fs, p)
}

func (r fileReader) glob(pattern string) []string { return glob(r.fs, pattern) }

// execStart is docker.service's effective ExecStart= across its unit
// files, in order (an empty one resets the list); nil when none is set.
func execStart(files []unitFile) (*assignment, error) {
	list := serviceList(files, "ExecStart")
	if len(list) > 1 {
		// Only Type=oneshot may have several; docker.service is Type=notify
		// and systemd refuses it ("has more than one ExecStart= setting").
		return nil, fmt.Errorf("docker.service has %d ExecStart= commands in effect; systemd only accepts several for Type=oneshot: fix the unit or its drop-ins first", len(list))
	}
	if len(list) == 0 {
		return nil, nil
	}
	return &list[0], nil
}

// evaluate builds the launch of docker.service from its unit files (the
// unit, then its drop-ins in order), reading environment files through r.
func evaluate(files []unitFile, r fileReader) (*launch, error) {
	l := &launch{env: map[string]*envDef{}, envWords: map[*envDef][]word{}, configFile: DaemonJSONPath}
	a, err := execStart(files)
	if err != nil {
		return nil, err
	}
	l.setEnvironment(files)
	for _, a := range serviceList(files, "EnvironmentFile") {
		if err := l.readEnvironmentFile(a, r); err != nil {
			return nil, err
		}
	}
	l.unsetEnvironment(files)
	if a == nil {
		return l, nil
	}
	if err := l.parseExecStart(a); err != nil {
		return nil, err
	}
	l.checkFlags()
	l.checkPositional()
	return l, nil
}

// setEnvironment applies Environment=: later assignments win; an empty one
// clears the list.
func (l *launch) setEnvironment(files []unitFile) {
	for _, a := range serviceList(files, "Environment") {
		defs, ok := parseEnvironment(a.value)
		if !ok {
			l.warnings = append(l.warnings, fmt.Sprintf("%s:%d: systemd ignores this Environment= line: its quoting or escapes do not parse", a.path, a.line))
		}
		for i := range defs {
			d := defs[i]
			d.path, d.line = a.path, a.line
			l.env[d.name] = &d
		}
	}
}

// readEnvironmentFile applies one EnvironmentFile= (called in order): each
// file it names overrides Environment= and the files before it.
func (l *launch) readEnvironmentFile(a assignment, r fileReader) error {
	pattern := resolveSpecifiers(a.value)
	optional := strings.HasPrefix(pattern, "-")
	pattern = strings.TrimPrefix(pattern, "-")
	if !path.IsAbs(pattern) {
		l.warnings = append(l.warnings, fmt.Sprintf("%s:%d: EnvironmentFile=%s is not an absolute path, and systemd ignores it: make it absolute", a.path, a.line, pattern))
		return nil
	}
	found := false
	for _, p := range r.glob(pattern) {
		data, err := r.read(p)
		if err != nil {
			return err
		}
		if data != nil {
			found = true
			l.loadEnvFile(p, data)
		}
	}
	switch {
	case found || optional:
	case strings.HasPrefix(pattern, "/run/"):
		l.warnings = append(l.warnings, fmt.Sprintf("%s:%d: EnvironmentFile=%s is made at run time and is not here to check", a.path, a.line, pattern))
	default:
		l.warnings = append(l.warnings, fmt.Sprintf("%s:%d: EnvironmentFile=%s does not exist, and without a \"-\" in front systemd will not start docker.service until it does: create it, or write EnvironmentFile=-%s", a.path, a.line, pattern, pattern))
	}
	return nil
}

// loadEnvFile sets the variables of the environment file p.
func (l *launch) loadEnvFile(p string, data []byte) {
	l.envFiles = append(l.envFiles, p)
	for _, d := range parseEnvFile(p, data) {
		if validEnvName(d.name) {
			l.env[d.name] = &d
			continue
		}
		if n, ok := strings.CutPrefix(d.name, "export "); ok && validEnvName(strings.TrimSpace(n)) {
			l.warnings = append(l.warnings, fmt.Sprintf("%s:%d: systemd ignores \"export %s=...\" (an environment file is no shell script): write %s=... to set it", p, d.line, strings.TrimSpace(n), strings.TrimSpace(n)))
		}
	}
}

// unsetEnvironment applies UnsetEnvironment=: NAME drops the variable,
// NAME=VALUE only that value.
func (l *launch) unsetEnvironment(files []unitFile) {
	for _, a := range serviceList(files, "UnsetEnvironment") {
		words, _ := extractWords(a.value, cunescape|relax)
		for _, w := range words {
			name, value, assign := strings.Cut(resolveSpecifiers(w.text), "=")
			if def := l.env[name]; def != nil && (!assign || def.value == value) {
				delete(l.env, name)
			}
		}
	}
}

// parseExecStart splits ExecStart= a into words, takes its prefixes off
// the binary, expands the arguments and parses them as dockerd does.
func (l *launch) parseExecStart(a *assignment) error {
	l.exec = &execLine{value: a.value, path: a.path, line: a.line}
	toks, err := extractWords(a.value, cunescape)
	if err != nil || len(toks) == 0 {
		return fmt.Errorf("%s:%d: ExecStart=%s does not parse (%v): systemd would refuse it too; fix its quoting", a.path, a.line, a.value, err)
	}
	l.exec.toks = toks
	bin := toks[0].text
	for bin != "" && strings.IndexByte("@-:+!", bin[0]) >= 0 {
		switch bin[0] {
		case '@':
			l.exec.argv0 = 1
		case ':':
			l.exec.noEnv = true
		}
		bin = bin[1:]
	}
	l.binary = resolveSpecifiers(bin)
	for i := 1 + l.exec.argv0; i < len(toks); i++ {
		l.args = append(l.args, l.expand(i)...)
	}
	words := make([]string, len(l.args))
	for i, w := range l.args {
		words[i] = w.text
	}
	l.parsed = parseDockerdArgs(words)
	return nil
}

// checkFlags warns about flags dockerd does not know and takes
// --config-file, which must be absolute.
func (l *launch) checkFlags() {
	var configFlag setFlag
	for _, f := range l.parsed.flags {
		switch {
		case f.flag == nil:
			l.warnings = append(l.warnings, fmt.Sprintf("%s passes %s, a flag dockerd does not know (a distribution's patched dockerd?): docker-tls cannot tell whether it conflicts with daemon.json", l.origin(f), l.written(f)))
		case f.flag.long == "config-file":
			l.configFlag, l.configFile, configFlag = true, f.value, f
		}
	}
	if l.configFlag && l.configFile != "" && !path.IsAbs(l.configFile) {
		l.problems = append(l.problems, fmt.Errorf("%s passes %s, a relative path dockerd resolves from its working directory: make it absolute", l.origin(configFlag), l.written(configFlag)))
	}
}

// checkPositional refuses arguments that are no flag: dockerd accepts
// none. "daemon" is the "docker daemon" form of Docker before 1.13.
func (l *launch) checkPositional() {
	if len(l.parsed.positional) == 0 {
		return
	}
	var pos []string
	for _, i := range l.parsed.positional {
		pos = append(pos, l.args[i].text)
	}
	first := l.args[l.parsed.positional[0]]
	where := l.wordOrigin(first)
	if pos[0] == "daemon" {
		l.problems = append(l.problems, &ConflictError{Path: where.path, Line: where.line, Flags: pos[:1],
			Reason: fmt.Sprintf("%s runs %s daemon ..., the \"docker daemon\" form of Docker 1.8 to 1.12, which reads no daemon.json before 1.10; dockerd since 1.13 refuses the argument", where.what, l.binary),
			Fix:    "upgrade Docker (its unit then runs dockerd without \"daemon\"), then run docker-tls again"})
		return
	}
	fix := "remove it, or put back the flag it belonged to"
	if pos[0] == "" && len(first.refs) > 0 {
		fix = fmt.Sprintf("write $%s instead of ${%s}: systemd splits $%s into words and passes nothing when it is unset or empty", first.refs[0], first.refs[0], first.refs[0])
	}
	l.problems = append(l.problems, &ConflictError{Path: where.path, Line: where.line, Flags: pos,
		Reason: fmt.Sprintf("%s passes %s, which is no flag nor a flag's value: dockerd accepts no arguments and refuses to start", where.what, strings.Join(quoteAll(pos), " ")),
		Fix:    fix})
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// expand returns the words token i becomes: a whole-word $NAME is split
// into words (quotes respected), zero if NAME is unset; ${NAME} inside a
// word is replaced as it is, and "$$" is "$" (systemd's replace_env_argv,
// src/basic/env-util.c).
func (l *launch) expand(i int) []argWord {
	t := resolveSpecifiers(l.exec.toks[i].text)
	if l.exec.noEnv {
		return []argWord{{text: t, tok: i}}
	}
	if len(t) > 1 && t[0] == '$' && t[1] != '{' && t[1] != '$' {
		def := l.env[t[1:]]
		if def == nil || !validEnvName(t[1:]) {
			return nil
		}
		var out []argWord
		for vi, w := range l.words(def) {
			out = append(out, argWord{text: w.text, tok: i, def: def, vi: vi})
		}
		return out
	}
	var b strings.Builder
	var refs []string
	for j := 0; j < len(t); j++ {
		if t[j] != '$' || j+1 == len(t) {
			b.WriteByte(t[j])
			continue
		}
		switch t[j+1] {
		case '$':
			b.WriteByte('$')
			j++
		case '{':
			end := strings.IndexByte(t[j+2:], '}')
			name := ""
			if end >= 0 {
				name = t[j+2 : j+2+end]
			}
			if end < 0 || strings.Contains(name, ":") {
				b.WriteByte('$') // not a reference systemd replaces
				continue
			}
			if def := l.env[name]; def != nil && validEnvName(name) {
				b.WriteString(def.value)
			}
			refs = append(refs, name)
			j += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return []argWord{{text: b.String(), tok: i, refs: refs}}
}

// words splits a variable's value as a whole-word $NAME is split.
func (l *launch) words(def *envDef) []word {
	if w, ok := l.envWords[def]; ok {
		return w
	}
	w, _ := extractWords(def.value, relax)
	l.envWords[def] = w
	return w
}

// written is a flag as dockerd receives it, e.g. "-H fd://".
func (l *launch) written(f setFlag) string {
	if f.first > f.last || f.last >= len(l.args) {
		return ""
	}
	parts := make([]string, 0, f.last-f.first+1)
	for _, w := range l.args[f.first : f.last+1] {
		parts = append(parts, w.text)
	}
	return strings.Join(parts, " ")
}

// place is where a flag is written, for messages.
type place struct {
	path string
	line int
	what string // "docker.service's ExecStart=", "DOCKER_OPTS in /etc/default/docker"
	def  *envDef
}

// wordOrigin says where one argument is written: the variable that
// expanded to it, or the ExecStart= line.
func (l *launch) wordOrigin(w argWord) place {
	if w.def != nil {
		return place{path: w.def.path, line: w.def.line, what: w.def.where(), def: w.def}
	}
	what := "ExecStart="
	if len(w.refs) > 0 {
		what = fmt.Sprintf("ExecStart= (with ${%s})", strings.Join(w.refs, "}, ${"))
	}
	return place{path: l.exec.path, line: l.exec.line, what: what}
}

// origin describes where flag f is written; a flag whose words come from
// several places is described by its first word's place.
func (l *launch) origin(f setFlag) string {
	if f.first >= len(l.args) || f.first > f.last {
		return fmt.Sprintf("%s:%d ExecStart=", l.exec.path, l.exec.line)
	}
	p := l.wordOrigin(l.args[f.first])
	return fmt.Sprintf("%s:%d %s", p.path, p.line, p.what)
}

// Command is the effective command line, binary first.
func (l *launch) command() []string {
	if l.exec == nil {
		return nil
	}
	out := []string{l.binary}
	for _, w := range l.args {
		out = append(out, w.text)
	}
	return out
}

// ownedFlags are the -H/--host and --tls* flags, which daemon.json takes over.
func (l *launch) ownedFlags() []setFlag {
	var out []setFlag
	for _, f := range l.parsed.flags {
		if f.daemonJSONOwned() {
			out = append(out, f)
		}
	}
	return out
}
