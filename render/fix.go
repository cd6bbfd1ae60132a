package render

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// hostFix is how Build takes the -H/--host and --tls* flags off dockerd's
// command line, each where it is written: a word of ExecStart= is left out
// of the override's ExecStart=; a word of a variable set by Environment= is
// left out of the value override.conf redefines it to; a word of a
// variable set by an environment file is taken out of that file.
type hostFix struct {
	drop     map[int]bool      // ExecStart= tokens the override leaves out
	env      []envAssign       // variables override.conf redefines
	files    map[string][]byte // environment files rewritten: real path -> new content
	sockets  []string          // the -H unix:// and fd:// values, which move to "hosts"
	warnings []string
	notes    []string
}

// lateDropIn reports a drop-in that sorts after override.conf, so that its
// settings win over the override's.
func lateDropIn(p string) bool {
	return p != OverridePath && path.Base(path.Dir(p)) == "docker.service.d" && path.Base(p) > path.Base(OverridePath)
}

// sources tells where flag f's words come from: the ExecStart= tokens of
// literal words, the variables of expanded ones, and whether every token it
// touches is entirely inside the flag (so that leaving the tokens out of
// ExecStart= removes exactly the flag).
func (l *launch) sources(f setFlag) (toks []int, defs []*envDef, whole bool) {
	seenTok := map[int]bool{}
	seenDef := map[*envDef]bool{}
	for _, w := range l.args[f.first : f.last+1] {
		if !seenTok[w.tok] {
			seenTok[w.tok] = true
			toks = append(toks, w.tok)
		}
		if w.def != nil && !seenDef[w.def] {
			seenDef[w.def] = true
			defs = append(defs, w.def)
		}
	}
	whole = true
	for i, w := range l.args {
		if seenTok[w.tok] && (i < f.first || i > f.last) {
			whole = false
		}
	}
	return toks, defs, whole
}

// planFix decides where each -H/--host and --tls* flag is removed. Flags it
// cannot remove safely are left for verify to report.
func (d *Detection) planFix(listen string) *hostFix {
	fx := &hostFix{drop: map[int]bool{}, files: map[string][]byte{}}
	vars := &varEdits{words: map[*envDef]map[int]bool{}}
	for _, f := range d.launch.ownedFlags() {
		if where, how, ok := d.removeFlag(fx, vars, f); ok {
			fx.explain(d.launch.written(f), f, where, how, listen, d.ConfigFile)
		}
	}
	d.rewriteVariables(fx, vars)
	return fx
}

// varEdits are the words to take out of each variable (by index among its
// words), the variables in the order first met.
type varEdits struct {
	order []*envDef
	words map[*envDef]map[int]bool
}

func (v *varEdits) drop(def *envDef, words []argWord) {
	if v.words[def] == nil {
		v.words[def] = map[int]bool{}
		v.order = append(v.order, def)
	}
	for _, w := range words {
		v.words[def][w.vi] = true
	}
}

// removeFlag plans where flag f is taken out, and says where it is
// written and how it goes; ok is false when it cannot be taken out safely
// (verify says why and what to do).
func (d *Detection) removeFlag(fx *hostFix, vars *varEdits, f setFlag) (where, how string, ok bool) {
	l := d.launch
	toks, defs, whole := l.sources(f)
	switch {
	case len(defs) == 1 && allFrom(l, f, defs[0]):
		def := defs[0]
		if def.fromFile && !editable(d.files, def.path) || !def.fromFile && lateDropIn(def.path) {
			return "", "", false
		}
		vars.drop(def, l.args[f.first:f.last+1])
		if def.fromFile {
			return def.where(), "docker-tls takes it out of " + def.path, true
		}
		return def.where(), fmt.Sprintf("%s redefines %s without it", OverridePath, def.name), true
	case whole:
		for _, t := range toks {
			fx.drop[t] = true
		}
		return "docker.service", "the override drops it", true
	}
	return "", "", false // words of ExecStart= and of a variable together: verify refuses
}

// explain says what becomes of flag f (written as written, at where,
// removed as how) once cfg sets it.
func (fx *hostFix) explain(written string, f setFlag, where, how, listen, cfg string) {
	if !isHost(f) {
		fx.warnings = append(fx.warnings, fmt.Sprintf("%s passes %s; %s: %s sets %q now, and dockerd refuses a setting given both as a flag and in its configuration file", where, written, how, cfg, f.flag.long))
		return
	}
	h := f.value
	switch {
	case strings.HasPrefix(h, "fd://"):
		// Socket activation: docker.socket listens on the default
		// socket, which daemon.json's hosts takes over.
		fx.sockets = append(fx.sockets, h)
	case strings.HasPrefix(h, "unix://"):
		fx.sockets = append(fx.sockets, h)
		fx.notes = append(fx.notes, fmt.Sprintf("%s passes -H %s; it moves to hosts in %s", where, h, cfg))
	case plainTCP(h):
		fx.warnings = append(fx.warnings, fmt.Sprintf("%s passes -H %s, the unencrypted API; %s", where, h, how))
	case !sameListener(h, listen):
		fx.warnings = append(fx.warnings, fmt.Sprintf("%s passes -H %s; %s, add it to hosts in %s by hand if you still need it", where, h, how, cfg))
	default:
		fx.notes = append(fx.notes, fmt.Sprintf("%s passes -H %s, the TLS listener; it moves to hosts in %s", where, h, cfg))
	}
}

// rewriteVariables rewrites each variable of vars once, every flag of it
// removed: in override.conf for Environment=, in place for environment
// files.
func (d *Detection) rewriteVariables(fx *hostFix, vars *varEdits) {
	byFile := map[string][]*envDef{}
	var paths []string
	for _, def := range vars.order {
		drop := vars.words[def]
		value := joinSpans(def.value, d.launch.words(def), func(i int) bool { return drop[i] })
		if !def.fromFile {
			fx.env = append(fx.env, envAssign{def.name, value})
			continue
		}
		if byFile[def.path] == nil {
			paths = append(paths, def.path)
		}
		e := *def
		e.value = value
		byFile[def.path] = append(byFile[def.path], &e)
	}
	for _, p := range paths {
		data, err := readFile(d.fs, p)
		if err != nil || data == nil {
			continue
		}
		if out, ok := rewriteEnvFile(p, data, byFile[p]); ok {
			fx.files[p] = out
		}
	}
}

// editable reports an environment file docker-tls may rewrite: one under
// /etc (files under /run are made at boot, and a file elsewhere is no
// system configuration), which no EnvironmentFile= glob would read twice by
// also matching its backup (NAME.<time>.bak).
func editable(files []unitFile, p string) bool {
	if !strings.HasPrefix(p, "/etc/") {
		return false
	}
	bak := p + ".2006-01-02T150405Z.bak"
	for _, a := range serviceList(files, "EnvironmentFile") {
		if ok, _ := path.Match(strings.TrimPrefix(resolveSpecifiers(a.value), "-"), bak); ok {
			return false
		}
	}
	return true
}

// allFrom reports a flag whose words all come from def.
func allFrom(l *launch, f setFlag, def *envDef) bool {
	for _, w := range l.args[f.first : f.last+1] {
		if w.def != def {
			return false
		}
	}
	return true
}

// sameListener reports whether host h is the tcp listener listen
// ("HOST:PORT") as dockerd reads them.
func sameListener(h, listen string) bool {
	a, err1 := ParseDockerHost(h)
	b, err2 := ParseDockerHost("tcp://" + listen)
	return err1 == nil && err2 == nil && a == b
}

// rewriteEnvFile returns data with each variable in defs set to its new
// value, written in place of the old one (same line, same quoting where it
// can hold the value); every other byte is kept. ok is false when reading
// the result back does not give exactly the old variables with these
// values changed, and nothing may be written then.
func rewriteEnvFile(p string, data []byte, defs []*envDef) ([]byte, bool) {
	sort.Slice(defs, func(i, j int) bool { return defs[i].valStart > defs[j].valStart })
	out := append([]byte{}, data...)
	want := map[string]string{}
	for _, def := range defs {
		enc := encodeEnvFileValue(def.value, def.style)
		out = append(out[:def.valStart:def.valStart], append([]byte(enc), out[def.valEnd:]...)...)
		want[def.name] = def.value
	}
	before := envValues(parseEnvFile(p, data))
	after := envValues(parseEnvFile(p, out))
	for k, v := range want {
		before[k] = v
	}
	if len(before) != len(after) {
		return nil, false
	}
	for k, v := range before {
		if after[k] != v {
			return nil, false
		}
	}
	return out, true
}

// envValues is what a file sets: the last value of each variable.
func envValues(defs []envDef) map[string]string {
	m := map[string]string{}
	for _, d := range defs {
		m[d.name] = d.value
	}
	return m
}

// verify evaluates docker.service as systemd will run it once override
// and the rewritten environment files are in place: every -H/--tls* flag
// left on the command line is a *ConflictError naming the file, the line
// and the edit to make, and dockerd must still read cfgPath.
func (d *Detection) verify(override []byte, files map[string][]byte, cfgPath string) []error {
	l, err := evaluate(d.filesWith(override), fileReader{fs: d.fs, overlay: files})
	if err != nil {
		return []error{fmt.Errorf("%s: %w", d.UnitPath, err)}
	}
	errs := append([]error{}, l.problems...)
	if l.configFile != cfgPath {
		errs = append(errs, fmt.Errorf("dockerd would read %q, not %s: docker-tls cannot tell which configuration file it uses", l.configFile, cfgPath))
	}
	for _, g := range leftFlags(l) {
		errs = append(errs, d.leftConflict(l, g, cfgPath))
	}
	// Other flags that cfg sets too were there before (docker-tls only adds
	// the keys of the flags it removes): Build reports them where they are
	// now, with preexisting.
	return errs
}

// flagGroup is flags left on the command line, written in one place.
type flagGroup struct {
	p     place
	flags []setFlag
	mixed bool // words partly from ExecStart= and partly from a variable
}

// leftFlags groups l's -H/--tls* flags by the place they are written.
func leftFlags(l *launch) []*flagGroup {
	var groups []*flagGroup
	byPlace := map[string]*flagGroup{}
	for _, f := range l.ownedFlags() {
		_, defs, whole := l.sources(f)
		p := l.wordOrigin(l.args[f.first])
		mixed := len(defs) > 0 && !allFrom(l, f, defs[0]) && !whole
		k := fmt.Sprintf("%s:%d:%s:%v", p.path, p.line, p.what, mixed)
		g := byPlace[k]
		if g == nil {
			g = &flagGroup{p: p, mixed: mixed}
			byPlace[k] = g
			groups = append(groups, g)
		}
		g.flags = append(g.flags, f)
	}
	return groups
}

// leftText is what a conflict of flags left says in every case: the flags
// as written, why dockerd refuses them, and what the configuration file
// sets now instead ("(daemon.json now sets ...)", with how to keep a
// socket).
type leftText struct{ opts, refuse, settled string }

// leftConflict explains why the flags of g are left and what to change.
func (d *Detection) leftConflict(l *launch, g *flagGroup, cfgPath string) *ConflictError {
	var raw []string
	for _, f := range g.flags {
		raw = append(raw, l.written(f))
	}
	t := leftText{
		opts:    strings.Join(raw, " "),
		refuse:  fmt.Sprintf("dockerd would refuse to start (%s set both as a flag and in %s)", setKeys(g.flags), path.Base(cfgPath)),
		settled: fmt.Sprintf("(%s)%s", nowSets(g.flags, cfgPath), keepSockets(g.flags, cfgPath)),
	}
	ce := &ConflictError{Path: g.p.path, Line: g.p.line, Flags: raw}
	def := g.p.def
	switch {
	case g.mixed:
		ce.Reason = fmt.Sprintf("ExecStart= passes %s, whose words come partly from ExecStart= and partly from a variable, so docker-tls cannot take it out without changing what else the variable passes: %s", t.opts, t.refuse)
		ce.Fix = fmt.Sprintf("write %s in one place, then run docker-tls again; or remove it by hand %s", t.opts, t.settled)
	case def != nil && def.fromFile:
		ce.Reason, ce.Fix = d.leftInFile(def, t)
	case def != nil && lateDropIn(def.path):
		ce.Reason = fmt.Sprintf("its Environment= sets %s with %s and this drop-in sorts after override.conf, so it wins over the override's: %s", def.name, t.opts, t.refuse)
		ce.Fix = fmt.Sprintf("remove %s from %s there %s", t.opts, def.name, t.settled)
	case def == nil && lateDropIn(g.p.path):
		ce.Reason = fmt.Sprintf("its ExecStart= passes %s and wins over override.conf's (this drop-in sorts after override.conf): %s", t.opts, t.refuse)
		ce.Fix = fmt.Sprintf("remove %s from its ExecStart %s, or delete its ExecStart= lines so that %s applies", t.opts, t.settled, OverridePath)
	default:
		ce.Reason = fmt.Sprintf("%s passes %s, which docker-tls could not take out: %s", g.p.what, t.opts, t.refuse)
		ce.Fix = fmt.Sprintf("remove %s there %s", t.opts, t.settled)
	}
	return ce
}

// leftInFile explains flags left in def, a variable of an environment file.
func (d *Detection) leftInFile(def *envDef, t leftText) (reason, fix string) {
	switch {
	case strings.HasPrefix(def.path, "/run/"):
		return fmt.Sprintf("%s passes %s, and the file is made at run time, so docker-tls does not edit it: %s", def.where(), t.opts, t.refuse),
			fmt.Sprintf("change what writes %s so that %s leaves out %s %s", def.path, def.name, t.opts, t.settled)
	case !strings.HasPrefix(def.path, "/etc/"):
		return fmt.Sprintf("%s passes %s; docker-tls edits environment files under /etc only: %s", def.where(), t.opts, t.refuse),
			fmt.Sprintf("remove %s from %s there %s", t.opts, def.name, t.settled)
	case !editable(d.files, def.path):
		return fmt.Sprintf("%s passes %s, and an EnvironmentFile= pattern would also read the backup docker-tls keeps beside the file, flags and all: %s", def.where(), t.opts, t.refuse),
			fmt.Sprintf("remove %s from %s there %s, or name the file without a wildcard", t.opts, def.name, t.settled)
	}
	return fmt.Sprintf("%s passes %s, written in a way docker-tls cannot rewrite safely: %s", def.where(), t.opts, t.refuse),
		fmt.Sprintf("remove %s from %s there %s", t.opts, def.name, t.settled)
}

// preexisting lists the flag/file conflicts of the host as it is that are
// not docker-tls's to settle: flags other than -H/--tls* that the
// configuration file sets too.
func (d *Detection) preexisting() []error {
	keys, ok := configKeys(d.DaemonJSON)
	if !ok || d.ConfigFile == "" {
		return nil
	}
	var errs []error
	for _, ce := range d.launch.keyConflicts(d.ConfigFile, keys) {
		if !ce.owned {
			errs = append(errs, ce)
		}
	}
	return errs
}

// flagKeys returns the daemon.json keys flags set, in order, once each.
func flagKeys(flags []setFlag) []string {
	var keys []string
	for _, f := range flags {
		if k := f.key(); !contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// setKeys names the keys flags set: "hosts", or "hosts and tlsverify".
func setKeys(flags []setFlag) string {
	keys := flagKeys(flags)
	if len(keys) == 1 {
		return keys[0]
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " and " + keys[len(keys)-1]
}

// nowSets says that the configuration file now sets what flags did.
func nowSets(flags []setFlag, cfgPath string) string {
	keys := flagKeys(flags)
	name := path.Base(cfgPath)
	if len(keys) == 1 && keys[0] == "hosts" {
		return name + ` "hosts" now sets the sockets`
	}
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	if len(q) == 1 {
		return name + " now sets " + q[0]
	}
	return name + " now sets " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// keepSockets tells how to keep a unix socket the flags pass besides the
// default one, which removing the flag would lose.
func keepSockets(flags []setFlag, cfgPath string) string {
	var socks []string
	for _, f := range flags {
		if isHost(f) && strings.HasPrefix(f.value, "unix://") && !sameSocket(f.value, DefaultSocket) {
			socks = append(socks, f.value)
		}
	}
	if len(socks) == 0 {
		return ""
	}
	return fmt.Sprintf("; to keep %s, add it to \"hosts\" in %s", strings.Join(socks, " and "), cfgPath)
}
