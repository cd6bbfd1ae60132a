package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/hostfs"
)

// failHook, when set by tests, is consulted before each step of Apply (not
// of its rollback) and fails the step by returning an error.
var failHook func(op, path string) error

// now is the clock for backup names; tests replace it.
var now = time.Now

// Restore says how to undo one written file: copy Backup back over Path, or
// remove Path when Created. SHA256 is the hex SHA-256 of the bytes written,
// so that Rollback can tell whether the file is still what this run wrote.
type Restore struct {
	Path    string // real path
	Backup  string // real path of the backup, "" when Created
	Created bool
	SHA256  string // hex SHA-256 of the content written; "" in records from before it was kept
}

// sum returns the hex SHA-256 of data, as kept in Restore.SHA256.
func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// Result lists what Apply did, by real path.
type Result struct {
	Written  []string
	Backups  []string
	Restores []Restore // in write order; Rollback undoes them in reverse
	Dirs     []string  // directories created, parents first
	// Unrecorded says why the run has no record (Journal.Record could not
	// be used); the files are written all the same. Not part of the record.
	Unrecorded error `json:"-"`
}

// tx is one Apply under way. Its intent, set before the first change (and
// on disk first when journaled), is what undoes it on failure: undo reads
// it the same way Journal.Recover reads the intent a killed run left.
type tx struct {
	fs       *hostfs.FS
	journal  *Journal // nil: the intent is kept in memory only
	progress func(path string)
	in       *intent // what the run changes; nil while nothing can have been
}

// do runs one step of the transaction; a failure becomes an *ApplyError
// naming the file.
func (t *tx) do(op, realPath string, f func() error) error {
	if failHook != nil {
		if err := failHook(op, realPath); err != nil {
			return &ApplyError{Op: op, Path: realPath, Err: err}
		}
	}
	if err := f(); err != nil {
		var ue *hostfs.UnsafeError
		var pe *fs.PathError
		if errors.As(err, &pe) && !errors.As(err, &ue) {
			err = pe.Err // the path is already in the ApplyError
		}
		return &ApplyError{Op: op, Path: realPath, Err: err}
	}
	return nil
}

// Apply writes the pending changes as one transaction: back up every file it
// replaces, then write each file atomically. If any step fails, everything
// done in this run is undone, so the root is exactly as before, and the
// error is an *ApplyError naming the file. progress, when not nil, is called
// with each file's real path once it is written.
//
// The run's intent (every file it will write, with the checksums before
// and after, its backups, the directories it creates or narrows) is made
// before the first change, and a failure is undone from it. With c.Journal
// set, the intent is on disk (fsynced) first, the record of the run is its
// last write, and only then is the intent removed: a run that is killed is
// undone from the same intent by Journal.Recover in the next run.
func (c *Changes) Apply(progress func(path string)) (*Result, error) {
	fsys := c.fs
	if fsys == nil {
		fsys = hostfs.New(c.Root)
	}
	t := &tx{fs: fsys, journal: c.Journal, progress: progress}
	res, err := t.apply(c)
	if err == nil {
		return res, nil
	}
	return nil, t.fail(err)
}

// fail undoes what the run did from its intent, as Journal.Recover would
// after a kill, and says so in the *ApplyError it returns.
func (t *tx) fail(err error) error {
	var rbErr error
	if t.in != nil {
		rbErr = undo(t.fs, t.in, &Recovery{})
		if rbErr == nil && t.journal != nil {
			// Undone: the intent has nothing left to say. (When the undo
			// failed, it stays for the next run to finish the job.)
			rbErr = t.journal.remove(t.fs)
		}
	}
	var ae *ApplyError
	if !errors.As(err, &ae) {
		ae = &ApplyError{Op: "apply", Err: err}
	}
	ae.RolledBack = rbErr == nil
	if rbErr != nil {
		ae.Err = errors.Join(ae.Err, fmt.Errorf("rollback: %w", rbErr))
	}
	return ae
}

// plan is what a transaction will do, decided before it changes anything.
type plan struct {
	changes []Change
	backups map[string]string // real path -> its backup
	dirs    []string          // directories to create, parents first
	dirMode map[string]fs.FileMode
	tighten []dirMode // private directories to narrow to 0700
	res     *Result
}

type dirMode struct {
	Path string      `json:"path"`
	Mode fs.FileMode `json:"mode"` // the mode before
}

func (t *tx) plan(c *Changes) (*plan, error) {
	p := &plan{changes: c.Pending(), backups: map[string]string{}, dirMode: map[string]fs.FileMode{}, res: &Result{}}
	// Refuse to act on a stale plan: someone may have edited a file since
	// Build read it, and we would overwrite their edit.
	for _, ch := range p.changes {
		cur, err := readOptional(t.fs, ch.Path)
		if err != nil {
			return nil, &ApplyError{Op: "check", Path: ch.Path, Err: err}
		}
		if (cur != nil) != ch.Exists || !bytes.Equal(cur, ch.Old) {
			return nil, &ApplyError{Op: "check", Path: ch.Path, Err: errors.New("changed since it was read; run again to see the new diff")}
		}
	}
	stamp := now().UTC().Format(backupStamp)
	for _, ch := range p.changes {
		if ch.Exists && ch.Backup {
			b, err := t.backupName(ch.Path, stamp)
			if err != nil {
				return nil, err
			}
			p.backups[ch.Path] = b
			p.res.Backups = append(p.res.Backups, b)
		}
		for _, d := range t.missingDirs(path.Dir(ch.Path)) {
			if _, ok := p.dirMode[d]; !ok {
				p.dirMode[d] = ch.DirMode
				p.dirs = append(p.dirs, d)
			}
		}
	}
	for _, d := range c.Private {
		if _, ok := p.dirMode[d]; ok {
			continue // created 0700 by this run
		}
		fi, err := t.fs.Lstat(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, &ApplyError{Op: "check", Path: d, Err: err}
		}
		if fi.Mode().Perm()&0o077 != 0 {
			p.tighten = append(p.tighten, dirMode{d, fi.Mode().Perm()})
		}
	}
	slices.SortStableFunc(p.dirs, func(a, b string) int { return len(a) - len(b) }) // parents first
	p.res.Dirs = append(slices.Clone(c.Created), p.dirs...)
	for _, ch := range p.changes {
		p.res.Written = append(p.res.Written, ch.Path)
		p.res.Restores = append(p.res.Restores, Restore{Path: ch.Path, Backup: p.backups[ch.Path], Created: !ch.Exists, SHA256: sum(ch.Data)})
	}
	return p, nil
}

// missingDirs lists the directories from dir up that do not exist yet,
// deepest first. Anything else (a link on the way) shows when writing.
func (t *tx) missingDirs(dir string) []string {
	var out []string
	for d := dir; d != "/"; d = path.Dir(d) {
		if _, err := t.fs.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		out = append(out, d)
	}
	return out
}

func (t *tx) apply(c *Changes) (*Result, error) {
	p, err := t.plan(c)
	if err != nil {
		return nil, err
	}
	in := newIntent(p)
	var record []byte
	if t.journal != nil {
		if record, err = t.journal.begin(t, p, in); err != nil {
			return nil, err
		}
	}
	t.in = in
	for _, ch := range p.changes {
		if b, ok := p.backups[ch.Path]; ok {
			if err := t.backup(ch, b); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range p.dirs {
		if err := t.mkdir(d, p.dirMode[d]); err != nil {
			return nil, err
		}
	}
	for _, dm := range p.tighten {
		if err := t.chmodDir(dm.Path, dm.Mode&0o700); err != nil {
			return nil, err
		}
	}
	for _, ch := range p.changes {
		if err := t.write(ch); err != nil {
			return nil, err
		}
		if t.progress != nil {
			t.progress(ch.Path)
		}
	}
	if t.journal != nil {
		if err := t.journal.commit(t, record); err != nil {
			return nil, err
		}
	}
	return p.res, nil
}

// backupStamp is the UTC time in backup names: sortable, and with no ':'
// (which some tools take for a host or a drive).
const backupStamp = "2006-01-02T150405Z"

// backupRE matches the backups of a file NAME: NAME.<stamp>.bak or
// NAME.<stamp>-N.bak.
func backupRE(name string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `\.(\d{4}-\d{2}-\d{2}T\d{6}Z)(?:-(\d+))?\.bak$`)
}

// backupName picks NAME.<stamp>.bak beside p, or NAME.<stamp>-N.bak with N
// above any taken in the same second, so that the names sort in the order
// the backups were made (PruneBackups keeps the newest). The name never
// ends in .conf, so systemd won't load a backed-up drop-in (it only reads
// *.conf from docker.service.d).
func (t *tx) backupName(p, stamp string) (string, error) {
	dir, err := t.fs.OpenDir(path.Dir(p))
	if err != nil {
		return "", &ApplyError{Op: "backup", Path: p, Err: err}
	}
	ents, err := dir.ReadDir()
	dir.Close()
	if err != nil {
		return "", &ApplyError{Op: "backup", Path: p, Err: err}
	}
	next := 0
	re := backupRE(path.Base(p))
	for _, e := range ents {
		if m := re.FindStringSubmatch(e.Name()); m != nil && m[1] == stamp {
			n, _ := strconv.Atoi(m[2])
			next = max(next, n+1)
		}
	}
	if next == 0 {
		return p + "." + stamp + ".bak", nil
	}
	return fmt.Sprintf("%s.%s-%d.bak", p, stamp, next), nil
}

// backup copies ch's old content to b, with the old mode.
func (t *tx) backup(ch Change, b string) error {
	dir, err := t.fs.OpenDir(path.Dir(b))
	if err != nil {
		return &ApplyError{Op: "backup", Path: b, Err: err}
	}
	defer dir.Close()
	var f *hostfs.File
	if err := t.do("backup", b, func() (err error) {
		f, err = dir.CreateExcl(path.Base(b), ch.oldMode)
		return err
	}); err != nil {
		return err
	}
	if err := t.do("write", b, func() error { return f.WriteAll(ch.Old) }); err != nil {
		return err
	}
	// The backup must be on disk before the file it saves is replaced.
	return t.do("syncdir", b, dir.Sync)
}

// mkdir creates the directory d (its parent exists) with mode.
func (t *tx) mkdir(d string, mode fs.FileMode) error {
	if mode == 0 {
		mode = 0o755
	}
	return t.do("mkdir", d, func() error {
		parent, err := t.fs.OpenDir(path.Dir(d))
		if err != nil {
			return err
		}
		defer parent.Close()
		return parent.Mkdir(path.Base(d), mode)
	})
}

// chmodDir sets the mode of the directory d (undo puts the old one back).
func (t *tx) chmodDir(d string, mode fs.FileMode) error {
	return t.do("chmod", d, func() error { return chmodDir(t.fs, d, mode) })
}

func chmodDir(fsys *hostfs.FS, d string, mode fs.FileMode) error {
	dir, err := fsys.OpenDir(d)
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Chmod(mode)
}

// write puts ch.Data at ch.Path atomically: temp file in the same directory,
// write, fsync, then rename over the old file (or link, for Exclusive files,
// which fails instead of replacing), then fsync the directory so the rename
// itself is durable.
func (t *tx) write(ch Change) error {
	dir, err := t.fs.OpenDir(path.Dir(ch.Path))
	if err != nil {
		return &ApplyError{Op: "create", Path: ch.Path, Err: err}
	}
	defer dir.Close()
	name := path.Base(ch.Path)
	var f *hostfs.File
	if err := t.do("create", ch.Path, func() (err error) {
		f, err = dir.CreateTemp(name, ch.Mode)
		return err
	}); err != nil {
		return err
	}
	tmp := f.Name()
	defer dir.Remove(tmp) // a no-op after a successful rename
	if err := t.do("write", ch.Path, func() error { return f.WriteAll(ch.Data) }); err != nil {
		return err
	}
	op, place := "rename", dir.Rename
	if ch.Exclusive {
		// link(2) fails with EEXIST instead of replacing: the CA key is
		// never overwritten, even if one appeared since Build.
		op, place = "link", dir.Link
	}
	if err := t.do(op, ch.Path, func() error { return place(tmp, name) }); err != nil {
		return err
	}
	return t.do("syncdir", ch.Path, dir.Sync)
}

// readOptional reads the real path p: nil, nil when it does not exist.
func readOptional(fsys *hostfs.FS, p string) ([]byte, error) {
	b, err := fsys.ReadFile(p, hostfs.MaxFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// writeAtomic is the hook-free write used to undo: temp file, fsync, rename.
func writeAtomic(fsys *hostfs.FS, p string, data []byte, mode fs.FileMode) error {
	dir, err := fsys.OpenDir(path.Dir(p))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.WriteAtomic(path.Base(p), data, mode)
}

// removeFile removes the file p; a missing one is fine.
func removeFile(fsys *hostfs.FS, p string) error {
	dir, err := fsys.OpenDir(path.Dir(p))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := dir.Remove(path.Base(p)); err != nil {
		return err
	}
	return dir.Sync()
}

// removeDir removes the directory p if it is empty.
func removeDir(fsys *hostfs.FS, p string) error {
	dir, err := fsys.OpenDir(path.Dir(p))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Rmdir(path.Base(p))
}

// rollback undoes a successful Apply, e.g. when dockerd fails to restart with
// the new configuration: replaced files get their backup's content and mode
// back, created files are removed, then created directories if empty. The
// backups themselves are kept.
//
// It first checks every file: if any is no longer what that run wrote (a
// later run or an edit changed or removed it), or res has no checksums to
// tell (a record from an older docker-tls), or a backup can't be read, it
// touches nothing and returns an error naming the files (*RollbackError for
// the first two). A file that already has its backup's content counts as
// restored, so a rollback that was interrupted can be run again. The undo
// is the one an Apply that fails uses (see undo).
func rollback(fsys *hostfs.FS, res *Result) error {
	if res == nil {
		return nil
	}
	in, err := recordIntent(fsys, res)
	if err != nil {
		return err
	}
	return undo(fsys, in, &Recovery{})
}

// recordIntent checks every file a completed run wrote, touching nothing,
// and returns what undo needs to undo that run: each file still as the run
// wrote it, with its backup's content and mode as the old ones (and no
// backup to remove: a record's backups are kept), and the directories it
// made. A file already put back (by a rollback that was interrupted) or
// created and gone since has nothing to undo.
func recordIntent(fsys *hostfs.FS, res *Result) (*intent, error) {
	in := &intent{Kind: intentApply, Dirs: res.Dirs}
	rerr := &RollbackError{Backups: map[string]string{}}
	var errs []error
	for _, r := range res.Restores {
		if r.Backup != "" {
			rerr.Backups[r.Path] = r.Backup
		}
		f, changed, err := restoreFile(fsys, r)
		switch {
		case err != nil:
			errs = append(errs, err)
		case changed && r.SHA256 == "":
			rerr.Unverified = append(rerr.Unverified, r.Path)
		case changed:
			rerr.Changed = append(rerr.Changed, r.Path)
		case f != nil:
			in.Files = append(in.Files, *f)
		}
	}
	if len(rerr.Changed) > 0 || len(rerr.Unverified) > 0 {
		return nil, rerr
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", errRefused, errors.Join(errs...))
	}
	return in, nil
}

// restoreFile is how to undo the write r records: nil when there is
// nothing to undo; changed when the file is no longer what the run wrote
// (or r has no checksum to tell).
func restoreFile(fsys *hostfs.FS, r Restore) (f *intentFile, changed bool, err error) {
	if r.SHA256 == "" {
		return nil, true, nil
	}
	fi, err := fsys.Lstat(r.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && r.Created:
		return nil, false, nil // already gone: nothing to undo
	case errors.Is(err, fs.ErrNotExist):
		return nil, true, nil
	case err != nil:
		return nil, false, fmt.Errorf("check %s: %w", r.Path, err)
	case !fi.Mode().IsRegular():
		return nil, true, nil
	}
	cur, err := fsys.ReadFile(r.Path, hostfs.MaxFile)
	switch {
	case err != nil:
		return nil, false, fmt.Errorf("check %s: %w", r.Path, err)
	case r.Created:
		return &intentFile{Path: r.Path, NewSHA: r.SHA256}, sum(cur) != r.SHA256, nil
	case r.Backup == "" && sum(cur) != r.SHA256:
		return nil, true, nil
	case r.Backup == "":
		return nil, false, fmt.Errorf("restore %s: no backup was made", r.Path)
	}
	backup, bfi, err := readWithInfo(fsys, r.Backup)
	if err == nil && backup == nil {
		err = fs.ErrNotExist
	}
	if err != nil {
		return nil, false, fmt.Errorf("restore %s from %s: %w", r.Path, r.Backup, err)
	}
	old := &intentFile{Path: r.Path, Existed: true, OldSHA: sum(backup), OldMode: bfi.Mode().Perm(), OldData: backup, NewSHA: r.SHA256}
	if sum(cur) != r.SHA256 {
		// Restored already, by a rollback that was interrupted, or changed.
		restored := bytes.Equal(cur, backup) && fi.Mode().Perm() == old.OldMode
		return nil, !restored, nil
	}
	return old, false, nil
}

// KeepBackups is how many backups of each file PruneBackups keeps: the
// newest ones. Without a bound, every "client add" would leave another copy
// of the ledger behind.
const KeepBackups = 3

// PruneBackups removes the oldest backups of each file in paths (real
// paths), keeping the newest KeepBackups, and never one listed in protect
// (those the record of the last run restores from).
func PruneBackups(fsys *hostfs.FS, paths, protect []string) error {
	var errs []error
	for _, p := range paths {
		dir, err := fsys.OpenDir(path.Dir(p))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ents, err := dir.ReadDir()
		if err != nil {
			dir.Close()
			errs = append(errs, err)
			continue
		}
		re := backupRE(path.Base(p))
		type bak struct {
			name, stamp string
			n           int
		}
		var baks []bak
		for _, e := range ents {
			m := re.FindStringSubmatch(e.Name())
			if m == nil || !e.Type().IsRegular() {
				continue
			}
			n, _ := strconv.Atoi(m[2])
			baks = append(baks, bak{e.Name(), m[1], n})
		}
		slices.SortFunc(baks, func(a, b bak) int { // newest first
			if a.stamp != b.stamp {
				return strings.Compare(b.stamp, a.stamp)
			}
			return b.n - a.n
		})
		for i, b := range baks {
			if i < KeepBackups || slices.Contains(protect, path.Join(path.Dir(p), b.name)) {
				continue
			}
			if err := dir.Remove(b.name); err != nil {
				errs = append(errs, err)
			}
		}
		dir.Close()
	}
	return errors.Join(errs...)
}

// IsBackupOf reports whether backup is the real path of a backup of p, as
// Apply names them.
func IsBackupOf(backup, p string) bool {
	return path.Dir(backup) == path.Dir(p) && backupRE(path.Base(p)).MatchString(path.Base(backup))
}
