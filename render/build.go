package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/docker-tls/docker-tls/hostfs"
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
	// Config marks the host's configuration files Build merges (the
	// daemon.json dockerd reads, override.conf, an environment file it
	// takes flags out of): their diffs are what an admin reviews.
	Config bool

	oldMode os.FileMode // mode of the existing file, restored on rollback
}

// Changes is everything Build computed; nothing is written until Apply.
type Changes struct {
	Root     string
	Changes  []Change
	Warnings []string // from merging and detection: each says what and what to do
	Notes    []string // e.g. why no override is written
	// Listen is the TLS address daemon.json gets: Host.Listen, or the
	// loopback address kept when Host.ListenDefault says it was not chosen.
	Listen string

	// Set by the caller before Apply (see Changes.Apply):
	Journal *Journal // keeps the run whole if the process is killed; nil for none
	Private []string // directories narrowed to 0700 when looser (put back on rollback)
	Created []string // directories the caller made for this run, listed in Result.Dirs

	fs *hostfs.FS // the file access Build read through, which Apply writes through
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
//
// fsys is the caller's one file access for its run (hostfs.New(root)):
// Apply then writes through it too.
func Build(fsys *hostfs.FS, files []File, host *Host) (*Changes, error) {
	root := fsys.Root()
	b := &build{fs: fsys, c: &Changes{Root: root, fs: fsys}, seen: map[string]bool{}}
	for _, f := range files {
		if err := b.add(f); err != nil {
			return nil, err
		}
	}
	if host != nil {
		if err := b.configure(host); err != nil {
			return nil, err
		}
	}
	return b.c, nil
}

// build is one run of Build: the tree it reads and what it has computed.
type build struct {
	fs   *hostfs.FS
	c    *Changes
	seen map[string]bool // paths added
}

// add compares f with the file on disk and adds the change.
func (b *build) add(f File) error {
	if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path {
		return fmt.Errorf("file path %q must be absolute and clean", f.Path)
	}
	if b.seen[f.Path] {
		return fmt.Errorf("file %s given twice", f.Path)
	}
	b.seen[f.Path] = true
	ch, err := compare(b.fs, f)
	if err != nil {
		return err
	}
	b.c.Changes = append(b.c.Changes, ch)
	if ch.Exists && ch.oldMode != ch.Mode {
		note := fmt.Sprintf("%s: mode changes from %04o to %04o", f.Path, ch.oldMode, ch.Mode)
		if bytes.Equal(ch.Old, f.Data) {
			note += " (contents unchanged)"
		}
		b.c.Notes = append(b.c.Notes, note)
	}
	return nil
}

// addConfig adds one of the host's configuration files, keeping a mode
// stricter than 0644.
func (b *build) addConfig(p string, data []byte) error {
	if err := b.add(File{Path: p, Data: data, Mode: keepStricterMode(b.fs, p, 0o644)}); err != nil {
		return err
	}
	b.c.Changes[len(b.c.Changes)-1].Config = true
	return nil
}

// configure adds what host needs: every -H/--host and --tls* flag taken
// off the command line where it is written, daemon.json (the file dockerd
// reads) merged, and the result checked to start.
func (b *build) configure(host *Host) error {
	if err := host.check(); err != nil {
		return err
	}
	d, err := b.detect()
	if err != nil {
		return err
	}
	host = b.keepLoopback(d, host)
	fx := d.planFix(host.Listen)
	b.c.Warnings = append(b.c.Warnings, fx.warnings...)
	b.c.Notes = append(b.c.Notes, fx.notes...)
	merged, writeConfig, err := b.mergeConfig(d, host, fx)
	if err != nil {
		return err
	}
	override, changed := b.override(d, fx)
	sockets, err := b.check(d, override, fx, host.Listen)
	if err != nil {
		return err
	}

	if writeConfig {
		if err := b.addConfig(d.ConfigFile, merged); err != nil {
			return err
		}
	}
	if changed {
		if err := b.addConfig(OverridePath, override); err != nil {
			return err
		}
	}
	for _, p := range d.EnvFiles {
		if data, ok := fx.files[p]; ok {
			if err := b.addConfig(p, data); err != nil {
				return err
			}
		}
	}
	return b.addSockets(sockets)
}

// addSockets adds the drop-ins that take TCP listeners off socket units,
// in path order.
func (b *build) addSockets(files map[string][]byte) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := b.addConfig(p, files[p]); err != nil {
			return err
		}
		unit := strings.TrimSuffix(path.Base(path.Dir(p)), ".d")
		b.c.Notes = append(b.c.Notes, fmt.Sprintf("%s resets ListenStream= of %s and keeps its unix sockets: systemd releases the unencrypted TCP port once %s restarts (systemctl daemon-reload && systemctl restart %s docker.service)", p, unit, unit, unit))
	}
	return nil
}

// detect reads the host and refuses what is not docker-tls's to change:
// no unit, a rootless daemon, no ExecStart=, a command line that stops
// dockerd already. Flag/file conflicts are checked on the result.
func (b *build) detect() (*Detection, error) {
	d, err := detect(b.fs, b.c.Root)
	if err != nil {
		return nil, err
	}
	switch {
	case d.UnitPath == "":
		return nil, d.NoUnit()
	case strings.Contains(d.ExecStart, "dockerd-rootless"):
		return nil, fmt.Errorf("%w: %s runs %s, a rootless daemon that reads ~/.config/docker/daemon.json; writing /etc/docker would configure the wrong daemon", ErrRootless, d.UnitPath, d.Command[0])
	case d.launch.exec == nil:
		return nil, fmt.Errorf("%s: docker.service has no ExecStart=, so docker-tls cannot tell how dockerd starts: fix the unit first", d.UnitPath)
	case len(d.launch.problems) > 0:
		return nil, errors.Join(d.launch.problems...)
	}
	b.c.Warnings = append(b.c.Warnings, d.Warnings...)
	return d, nil
}

// mergeConfig merges host into the configuration file dockerd reads, and
// says whether to write it.
func (b *build) mergeConfig(d *Detection, host *Host, fx *hostFix) ([]byte, bool, error) {
	cfgPath := d.ConfigFile
	merged, warnings, err := mergeDaemonJSON(d.DaemonJSON, *host, fx.sockets)
	if err != nil {
		var me *MergeError
		if errors.As(err, &me) {
			me.Path = cfgPath
		}
		return nil, false, err
	}
	b.c.Warnings = append(b.c.Warnings, warnings...)
	if cfgPath != "" {
		b.c.Notes = append(b.c.Notes, configFileNotes(cfgPath, d.DaemonJSON)...)
	}
	// A file that has the settings already is left alone, trailing white
	// space and all (NixOS's generated one, after the settings are pasted).
	if cfgPath != "" && d.DaemonJSON != nil && bytes.Equal(bytes.TrimSpace(merged), bytes.TrimSpace(d.DaemonJSON)) {
		return merged, false, nil
	}
	if err := d.configFileError(merged); err != nil {
		// Where the file cannot be written (NixOS generates it
		// pretty-printed), a change of layout alone is not worth a
		// refusal: dockerd reads the same settings.
		if d.DaemonJSON == nil || !sameRaw(d.DaemonJSON, merged) {
			return nil, false, err
		}
		return merged, false, nil
	}
	return merged, true, nil
}

// override returns override.conf as fx leaves it, and whether it changes;
// when no override is needed, a note says why.
func (b *build) override(d *Detection, fx *hostFix) ([]byte, bool) {
	edit := overrideEdit{env: fx.env}
	if len(fx.drop) > 0 {
		e := d.launch.exec
		edit.execStart = joinSpans(e.value, e.toks, func(i int) bool { return fx.drop[i] })
	}
	switch {
	case edit.execStart != "" || len(edit.env) > 0:
		override := renderOverride(d.Override, edit)
		return override, !bytes.Equal(override, d.Override)
	case len(fx.files) > 0:
		b.c.Notes = append(b.c.Notes, "docker.service's ExecStart= passes no -H or --tls* flags itself (those of its variables are taken out where they are set); no override written")
	default:
		b.c.Notes = append(b.c.Notes, noOverrideReason(d.Override))
	}
	return d.Override, false
}

// check reads the result back as systemd and dockerd will read it: it must
// start, nothing may write over its configuration file at start, and no
// socket unit may keep a TCP port for it. It returns the socket drop-ins
// that take those ports off (see socketFixes).
func (b *build) check(d *Detection, override []byte, fx *hostFix, listen string) (map[string][]byte, error) {
	errs := append(d.preexisting(), d.verify(override, fx.files, d.ConfigFile)...)
	errs = append(errs, d.startupWrites()...)
	sockets, sockErrs := d.socketFixes(listen)
	errs = append(errs, sockErrs...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return sockets, nil
}

// keepStricterMode returns the mode of the existing config file at p when
// it grants nothing mode does not (e.g. 0600 for 0644): an admin who locked
// daemon.json down keeps it that way. Otherwise mode.
func keepStricterMode(fsys *hostfs.FS, p string, mode os.FileMode) os.FileMode {
	fi, err := fsys.Lstat(p)
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

// compare reads f's current state through fsys: no link is
// followed on the way, and (as root) every directory on the way and the
// file must be root's and not writable by others, or it is refused.
func compare(fsys *hostfs.FS, f File) (Change, error) {
	ch := Change{File: f}
	if ch.Mode == 0 {
		ch.Mode = 0o644
	}
	if ch.DirMode == 0 {
		ch.DirMode = 0o755
	}
	create := func() (Change, error) {
		ch.Action = Create
		ch.Diff = textDiff(f.Path, nil, f.Data)
		return ch, nil
	}
	dir, err := fsys.OpenDir(path.Dir(f.Path))
	if errors.Is(err, fs.ErrNotExist) {
		return create() // the directories are made when writing
	}
	if err != nil {
		return ch, fmt.Errorf("check %s: %w", f.Path, err)
	}
	defer dir.Close()
	name := path.Base(f.Path)
	fi, err := dir.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return create()
	case err != nil:
		return ch, fmt.Errorf("check %s: %w", f.Path, err)
	case fi.IsDir():
		return ch, fmt.Errorf("%s is a directory, expected a file: move it away first", f.Path)
	case !fi.Mode().IsRegular():
		// Replacing a symlink would silently stop it pointing elsewhere.
		return ch, fmt.Errorf("%s is not a regular file (%s): replace it with a plain file first", f.Path, fi.Mode().Type())
	}
	old, fi, err := dir.ReadFile(name, hostfs.MaxFile)
	if err != nil {
		return ch, fmt.Errorf("read %s: %w", f.Path, err)
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

// keepLoopback returns host with the listen address Build uses: the
// admin's, or (ListenDefault) the loopback address dockerd listens on now
// when it listens on loopback only, on host's port. An address the admin
// chose that opens such a host to the network gets a warning.
func (b *build) keepLoopback(d *Detection, host *Host) *Host {
	b.c.Listen = host.Listen
	lh, ok := d.loopbackHost()
	listenHost, port, err := net.SplitHostPort(host.Listen)
	if !ok || err != nil || loopback(listenHost) {
		return host
	}
	if !host.ListenDefault {
		b.c.Warnings = append(b.c.Warnings, fmt.Sprintf("dockerd listens on TCP on loopback only now (%s); the TLS listener %s opens the API to the network (with client certificates): pass --listen %s to keep it on this machine", lh, host.Listen, net.JoinHostPort(lh, port)))
		return host
	}
	if lh == "localhost" {
		lh = "127.0.0.1" // an address: dockerd would bind whatever localhost resolves to first
	}
	h := *host
	h.Listen = net.JoinHostPort(lh, port)
	b.c.Listen = h.Listen
	b.c.Notes = append(b.c.Notes, fmt.Sprintf("dockerd listens on TCP on loopback only now, so the TLS listener stays there: tcp://%s, reachable from this machine only; pass --listen 0.0.0.0:%s to open it to the network", h.Listen, port))
	return &h
}
