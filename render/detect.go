package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// unitDirs are systemd's system unit directories, highest priority first
// (systemd.unit(5), "Unit File Load Path").
var unitDirs = []string{
	"/etc/systemd/system",
	"/run/systemd/system",
	"/usr/lib/systemd/system",
	"/lib/systemd/system",
}

// Detection is what Detect found on the host (under Root).
type Detection struct {
	Root                  string
	UnitPath              string   // real path of the docker.service that won, "" if none
	DropIns               []string // real paths of the drop-ins applied, in order
	ExecStart             string   // effective ExecStart as written, "" if none
	HostFlags             []string // the -H/--host values in ExecStart, e.g. ["fd://"]
	TLSFlags              []string // the --tls* options in ExecStart as written, e.g. ["--tlsverify", "--tlscacert /x"]
	DaemonJSON            []byte   // current content; nil when absent
	DaemonJSONExists      bool
	Override              []byte // current override.conf; nil when absent
	DefaultDockerConflict string // non-empty: DOCKER_OPTS in /etc/default/docker, which docker.service uses, passes -H or --tls*; says what to change
	Snap                  bool   // Docker installed as a snap
	Rootless              bool   // a rootless (user-level) Docker was found
	Warnings              []string

	files    []unitFile // the unit, then its drop-ins in order
	defaults []byte     // /etc/default/docker; nil when absent
}

// unitFile is the unit or one of its drop-ins, by real path.
type unitFile struct {
	path string
	data []byte
}

// Detect reads docker's configuration under root. Missing files are not
// errors; unreadable ones and directories in place of files are.
func Detect(root string) (*Detection, error) {
	d := &Detection{Root: root}
	var err error

	if d.UnitPath, err = findUnit(root); err != nil {
		return nil, err
	}
	var unit []byte
	var dropIns [][]byte
	if d.UnitPath != "" {
		if unit, err = readFile(root, d.UnitPath); err != nil {
			return nil, err
		}
		if d.DropIns, err = findDropIns(root); err != nil {
			return nil, err
		}
		d.files = []unitFile{{d.UnitPath, unit}}
		for _, p := range d.DropIns {
			b, err := readFile(root, p)
			if err != nil {
				return nil, err
			}
			dropIns = append(dropIns, b)
			d.files = append(d.files, unitFile{p, b})
		}
		if d.ExecStart, err = EffectiveExecStart(unit, dropIns...); err != nil {
			return nil, fmt.Errorf("%s: %w", d.UnitPath, err)
		}
		_, d.HostFlags = SplitHostFlags(d.ExecStart)
		_, d.TLSFlags = SplitTLSFlags(d.ExecStart)
		d.Warnings = append(d.Warnings, lateDropInWarning(d.DropIns, dropIns)...)
	}

	if d.DaemonJSON, err = readFile(root, DaemonJSONPath); err != nil {
		return nil, err
	}
	d.DaemonJSONExists = d.DaemonJSON != nil
	if d.Override, err = readFile(root, OverridePath); err != nil {
		return nil, err
	}
	if d.defaults, err = readFile(root, DefaultDockerPath); err != nil {
		return nil, err
	}
	conflict, note := defaultDockerCheck(d.defaults, d.ExecStart, environmentFiles(d.files))
	if conflict != nil {
		d.DefaultDockerConflict = conflict.Error()
	}
	if note != "" {
		d.Warnings = append(d.Warnings, note)
	}

	d.Snap = exists(root, "/var/snap/docker/current/config/daemon.json") || exists(root, "/snap/bin/dockerd")
	d.Rootless = strings.Contains(d.ExecStart, "dockerd-rootless")
	userUnits, _ := filepath.Glob(Join(root, "/home/*/.config/systemd/user/docker.service"))
	if exists(root, "/root/.config/systemd/user/docker.service") || len(userUnits) > 0 {
		d.Rootless = true
	}
	if d.UnitPath != "" && !strings.Contains(d.ExecStart, "dockerd-rootless") {
		if d.Rootless {
			d.Warnings = append(d.Warnings, "a rootless (user) docker.service exists too; only the system daemon is configured")
		}
		if d.Snap {
			d.Warnings = append(d.Warnings, "the docker snap is installed too; only the system docker.service is configured")
		}
	}
	return d, nil
}

// findUnit returns the real path of docker.service in the highest-priority
// unit directory, "" if none.
func findUnit(root string) (string, error) {
	for _, dir := range unitDirs {
		p := path.Join(dir, "docker.service")
		fi, err := os.Lstat(Join(root, p))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("look for docker.service: %w", err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(Join(root, p))
			if err != nil {
				return "", fmt.Errorf("look for docker.service: %w", err)
			}
			if target == "/dev/null" {
				return "", fmt.Errorf("%s is masked (a link to /dev/null): unmask it with systemctl unmask docker.service", p)
			}
			// An absolute link points inside root, not at the host.
			if path.IsAbs(target) {
				return target, nil
			}
			return path.Join(dir, target), nil
		}
		return p, nil
	}
	return "", nil
}

// findDropIns returns docker.service.d/*.conf across the unit directories,
// sorted by file name; a name in a higher-priority directory hides the same
// name lower down (systemd.unit(5), "drop-in").
func findDropIns(root string) ([]string, error) {
	byName := map[string]string{}
	for _, dir := range unitDirs {
		dd := path.Join(dir, "docker.service.d")
		ents, err := os.ReadDir(Join(root, dd))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read drop-ins: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".conf") {
				continue
			}
			if _, ok := byName[e.Name()]; !ok {
				byName[e.Name()] = path.Join(dd, e.Name())
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out, nil
}

// lateDropInWarning warns about drop-ins that sort after override.conf and set
// ExecStart: they would win over ours.
func lateDropInWarning(paths []string, data [][]byte) []string {
	var w []string
	for i, p := range paths {
		if path.Base(p) > path.Base(OverridePath) && hasExecStart(data[i]) {
			w = append(w, fmt.Sprintf("%s sets ExecStart and sorts after override.conf, so it wins over it: move its ExecStart into %s or remove it", p, OverridePath))
		}
	}
	return w
}

// filesWith returns d's unit files as systemd reads them once override
// (nil: none) is written to OverridePath: it hides a drop-in of the same name
// in a lower-priority directory, and sorts among the others by name.
func (d *Detection) filesWith(override []byte) []unitFile {
	if len(d.files) == 0 {
		return nil
	}
	out := []unitFile{d.files[0]}
	name := path.Base(OverridePath)
	placed := override == nil
	for _, f := range d.files[1:] {
		b := path.Base(f.path)
		if b == name {
			continue
		}
		if !placed && b > name {
			out = append(out, unitFile{OverridePath, override})
			placed = true
		}
		out = append(out, f)
	}
	if !placed {
		out = append(out, unitFile{OverridePath, override})
	}
	return out
}

// assignment is one key=value of a unit file's [Service] section.
type assignment struct {
	value string
	path  string
	line  int
}

// serviceList applies the [Service] assignments of key across files, in
// order, the way systemd builds list settings: an empty value resets the
// list.
func serviceList(files []unitFile, key string) []assignment {
	var list []assignment
	for _, f := range files {
		for _, l := range parseUnit(f.data) {
			if l.section != "Service" || l.key != key {
				continue
			}
			if l.value == "" {
				list = nil
				continue
			}
			list = append(list, assignment{l.value, f.path, l.line})
		}
	}
	return list
}

// environmentFiles returns the EnvironmentFile= paths (or patterns) in
// effect, without the "-" that makes a missing file fine.
func environmentFiles(files []unitFile) []string {
	var out []string
	for _, a := range serviceList(files, "EnvironmentFile") {
		out = append(out, strings.TrimPrefix(a.value, "-"))
	}
	return out
}

// dockerOptsRef matches $DOCKER_OPTS and ${DOCKER_OPTS}, not $DOCKER_OPTS_X.
var dockerOptsRef = regexp.MustCompile(`\$(DOCKER_OPTS\b|\{DOCKER_OPTS\})`)

// defaultDockerCheck looks at the DOCKER_OPTS that wins in
// /etc/default/docker (the last assignment): if it passes -H or --tls*
// while docker.service loads the file and expands $DOCKER_OPTS in
// execStart, dockerd would refuse to start next to daemon.json's settings,
// a conflict; if the unit doesn't use it, only a warning.
func defaultDockerCheck(data []byte, execStart string, envFiles []string) (*ConflictError, string) {
	var line int
	var flags []flagCut
	for i, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "export "))
		v, ok := strings.CutPrefix(t, "DOCKER_OPTS=")
		if !ok {
			continue
		}
		// DOCKER_OPTS="..." is quoted; splitCmd unquotes it the same way.
		var words []string
		for _, tok := range splitCmd(v) {
			words = append(words, tok.word)
		}
		line = i + 1
		_, flags = cutFlags("x "+strings.Join(words, " "), matchDaemonJSON)
	}
	if len(flags) == 0 {
		return nil, ""
	}
	var raw []string
	for _, f := range flags {
		raw = append(raw, f.raw)
	}
	opts := strings.Join(raw, " ")
	loaded := false
	for _, pat := range envFiles {
		if ok, _ := path.Match(pat, DefaultDockerPath); ok {
			loaded = true
		}
	}
	switch {
	case !dockerOptsRef.MatchString(execStart):
		return nil, fmt.Sprintf("%s:%d sets DOCKER_OPTS with %s, which docker.service does not use; remove it to avoid confusion", DefaultDockerPath, line, opts)
	case !loaded:
		return nil, fmt.Sprintf("%s:%d sets DOCKER_OPTS with %s, but docker.service does not load %s (no EnvironmentFile= for it); remove it to avoid confusion", DefaultDockerPath, line, opts, DefaultDockerPath)
	}
	return &ConflictError{
		Path: DefaultDockerPath, Line: line, Flags: raw,
		Reason: fmt.Sprintf("DOCKER_OPTS passes %s and docker.service's ExecStart expands $DOCKER_OPTS: dockerd would refuse to start (%s set both as a flag and in daemon.json)", opts, setKeys(flags)),
		Fix:    fmt.Sprintf("remove %s from DOCKER_OPTS in %s (%s)%s", opts, DefaultDockerPath, nowSets(flags), keepSockets(flags)),
	}, ""
}

// flagKeys returns the daemon.json keys flags set, in order, once each.
func flagKeys(flags []flagCut) []string {
	var keys []string
	for _, f := range flags {
		if !contains(keys, f.key) {
			keys = append(keys, f.key)
		}
	}
	return keys
}

// setKeys names the keys flags set: "hosts", or "hosts and tlsverify".
func setKeys(flags []flagCut) string {
	keys := flagKeys(flags)
	if len(keys) == 1 {
		return keys[0]
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " and " + keys[len(keys)-1]
}

// nowSets says that daemon.json now sets what flags did.
func nowSets(flags []flagCut) string {
	keys := flagKeys(flags)
	if len(keys) == 1 && keys[0] == "hosts" {
		return `daemon.json "hosts" now sets the sockets`
	}
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	if len(q) == 1 {
		return "daemon.json now sets " + q[0]
	}
	return "daemon.json now sets " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// keepSockets tells how to keep a unix socket the flags pass besides the
// default one, which removing the flag would lose.
func keepSockets(flags []flagCut) string {
	var socks []string
	for _, f := range flags {
		if f.key == "hosts" && strings.HasPrefix(f.value, "unix://") && !sameSocket(f.value, DefaultSocket) {
			socks = append(socks, f.value)
		}
	}
	if len(socks) == 0 {
		return ""
	}
	return fmt.Sprintf("; to keep %s, add it to \"hosts\" in %s", strings.Join(socks, " and "), DaemonJSONPath)
}

// readFile reads the real path p under root: nil, nil when absent; an error
// naming the path when it is a directory or unreadable.
func readFile(root, p string) ([]byte, error) {
	b, err := os.ReadFile(Join(root, p))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		if fi, serr := os.Stat(Join(root, p)); serr == nil && fi.IsDir() {
			return nil, fmt.Errorf("%s is a directory, expected a file: move it away", p)
		}
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if b == nil {
		b = []byte{} // present but empty is not absent
	}
	return b, nil
}

func exists(root, p string) bool {
	_, err := os.Lstat(Join(root, p))
	return err == nil
}
