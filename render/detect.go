package render

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/docker-tls/docker-tls/hostfs"
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
	Root      string
	UnitPath  string   // real path of the docker.service that won (symbolic links followed), "" if none
	DropIns   []string // real paths of the drop-ins applied, in order
	ExecStart string   // effective ExecStart as written, "" if none
	// Command is the command line dockerd receives, binary first, built as
	// systemd builds it: Environment= and every EnvironmentFile= applied,
	// $VAR split into words and ${VAR} replaced. nil without ExecStart.
	Command   []string
	EnvFiles  []string // the environment files systemd reads for it, in order
	HostFlags []string // the -H/--host values on Command, e.g. ["fd://"]
	TLSFlags  []string // the --tls* options on Command, e.g. ["--tlsverify", "--tlscacert /x"]
	// ConfigFile is the configuration file dockerd reads: --config-file's
	// value, else /etc/docker/daemon.json; "" when --config-file= (empty)
	// turns it off.
	ConfigFile       string
	DaemonJSON       []byte // ConfigFile's content; nil when absent
	DaemonJSONExists bool
	Override         []byte // current override.conf; nil when absent
	Snap             bool   // Docker installed as a snap
	Rootless         bool   // a rootless (user-level) Docker was found
	// InitScript is /etc/init.d/docker's init system when no
	// docker.service exists: "OpenRC" or "SysV"; "" otherwise.
	InitScript string
	Warnings   []string

	fs     *hostfs.FS // the tree under Root, every read goes through it
	files  []unitFile // the unit, then its drop-ins in order
	launch *launch    // nil without a unit
}

// unitFile is the unit or one of its drop-ins, by real path.
type unitFile struct {
	path string
	data []byte
}

// Detect reads docker's configuration under root. Missing files are not
// errors; unreadable ones and directories in place of files are.
//
// fsys is the caller's one file access for its run (hostfs.New(root)).
func Detect(fsys *hostfs.FS) (*Detection, error) { return detect(fsys, fsys.Root()) }

// detect is Detect through fsys, the tree under root.
func detect(fsys *hostfs.FS, root string) (*Detection, error) {
	d := &Detection{Root: root, ConfigFile: DaemonJSONPath, fs: fsys}
	var err error
	if d.UnitPath, err = findUnit(fsys); err != nil {
		return nil, err
	}
	if d.UnitPath != "" {
		err = d.readUnit()
	} else {
		d.InitScript, err = initScript(fsys)
	}
	if err != nil {
		return nil, err
	}
	if err := d.readConfig(); err != nil {
		return nil, err
	}
	d.findOtherDaemons()
	return d, nil
}

// readUnit reads the unit and its drop-ins, and evaluates the command
// line systemd builds from them.
func (d *Detection) readUnit() error {
	unit, err := readFile(d.fs, d.UnitPath)
	if err != nil {
		return err
	}
	if d.DropIns, err = findDropIns(d.fs, "docker.service"); err != nil {
		return err
	}
	d.files = []unitFile{{d.UnitPath, unit}}
	for _, p := range d.DropIns {
		b, err := readFile(d.fs, p)
		if err != nil {
			return err
		}
		d.files = append(d.files, unitFile{p, b})
	}
	if d.launch, err = evaluate(d.files, fileReader{fs: d.fs}); err != nil {
		return fmt.Errorf("%s: %w", d.UnitPath, err)
	}
	d.describeLaunch()
	unused, err := unusedOptions(d.fs, d.launch)
	if err != nil {
		return err
	}
	d.Warnings = append(d.Warnings, unused...)
	return nil
}

// describeLaunch fills in the exported fields that say how dockerd starts.
func (d *Detection) describeLaunch() {
	l := d.launch
	if l.exec != nil {
		d.ExecStart = l.exec.value
	}
	d.Command, d.EnvFiles, d.ConfigFile = l.command(), l.envFiles, l.configFile
	for _, f := range l.ownedFlags() {
		if f.flag.long == "host" {
			d.HostFlags = append(d.HostFlags, f.value)
		} else {
			d.TLSFlags = append(d.TLSFlags, l.written(f))
		}
	}
	d.Warnings = append(d.Warnings, lateDropInWarning(d.files[1:])...)
	d.Warnings = append(d.Warnings, l.warnings...)
}

// readConfig reads the daemon.json dockerd reads and the override.
func (d *Detection) readConfig() error {
	var err error
	if d.ConfigFile != "" {
		if d.DaemonJSON, err = readFile(d.fs, d.ConfigFile); err != nil {
			return err
		}
	}
	d.DaemonJSONExists = d.DaemonJSON != nil
	d.Override, err = readFile(d.fs, OverridePath)
	return err
}

// findOtherDaemons looks for the Docker daemons docker-tls does not
// configure: the snap, and rootless ones.
func (d *Detection) findOtherDaemons() {
	rootlessExec := strings.Contains(d.ExecStart, "dockerd-rootless")
	d.Snap = snapInstalled(d.fs)
	d.Rootless = rootlessExec || exists(d.fs, "/root/.config/systemd/user/docker.service") || userUnits(d.Root)
	if d.UnitPath == "" || rootlessExec {
		return
	}
	if d.Rootless {
		d.Warnings = append(d.Warnings, "a rootless (user) docker.service exists too; only the system daemon is configured")
	}
	if d.Snap {
		d.Warnings = append(d.Warnings, "the docker snap is installed too; only the system docker.service is configured")
	}
}

// snapInstalled reports the docker snap: its dockerd command, or its
// daemon.json under the revision /var/snap/docker/current links to.
func snapInstalled(fsys *hostfs.FS) bool {
	if exists(fsys, "/snap/bin/dockerd") {
		return true
	}
	current := "/var/snap/docker/current"
	if t, err := readlink(fsys, current); err == nil {
		if !path.IsAbs(t) {
			t = path.Join(path.Dir(current), t)
		}
		current = path.Clean(t)
	}
	return exists(fsys, current+"/config/daemon.json")
}

// userUnits reports a rootless docker.service in some user's home. Users
// own their homes, and hostfs (as root) enters no directory another user
// owns: this one probe looks with lstat instead. It reads nothing, and a
// planted link can do no more than add a warning.
func userUnits(root string) bool {
	units, _ := filepath.Glob(Join(root, "/home/*/.config/systemd/user/docker.service"))
	return len(units) > 0
}

// Problems lists what stops dockerd from starting on the host as it is
// now: the command line itself (an argument dockerd refuses, a missing
// environment file) and every flag that the configuration file sets too.
// Each names the file and line to change. init refuses the same ones that
// it does not fix itself.
func (d *Detection) Problems() []error {
	if d.launch == nil {
		return nil
	}
	errs := append([]error{}, d.launch.problems...)
	if d.ConfigFile != "" {
		errs = append(errs, configFileProblems(d.ConfigFile, d.DaemonJSON)...)
	}
	if d.launch.configFlag && d.ConfigFile != "" && d.DaemonJSON == nil {
		errs = append(errs, fmt.Errorf("docker.service runs dockerd --config-file=%s, which does not exist: dockerd refuses to start without it (docker-tls init creates it)", d.ConfigFile))
	}
	if d.ConfigFile != "" && d.DaemonJSON != nil {
		if keys, ok := configKeys(d.DaemonJSON); ok {
			for _, ce := range d.launch.keyConflicts(d.ConfigFile, keys) {
				errs = append(errs, ce)
			}
		}
	}
	return errs
}

// NoUnit says why there is no docker.service to configure and what to do
// instead; nil when there is one.
func (d *Detection) NoUnit() error {
	if d.UnitPath != "" {
		return nil
	}
	switch {
	case d.Snap:
		return fmt.Errorf("%w: its daemon.json is /var/snap/docker/current/config/daemon.json and its unit snap.docker.dockerd.service; configure TLS there by hand, or install the docker.io package", ErrSnap)
	case d.Rootless:
		return fmt.Errorf("%w: a rootless daemon reads ~/.config/docker/daemon.json and runs as a user service; writing /etc/docker would configure the wrong daemon", ErrRootless)
	}
	switch d.InitScript {
	case "OpenRC":
		return fmt.Errorf("%w: Docker here is an OpenRC service (/etc/init.d/docker, its flags in DOCKER_OPTS of /etc/conf.d/docker), and docker-tls configures systemd's docker.service only; with OpenRC, put the TLS settings in %s by hand, keep -H and --tls* out of DOCKER_OPTS, and run rc-service docker restart", ErrOtherInit, DaemonJSONPath)
	case "SysV":
		return fmt.Errorf("%w: Docker here is started by the SysV init script /etc/init.d/docker (its flags in DOCKER_OPTS of /etc/default/docker), and docker-tls configures systemd's docker.service only; without systemd, put the TLS settings in %s by hand, keep -H and --tls* out of DOCKER_OPTS, and run service docker restart", ErrOtherInit, DaemonJSONPath)
	}
	return fmt.Errorf("%w under %s: install Docker (apt-get install docker.io, dnf install moby-engine) or pass --root to point at the system to configure", ErrNoUnit, rootName(d.Root))
}

// initScript tells the init system of /etc/init.d/docker: OpenRC scripts
// start with #!/sbin/openrc-run; anything else there is a SysV script.
func initScript(fsys *hostfs.FS) (string, error) {
	b, err := readFile(fsys, "/etc/init.d/docker")
	if err != nil || b == nil {
		return "", err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if strings.HasPrefix(first, "#!") && strings.Contains(first, "openrc-run") {
		return "OpenRC", nil
	}
	return "SysV", nil
}

// optionFiles are the environment files distributions ship for dockerd's
// flags (Debian's, Red Hat's and SUSE's).
var optionFiles = []string{DefaultDockerPath, SysconfigDockerPath}

// unusedOptions warns about -H/--tls* flags in an option file that
// docker.service does not read, or in a variable its ExecStart does not
// expand: harmless to dockerd, but an admin reading the file would expect
// them to apply.
func unusedOptions(fsys *hostfs.FS, l *launch) ([]string, error) {
	used := map[string]bool{}
	if l.exec != nil && !l.exec.noEnv {
		for _, t := range l.exec.toks {
			for _, m := range envRef.FindAllStringSubmatch(t.text, -1) {
				used[m[1]+m[2]] = true
			}
		}
	}
	var out []string
	for _, p := range optionFiles {
		data, err := readFile(fsys, p)
		if err != nil {
			return nil, err
		}
		loaded := contains(l.envFiles, p)
		last := map[string]envDef{}
		var names []string
		for _, def := range parseEnvFile(p, data) {
			if !validEnvName(def.name) {
				continue
			}
			if _, ok := last[def.name]; !ok {
				names = append(names, def.name)
			}
			last[def.name] = def
		}
		for _, n := range names {
			def := last[n]
			if loaded && used[n] {
				continue
			}
			words, _ := extractWords(def.value, relax)
			texts := make([]string, len(words))
			for i, w := range words {
				texts[i] = w.text
			}
			var opts []string
			for _, f := range parseDockerdArgs(texts).flags {
				if f.daemonJSONOwned() {
					opts = append(opts, strings.Join(texts[f.first:f.last+1], " "))
				}
			}
			if len(opts) == 0 {
				continue
			}
			if !loaded {
				out = append(out, fmt.Sprintf("%s:%d sets %s with %s, but docker.service does not load %s (no EnvironmentFile= for it); remove it to avoid confusion", p, def.line, n, strings.Join(opts, " "), p))
			} else {
				out = append(out, fmt.Sprintf("%s:%d sets %s with %s, which docker.service does not use; remove it to avoid confusion", p, def.line, n, strings.Join(opts, " ")))
			}
		}
	}
	return out, nil
}

// envRef finds $NAME and ${NAME} in a word.
var envRef = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)$)`)

// findUnit returns the real path of docker.service in the highest-priority
// unit directory, "" if none.
func findUnit(fsys *hostfs.FS) (string, error) {
	for _, dir := range unitDirs {
		if p, err := followUnit(fsys, path.Join(dir, "docker.service")); err != nil || p != "" {
			return p, err
		}
	}
	return "", nil
}

// followUnit returns the unit file that start is or links to, "" when
// start does not exist. A link is followed as systemd follows it (NixOS
// links the unit into /nix/store, through two links); an absolute target
// is read under the root, not on the host.
func followUnit(fsys *hostfs.FS, start string) (string, error) {
	p := start
	for hops := 0; ; hops++ {
		fi, err := fsys.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist) && hops == 0:
			return "", nil
		case errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("%s is a link to %s, which does not exist: fix or remove the link", start, p)
		case err != nil:
			return "", fmt.Errorf("look for docker.service: %w", err)
		case fi.Mode()&fs.ModeSymlink == 0:
			return p, nil
		case hops == 40:
			return "", fmt.Errorf("%s: too many levels of links", start)
		}
		target, err := readlink(fsys, p)
		if err != nil {
			return "", fmt.Errorf("look for docker.service: %w", err)
		}
		if target == "/dev/null" {
			return "", fmt.Errorf("%s is masked (a link to /dev/null): unmask it with systemctl unmask docker.service", p)
		}
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(p), target)
		}
		p = path.Clean(target)
	}
}

// findDropIns returns unit's drop-ins (UNIT.d/*.conf) across the unit
// directories, sorted by file name; a name in a higher-priority directory
// hides the same name lower down (systemd.unit(5), "drop-in").
func findDropIns(fsys *hostfs.FS, unit string) ([]string, error) {
	byName := map[string]string{}
	for _, dir := range unitDirs {
		dd := path.Join(dir, unit+".d")
		ents, err := fsys.ReadDir(dd)
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
func lateDropInWarning(dropIns []unitFile) []string {
	var w []string
	for _, f := range dropIns {
		if path.Base(f.path) > path.Base(OverridePath) && hasExecStart(f.data) {
			w = append(w, fmt.Sprintf("%s sets ExecStart and sorts after override.conf, so it wins over it: move its ExecStart into %s or remove it", f.path, OverridePath))
		}
	}
	return w
}

// filesWith returns d's unit files as systemd reads them once override
// is written to OverridePath (nil: nothing is written, the files stay as
// they are): it hides a drop-in of the same name in a lower-priority
// directory, and sorts among the others by name.
func (d *Detection) filesWith(override []byte) []unitFile {
	if len(d.files) == 0 || override == nil {
		return d.files
	}
	out := []unitFile{d.files[0]}
	name := path.Base(OverridePath)
	placed := false
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

// LoopbackListen offers the TLS listen address that keeps what dockerd
// listens on now: when it has TCP listeners (-H flags, daemon.json
// "hosts", a socket unit of docker.service) and every one is on loopback
// only, their address on port 2376, e.g. "127.0.0.1:2376"; ok is false
// otherwise.
func (d *Detection) LoopbackListen() (addr string, ok bool) {
	host, ok := d.loopbackHost()
	if !ok {
		return "", false
	}
	return net.JoinHostPort(host, DefaultTLSPort), true
}

// DefaultTLSPort is the Docker API's TLS port.
const DefaultTLSPort = "2376"

// loopbackHost is the host of dockerd's TCP listeners when there are some
// and all are on loopback: the first one's.
func (d *Detection) loopbackHost() (string, bool) {
	hosts := append([]string{}, d.HostFlags...)
	if cfg, err := ParseDaemonConfig(d.DaemonJSON); err == nil && d.ConfigFile != "" {
		hosts = append(hosts, cfg.Hosts...)
	}
	first := ""
	for _, h := range hosts {
		dh, err := ParseDockerHost(h)
		if err != nil || dh.Proto != "tcp" {
			continue
		}
		if dh.Host == "" {
			dh.Host = "127.0.0.1" // dockerd's default for a tcp host without one
		}
		if !loopback(dh.Host) {
			return "", false
		}
		if first == "" {
			first = dh.Host
		}
	}
	socks, _ := d.dockerSockets()
	for _, s := range socks {
		for _, a := range s.listens {
			if tcpPort(a.value) == "" || !s.enabled {
				continue
			}
			host, _, err := net.SplitHostPort(a.value)
			if err != nil || !loopback(host) {
				return "", false // a port alone listens on every address
			}
			if first == "" {
				first = host
			}
		}
	}
	return first, first != ""
}

// loopback reports an address on the loopback interface only: 127.0.0.0/8,
// ::1 or localhost.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
