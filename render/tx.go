package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"time"
)

// failHook, when set by tests, is consulted before each OS operation of Apply
// (not of its rollback) and fails the operation by returning an error.
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
}

// tx records what an Apply has done so far, to undo it on failure.
type tx struct {
	root     string
	undo     []func() error
	progress func(path string)
}

func (t *tx) do(op, realPath string, f func() error) error {
	if failHook != nil {
		if err := failHook(op, realPath); err != nil {
			return &ApplyError{Op: op, Path: realPath, Err: err}
		}
	}
	if err := f(); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the ApplyError
		}
		return &ApplyError{Op: op, Path: realPath, Err: err}
	}
	return nil
}

func (t *tx) rollback() error {
	var errs []error
	for i := len(t.undo) - 1; i >= 0; i-- {
		errs = append(errs, t.undo[i]())
	}
	t.undo = nil
	return errors.Join(errs...)
}

// Apply writes the pending changes as one transaction: back up every file it
// replaces, then write each file atomically. If any step fails, everything
// done in this run is undone, so the root is exactly as before, and the
// error is an *ApplyError naming the file. progress, when not nil, is called
// with each file's real path once it is written.
func (c *Changes) Apply(progress func(path string)) (*Result, error) {
	t := &tx{root: c.Root, progress: progress}
	res := &Result{}
	err := t.apply(c.Pending(), res)
	if err == nil {
		return res, nil
	}
	rbErr := t.rollback()
	var ae *ApplyError
	if !errors.As(err, &ae) {
		ae = &ApplyError{Op: "apply", Err: err}
	}
	ae.RolledBack = rbErr == nil
	if rbErr != nil {
		ae.Err = errors.Join(ae.Err, fmt.Errorf("rollback: %w", rbErr))
	}
	return nil, ae
}

func (t *tx) apply(pending []Change, res *Result) error {
	// Refuse to act on a stale plan: someone may have edited a file since
	// Build read it, and we would overwrite their edit.
	for _, ch := range pending {
		cur, err := readFile(t.root, ch.Path)
		if err != nil {
			return &ApplyError{Op: "check", Path: ch.Path, Err: err}
		}
		if (cur != nil) != ch.Exists || !bytes.Equal(cur, ch.Old) {
			return &ApplyError{Op: "check", Path: ch.Path, Err: errors.New("changed since it was read; run again to see the new diff")}
		}
	}
	stamp := now().UTC().Format("2006-01-02T150405Z")
	backups := map[string]string{}
	for _, ch := range pending {
		if !ch.Exists || !ch.Backup {
			continue
		}
		b, err := t.backup(ch, stamp)
		if err != nil {
			return err
		}
		backups[ch.Path] = b
		res.Backups = append(res.Backups, b)
	}
	for _, ch := range pending {
		dirs, err := t.mkdirs(path.Dir(ch.Path), ch.DirMode)
		if err != nil {
			return err
		}
		res.Dirs = append(res.Dirs, dirs...)
		if err := t.write(ch); err != nil {
			return err
		}
		res.Written = append(res.Written, ch.Path)
		res.Restores = append(res.Restores, Restore{Path: ch.Path, Backup: backups[ch.Path], Created: !ch.Exists, SHA256: sum(ch.Data)})
		if t.progress != nil {
			t.progress(ch.Path)
		}
	}
	return nil
}

// backup copies ch's old content beside it as NAME.<stamp>.bak with the same
// mode. The name never ends in .conf, so systemd won't load a backed-up
// drop-in (it only reads *.conf from docker.service.d).
func (t *tx) backup(ch Change, stamp string) (string, error) {
	for i := 0; ; i++ {
		b := ch.Path + "." + stamp + ".bak"
		if i > 0 {
			b = fmt.Sprintf("%s.%s-%d.bak", ch.Path, stamp, i)
		}
		full := Join(t.root, b)
		var f *os.File
		err := t.do("backup", b, func() (err error) {
			f, err = os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, ch.oldMode)
			return err
		})
		var ae *ApplyError
		if errors.As(err, &ae) && errors.Is(ae.Err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		t.undo = append(t.undo, func() error { return removeIfExists(full) })
		err = t.writeAndClose(f, b, ch.Old, ch.oldMode)
		if err != nil {
			return "", err
		}
		return b, nil
	}
}

// writeAndClose writes data to f, fixes its mode (umask may have narrowed
// it), fsyncs and closes it. f is closed on every path.
func (t *tx) writeAndClose(f *os.File, p string, data []byte, mode os.FileMode) error {
	err := t.do("write", p, func() error { _, err := f.Write(data); return err })
	if err == nil {
		err = t.do("chmod", p, func() error { return f.Chmod(mode) })
	}
	if err == nil {
		// Without fsync a crash after rename can leave an empty file under
		// the final name (see google/renameio).
		err = t.do("sync", p, f.Sync)
	}
	cerr := f.Close()
	if err == nil && cerr != nil {
		err = &ApplyError{Op: "close", Path: p, Err: cerr}
	}
	return err
}

// mkdirs creates the missing directories of the real path dir, parents first,
// each with mode, and returns the ones it created.
func (t *tx) mkdirs(dir string, mode os.FileMode) ([]string, error) {
	var missing []string
	for d := dir; ; d = path.Dir(d) {
		fi, err := os.Stat(Join(t.root, d))
		if err == nil {
			if !fi.IsDir() {
				return nil, &ApplyError{Op: "mkdir", Path: d, Err: errors.New("exists and is not a directory")}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || d == "/" {
			return nil, &ApplyError{Op: "mkdir", Path: d, Err: err}
		}
		missing = append(missing, d)
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		full := Join(t.root, d)
		err := t.do("mkdir", d, func() error {
			if err := os.Mkdir(full, mode); err != nil {
				return err
			}
			t.undo = append(t.undo, func() error { return removeIfExists(full) })
			return os.Chmod(full, mode) // umask may have narrowed it
		})
		if err != nil {
			return nil, err
		}
		created = append(created, d)
	}
	return created, nil
}

// write puts ch.Data at ch.Path atomically: temp file in the same directory,
// write, chmod, fsync, then rename over the old file (or link, for
// Exclusive files, which fails instead of replacing), then fsync the
// directory so the rename itself is durable.
func (t *tx) write(ch Change) error {
	full := Join(t.root, ch.Path)
	dir := filepath.Dir(full)
	var f *os.File
	err := t.do("create", ch.Path, func() (err error) {
		f, err = os.CreateTemp(dir, "."+filepath.Base(full)+".tmp-*")
		return err
	})
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after a successful rename
	if err := t.writeAndClose(f, ch.Path, ch.Data, ch.Mode); err != nil {
		return err
	}
	op, place := "rename", os.Rename
	if ch.Exclusive {
		// link(2) fails with EEXIST instead of replacing: the CA key is
		// never overwritten, even if one appeared since Build.
		op, place = "link", os.Link
	}
	if err := t.do(op, ch.Path, func() error { return place(tmp, full) }); err != nil {
		return err
	}
	if ch.Exists {
		old, mode := ch.Old, ch.oldMode
		t.undo = append(t.undo, func() error { return writeAtomic(full, old, mode) })
	} else {
		t.undo = append(t.undo, func() error { return removeIfExists(full) })
	}
	return t.do("syncdir", ch.Path, func() error { return syncDir(dir) })
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err // EINVAL: the file system can't sync directories
	}
	return nil
}

// writeAtomic is the hook-free write used to undo: temp file, fsync, rename.
func writeAtomic(full string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(full), "."+filepath.Base(full)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), full)
	}
	if err == nil {
		err = syncDir(filepath.Dir(full))
	}
	return err
}

func removeIfExists(full string) error {
	if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Rollback undoes a successful Apply, e.g. when dockerd fails to restart with
// the new configuration: replaced files get their backup's content and mode
// back, created files are removed, then created directories if empty. The
// backups themselves are kept.
//
// It first checks every file: if any is no longer what that run wrote (a
// later run or an edit changed or removed it), or res has no checksums to
// tell (a record from an older docker-tls), or a backup can't be read, it
// touches nothing and returns an error naming the files (*RollbackError for
// the first two).
func Rollback(root string, res *Result) error {
	if res == nil {
		return nil
	}
	type step struct {
		path   string // real path, for errors
		full   string
		remove bool
		data   []byte
		mode   os.FileMode
	}
	var steps []step
	rerr := &RollbackError{Backups: map[string]string{}}
	var errs []error
	for _, r := range res.Restores {
		full := Join(root, r.Path)
		if r.Backup != "" {
			rerr.Backups[r.Path] = r.Backup
		}
		if r.SHA256 == "" {
			rerr.Unverified = append(rerr.Unverified, r.Path)
			continue
		}
		fi, err := os.Lstat(full)
		switch {
		case errors.Is(err, fs.ErrNotExist) && r.Created:
			continue // already gone: nothing to undo
		case errors.Is(err, fs.ErrNotExist):
			rerr.Changed = append(rerr.Changed, r.Path)
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("check %s: %w", r.Path, err))
			continue
		case !fi.Mode().IsRegular():
			rerr.Changed = append(rerr.Changed, r.Path)
			continue
		}
		cur, err := os.ReadFile(full)
		if err != nil {
			errs = append(errs, fmt.Errorf("check %s: %w", r.Path, err))
			continue
		}
		if sum(cur) != r.SHA256 {
			rerr.Changed = append(rerr.Changed, r.Path)
			continue
		}
		if r.Created {
			steps = append(steps, step{path: r.Path, full: full, remove: true})
			continue
		}
		if r.Backup == "" {
			errs = append(errs, fmt.Errorf("restore %s: no backup was made", r.Path))
			continue
		}
		b := Join(root, r.Backup)
		data, err := os.ReadFile(b)
		var bfi os.FileInfo
		if err == nil {
			bfi, err = os.Stat(b)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restore %s from %s: %w", r.Path, r.Backup, err))
			continue
		}
		steps = append(steps, step{path: r.Path + " from " + r.Backup, full: full, data: data, mode: bfi.Mode().Perm()})
	}
	if len(rerr.Changed) > 0 || len(rerr.Unverified) > 0 {
		return rerr
	}
	if len(errs) > 0 {
		return fmt.Errorf("rollback refused, nothing was restored: %w", errors.Join(errs...))
	}

	for i := len(steps) - 1; i >= 0; i-- { // undo in reverse write order
		s := steps[i]
		var err error
		if s.remove {
			err = removeIfExists(s.full)
		} else {
			err = writeAtomic(s.full, s.data, s.mode)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restore %s: %w", s.path, err))
		}
	}
	for i := len(res.Dirs) - 1; i >= 0; i-- {
		// Only empty directories go: a backup or a user's file keeps its dir.
		if err := os.Remove(Join(root, res.Dirs[i])); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
