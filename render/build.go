package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// A File is one file to write, by real path.
type File struct {
	Path      string      // real absolute path, e.g. /etc/docker/tls/server-key.pem
	Data      []byte      //
	Mode      os.FileMode // 0600 for keys, 0644 for certificates and configs
	DirMode   os.FileMode // mode of directories created for it (0700 for the CA dir); 0 means 0755
	Exclusive bool        // never replace an existing file (the CA key)
}

// Action says what writing a Change does.
type Action int

const (
	Create Action = iota
	Update
	Unchanged
)

func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Unchanged:
		return "unchanged"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Change is one file compared with what is on disk.
type Change struct {
	File
	Old    []byte // current content, nil if absent
	Exists bool
	Action Action
	Backup bool   // back up the old file before replacing it
	Diff   string // unified diff old -> new for text files; "" for PEM files and unchanged ones

	oldMode os.FileMode // mode of the existing file, restored on rollback
}

// Changes is everything Build computed; nothing is written until Apply.
type Changes struct {
	Root     string
	Changes  []Change
	Warnings []string // from merging and detection: each says what and what to do
	Notes    []string // e.g. why no override is written
}

// Pending returns the changes that write something.
func (c *Changes) Pending() []Change {
	var out []Change
	for _, ch := range c.Changes {
		if ch.Action != Unchanged {
			out = append(out, ch)
		}
	}
	return out
}

// Empty reports whether there is nothing to write.
func (c *Changes) Empty() bool { return len(c.Pending()) == 0 }

// Build reads the current files under root and computes every change in
// memory: files as given, plus daemon.json and override.conf when host is
// not nil. It validates everything and writes nothing.
func Build(root string, files []File, host *Host) (*Changes, error) {
	c := &Changes{Root: root}
	seen := map[string]bool{}
	add := func(f File) error {
		if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path {
			return fmt.Errorf("file path %q must be absolute and clean", f.Path)
		}
		if seen[f.Path] {
			return fmt.Errorf("file %s given twice", f.Path)
		}
		seen[f.Path] = true
		ch, err := compare(root, f)
		if err != nil {
			return err
		}
		c.Changes = append(c.Changes, ch)
		if ch.Exists && ch.oldMode != ch.Mode {
			c.Notes = append(c.Notes, fmt.Sprintf("%s: mode changes from %04o to %04o", f.Path, ch.oldMode, ch.Mode))
		}
		return nil
	}
	for _, f := range files {
		if err := add(f); err != nil {
			return nil, err
		}
	}
	if host == nil {
		return c, nil
	}

	if err := host.check(); err != nil {
		return nil, err
	}
	d, err := Detect(root)
	if err != nil {
		return nil, err
	}
	rootless := d.Rootless && (d.UnitPath == "" || strings.Contains(d.ExecStart, "dockerd-rootless"))
	switch {
	case d.Snap && d.UnitPath == "":
		return nil, fmt.Errorf("%w: its daemon.json is /var/snap/docker/current/config/daemon.json and its unit snap.docker.dockerd.service; configure TLS there by hand, or install the docker.io package", ErrSnap)
	case rootless:
		return nil, fmt.Errorf("%w: a rootless daemon reads ~/.config/docker/daemon.json and runs as a user service; writing /etc/docker would configure the wrong daemon", ErrRootless)
	case d.UnitPath == "":
		return nil, fmt.Errorf("%w under %s: install docker (apt-get install docker.io) or pass --root to point at the system to configure", ErrNoUnit, rootName(root))
	}
	c.Warnings = append(c.Warnings, d.Warnings...)
	var unitSockets []string
	for _, h := range d.HostFlags {
		switch {
		case strings.HasPrefix(h, "fd://"):
			// Socket activation: docker.socket listens on the default
			// socket, which daemon.json's hosts takes over.
			unitSockets = append(unitSockets, h)
		case strings.HasPrefix(h, "unix://"):
			unitSockets = append(unitSockets, h)
			c.Notes = append(c.Notes, fmt.Sprintf("docker.service passes -H %s; it moves to hosts in %s", h, DaemonJSONPath))
		case plainTCP(h):
			c.Warnings = append(c.Warnings, fmt.Sprintf("docker.service passes -H %s, the unencrypted API; the override drops it", h))
		case h != "tcp://"+host.Listen:
			c.Warnings = append(c.Warnings, fmt.Sprintf("docker.service passes -H %s; the override drops it, add it to hosts in %s by hand if you still need it", h, DaemonJSONPath))
		}
	}
	for _, f := range d.TLSFlags {
		key, _, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		key, _, _ = strings.Cut(key, " ")
		c.Warnings = append(c.Warnings, fmt.Sprintf("docker.service passes %s; the override drops it: %s sets %q now, and dockerd refuses a setting given both as a flag and in daemon.json", f, DaemonJSONPath, key))
	}

	merged, warnings, err := mergeDaemonJSON(d.DaemonJSON, *host, unitSockets)
	if err != nil {
		var me *MergeError
		if errors.As(err, &me) {
			me.Path = DaemonJSONPath
		}
		return nil, err
	}
	c.Warnings = append(c.Warnings, warnings...)

	out, changed, reason, err := RenderOverride(d.Override, d.ExecStart)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.UnitPath, err)
	}
	if reason != "" {
		c.Notes = append(c.Notes, reason)
	}
	final := d.Override
	if changed {
		final = out
	}
	if err := conflicts(d, final); err != nil {
		return nil, err
	}

	if err := add(File{Path: DaemonJSONPath, Data: merged, Mode: keepStricterMode(root, DaemonJSONPath, 0o644)}); err != nil {
		return nil, err
	}
	if changed {
		if err := add(File{Path: OverridePath, Data: out, Mode: keepStricterMode(root, OverridePath, 0o644)}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// conflicts checks docker.service as systemd will read it once override
// (the new override.conf, nil if none) is in place: an ExecStart that still
// passes -H or --tls* (from a drop-in that wins over override.conf), or
// DOCKER_OPTS in /etc/default/docker passing them, would stop dockerd from
// starting. Each becomes a *ConflictError.
func conflicts(d *Detection, override []byte) error {
	files := d.filesWith(override)
	var errs []error
	list := serviceList(files, "ExecStart")
	if len(list) > 1 {
		return fmt.Errorf("%s: docker.service would have %d ExecStart= commands in effect once override.conf is written; systemd only accepts several for Type=oneshot: fix the drop-ins first", d.UnitPath, len(list))
	}
	execStart := ""
	if len(list) == 1 {
		a := list[0]
		execStart = a.value
		if _, found := cutFlags(a.value, matchDaemonJSON); len(found) > 0 && a.path != OverridePath {
			var raw []string
			for _, f := range found {
				raw = append(raw, f.raw)
			}
			opts := strings.Join(raw, " ")
			where := "is the one in effect"
			if path.Base(a.path) > path.Base(OverridePath) {
				where = "wins over override.conf's (this drop-in sorts after override.conf)"
			}
			errs = append(errs, &ConflictError{
				Path: a.path, Line: a.line, Flags: raw,
				Reason: fmt.Sprintf("its ExecStart= passes %s and %s: dockerd would refuse to start (%s set both as a flag and in daemon.json)", opts, where, setKeys(found)),
				Fix:    fmt.Sprintf("remove %s from its ExecStart (%s)%s, or delete its ExecStart= lines so that %s applies", opts, nowSets(found), keepSockets(found), OverridePath),
			})
		}
	}
	if ce, _ := defaultDockerCheck(d.defaults, execStart, environmentFiles(files)); ce != nil {
		errs = append(errs, ce)
	}
	return errors.Join(errs...)
}

// keepStricterMode returns the mode of the existing config file at p when
// it grants nothing mode does not (e.g. 0600 for 0644): an admin who locked
// daemon.json down keeps it that way. Otherwise mode.
func keepStricterMode(root, p string, mode os.FileMode) os.FileMode {
	fi, err := os.Lstat(Join(root, p))
	if err != nil || !fi.Mode().IsRegular() {
		return mode
	}
	if cur := fi.Mode().Perm(); cur&^mode == 0 {
		return cur
	}
	return mode
}

func rootName(root string) string {
	if root == "" {
		return "/"
	}
	return root
}

// compare reads f's current state under root.
func compare(root string, f File) (Change, error) {
	ch := Change{File: f}
	if ch.Mode == 0 {
		ch.Mode = 0o644
	}
	if ch.DirMode == 0 {
		ch.DirMode = 0o755
	}
	fi, err := os.Lstat(Join(root, f.Path))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ch.Action = Create
		ch.Diff = textDiff(f.Path, nil, f.Data)
		return ch, nil
	case err != nil:
		return ch, fmt.Errorf("check %s: %w", f.Path, err)
	case fi.IsDir():
		return ch, fmt.Errorf("%s is a directory, expected a file: move it away first", f.Path)
	case !fi.Mode().IsRegular():
		// Replacing a symlink would silently stop it pointing elsewhere.
		return ch, fmt.Errorf("%s is not a regular file (%s): replace it with a plain file first", f.Path, fi.Mode().Type())
	}
	old, err := os.ReadFile(Join(root, f.Path))
	if err != nil {
		return ch, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if old == nil {
		old = []byte{}
	}
	ch.Old, ch.Exists, ch.oldMode = old, true, fi.Mode().Perm()
	switch {
	case bytes.Equal(old, f.Data) && ch.oldMode == ch.Mode:
		ch.Action = Unchanged
	case f.Exclusive:
		return ch, fmt.Errorf("%s already exists; refusing to overwrite it", f.Path)
	default:
		// A mode fix alone (e.g. a key that became world-readable) is an
		// update too; its diff is empty.
		ch.Action = Update
		ch.Backup = true
		ch.Diff = textDiff(f.Path, old, f.Data)
	}
	return ch, nil
}

// textDiff diffs text files only: PEM files (keys!) never go into a diff.
func textDiff(p string, old, new []byte) string {
	if strings.HasSuffix(p, ".pem") || bytes.Contains(old, []byte("-----BEGIN")) || bytes.Contains(new, []byte("-----BEGIN")) {
		return ""
	}
	return Diff(p, old, new)
}
