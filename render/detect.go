package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
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
	DaemonJSON            []byte   // current content; nil when absent
	DaemonJSONExists      bool
	Override              []byte // current override.conf; nil when absent
	DefaultDockerConflict string // non-empty: DOCKER_OPTS in /etc/default/docker passes -H, and what to change
	Snap                  bool   // Docker installed as a snap
	Rootless              bool   // a rootless (user-level) Docker was found
	ExistingCA            bool   // etc/docker/tls/ca/ca.pem exists
	ExistingServerCert    bool   // etc/docker/tls/server-cert.pem exists
	Warnings              []string
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
		for _, p := range d.DropIns {
			b, err := readFile(root, p)
			if err != nil {
				return nil, err
			}
			dropIns = append(dropIns, b)
		}
		if d.ExecStart, err = EffectiveExecStart(unit, dropIns...); err != nil {
			return nil, fmt.Errorf("%s: %w", d.UnitPath, err)
		}
		_, d.HostFlags = SplitHostFlags(d.ExecStart)
		d.Warnings = append(d.Warnings, lateDropInWarning(d.DropIns, dropIns)...)
	}

	if d.DaemonJSON, err = readFile(root, DaemonJSONPath); err != nil {
		return nil, err
	}
	d.DaemonJSONExists = d.DaemonJSON != nil
	if d.Override, err = readFile(root, OverridePath); err != nil {
		return nil, err
	}
	defaults, err := readFile(root, DefaultDockerPath)
	if err != nil {
		return nil, err
	}
	conflict, note := defaultDockerConflict(defaults, d.ExecStart)
	d.DefaultDockerConflict = conflict
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
	d.ExistingCA = exists(root, TLSDir+"/ca/ca.pem")
	d.ExistingServerCert = exists(root, TLSDir+"/server-cert.pem")
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

// defaultDockerConflict reports DOCKER_OPTS in /etc/default/docker passing -H:
// a conflict when ExecStart expands $DOCKER_OPTS, else only a warning.
func defaultDockerConflict(data []byte, execStart string) (conflict, warning string) {
	for _, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
		v, ok := strings.CutPrefix(t, "DOCKER_OPTS=")
		if !ok {
			continue
		}
		// DOCKER_OPTS="..." is shell syntax; splitCmd unquotes it the same way.
		var words []string
		for _, tok := range splitCmd(v) {
			words = append(words, tok.word)
		}
		_, hosts := SplitHostFlags("x " + strings.Join(words, " "))
		if len(hosts) == 0 {
			continue
		}
		if !strings.Contains(execStart, "DOCKER_OPTS") {
			return "", fmt.Sprintf("%s sets DOCKER_OPTS with -H %s, which docker.service does not use; remove it to avoid confusion", DefaultDockerPath, strings.Join(hosts, " -H "))
		}
		return fmt.Sprintf("%s sets DOCKER_OPTS with -H %s: dockerd would refuse to start because hosts is also set in daemon.json; remove the -H options from DOCKER_OPTS", DefaultDockerPath, strings.Join(hosts, " -H ")), ""
	}
	return "", ""
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
