package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"time"

	"github.com/docker-tls/docker-tls/hostfs"
)

// Journal keeps a transaction whole when the process is killed part-way
// (power cut, OOM killer, kill -9), and keeps the record of each run, which
// a later Rollback reads back. An Apply writes an intent (every file it will
// write, with the checksums before and after, its backups and the
// directories it creates) and fsyncs it before the first change; the record
// of the run is its last write; removing the intent is the commit. The
// intent is the one undo (see undo): an Apply that fails undoes itself from
// it, and a run that finds one left behind (Recover) undoes the run that was
// killed from it the same way, so the files are as before it, with no temp
// file left.
//
// Both files are trusted input: they are read only under hostfs's rules,
// and any path they name must pass Allow.
type Journal struct {
	Path   string // real path of the intent, e.g. /etc/docker/tls/journal.json
	Record string // real path of the run record (a Result, as JSON); "" for none
	// Allow reports whether a path may appear in the intent or the record
	// (the files and directories the caller manages); nil allows any.
	Allow func(p string) bool
	// FS is the file access of the caller's run; nil: a new one for the
	// root each method is given.
	FS *hostfs.FS
}

// fsys is the file access for root: the run's own when set.
func (j *Journal) fsys(root string) *hostfs.FS {
	if j.FS != nil && j.FS.Root() == hostfs.New(root).Root() {
		return j.FS
	}
	return hostfs.New(root)
}

// intent is the journal file: what a run is about to do.
type intent struct {
	Kind    string       `json:"kind"` // intentApply or intentRollback
	PID     int          `json:"pid"`
	Started time.Time    `json:"started"`
	Files   []intentFile `json:"files,omitempty"` // apply: in write order
	Dirs    []string     `json:"dirs,omitempty"`  // apply: directories it creates, parents first
	Modes   []dirMode    `json:"modes,omitempty"` // apply: directories it narrows to 0700
	Run     *Result      `json:"run,omitempty"`   // rollback: the run it undoes
}

const (
	intentApply    = "apply"    // recovered by undoing it
	intentRollback = "rollback" // recovered by finishing it
)

type intentFile struct {
	Path    string      `json:"path"`
	Existed bool        `json:"existed"`
	OldSHA  string      `json:"old_sha256,omitempty"`
	OldMode fs.FileMode `json:"old_mode,omitempty"`
	// OldData is the record's previous content, kept here rather than in a
	// backup file of its own.
	OldData []byte `json:"old_data,omitempty"`
	Backup  string `json:"backup,omitempty"`
	NewSHA  string `json:"new_sha256"`
}

// RecordError is a journal or record that names a path outside what the
// caller manages: nothing is done with it.
type RecordError struct {
	File  string // real path of the journal or record
	Entry string // the path it names
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("%s names %s, which is not a file docker-tls manages: refusing to act on it (docker-tls never writes such a record; if you did not edit it, find out who did, then remove it)", e.File, e.Entry)
}

// Recovery is what Recover found and did.
type Recovery struct {
	PID      int       // of the run that was interrupted
	Started  time.Time // when it began
	Finished bool      // it was a rollback, which was finished; else the run was undone
	Undone   []string  // files put back or removed
	Kept     []string  // files changed since that run (left as they are)
	Temps    []string  // temp files removed
}

// allow refuses a path that is not absolute and clean ("/../x" is not), or
// that Allow refuses.
func (j *Journal) allow(file, p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" || j.Allow != nil && !j.Allow(p) {
		return &RecordError{File: file, Entry: p}
	}
	return nil
}

// checkResult refuses a record naming paths outside the allowed set, or
// backups that are not backups of the file they restore.
func (j *Journal) checkResult(file string, res *Result) error {
	for _, p := range slices.Concat(res.Written, res.Backups, res.Dirs) {
		if err := j.allow(file, p); err != nil {
			return err
		}
	}
	for _, r := range res.Restores {
		if err := j.allow(file, r.Path); err != nil {
			return err
		}
		if r.Backup == "" {
			continue
		}
		if err := j.allow(file, r.Backup); err != nil {
			return err
		}
		if path.Dir(r.Backup) != path.Dir(r.Path) || !backupRE(path.Base(r.Path)).MatchString(path.Base(r.Backup)) {
			return &RecordError{File: file, Entry: r.Backup}
		}
	}
	return nil
}

func (j *Journal) checkIntent(in *intent) error {
	for _, f := range in.Files {
		for _, p := range []string{f.Path, f.Backup} {
			if p == "" {
				continue
			}
			if err := j.allow(j.Path, p); err != nil {
				return err
			}
		}
		if f.Backup != "" && (path.Dir(f.Backup) != path.Dir(f.Path) || !backupRE(path.Base(f.Path)).MatchString(path.Base(f.Backup))) {
			return &RecordError{File: j.Path, Entry: f.Backup}
		}
	}
	for _, d := range in.Dirs {
		if err := j.allow(j.Path, d); err != nil {
			return err
		}
	}
	for _, m := range in.Modes {
		if err := j.allow(j.Path, m.Path); err != nil {
			return err
		}
	}
	if in.Run != nil {
		return j.checkResult(j.Path, in.Run)
	}
	return nil
}

// readTrusted reads the intent or the record: nil when absent; refused
// when another user may write it.
func readTrusted(fsys *hostfs.FS, p string) ([]byte, error) {
	b, fi, err := readWithInfo(fsys, p)
	if err == nil && b != nil {
		err = fsys.CheckPrivate(p, fi)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// LoadRecord reads the record of the last run: nil when there is none.
func (j *Journal) LoadRecord(root string) (*Result, error) {
	b, err := readTrusted(j.fsys(root), j.Record)
	if err != nil || b == nil {
		return nil, err
	}
	var res Result
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("%s: %w", j.Record, err)
	}
	if err := j.checkResult(j.Record, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// SaveRecord replaces the record of the last run with res, outside a
// transaction: for a caller that adds what one run wrote to the record of
// the run before it.
func (j *Journal) SaveRecord(root string, res *Result) error {
	b, err := encodeRecord(res)
	if err != nil {
		return err
	}
	return writeAtomic(j.fsys(root), j.Record, b, 0o600)
}

// ForgetRecord removes the record of the last run: once applied or rolled
// back, it must not be used again. None is fine.
func (j *Journal) ForgetRecord(root string) error {
	return removeFile(j.fsys(root), j.Record)
}

// encodeRecord is the record of a run as it is written: indented JSON.
func encodeRecord(res *Result) ([]byte, error) {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Pending reports whether an intent is on disk: a run is under way, or was
// killed and will be recovered by the next one.
func (j *Journal) Pending(root string) (bool, error) {
	_, err := j.fsys(root).Lstat(j.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// newIntent is the intent of the plan p: what undo needs to put the root
// back as it was, whatever step the run stopped at.
func newIntent(p *plan) *intent {
	in := &intent{Kind: intentApply, PID: os.Getpid(), Started: now().UTC(), Dirs: p.dirs, Modes: p.tighten}
	for _, ch := range p.changes {
		f := intentFile{Path: ch.Path, Existed: ch.Exists, NewSHA: sum(ch.Data), Backup: p.backups[ch.Path]}
		if ch.Exists {
			f.OldSHA, f.OldMode = sum(ch.Old), ch.oldMode
		}
		in.Files = append(in.Files, f)
	}
	return in
}

// begin adds the record of the run to in, and writes in to disk; it
// returns the record to write last: nil (and p.res.Unrecorded set) when
// the record's place cannot be used (a directory there), and the run goes
// on without one.
func (j *Journal) begin(t *tx, p *plan, in *intent) ([]byte, error) {
	var record []byte
	if j.Record != "" {
		var err error
		if record, err = encodeRecord(p.res); err != nil {
			return nil, err
		}
		old, fi, err := readWithInfo(t.fs, j.Record)
		var ue *hostfs.UnsafeError
		switch {
		case errors.As(err, &ue):
			return nil, &ApplyError{Op: "check", Path: j.Record, Err: err}
		case err != nil:
			p.res.Unrecorded = fmt.Errorf("%s: %w", j.Record, err)
			record = nil
		default:
			f := intentFile{Path: j.Record, NewSHA: sum(record)}
			if old != nil {
				f.Existed, f.OldSHA, f.OldMode, f.OldData = true, sum(old), fi.Mode().Perm(), old
			}
			in.Files = append(in.Files, f)
		}
	}
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := t.do("journal", j.Path, func() error { return writeAtomic(t.fs, j.Path, append(data, '\n'), 0o600) }); err != nil {
		return nil, err
	}
	return record, nil
}

// commit writes the record, then removes the intent: from then on the run
// is complete.
func (j *Journal) commit(t *tx, record []byte) error {
	if record != nil {
		// The intent holds the record's old content: undo puts it back.
		if err := t.do("record", j.Record, func() error { return writeAtomic(t.fs, j.Record, record, 0o600) }); err != nil {
			return err
		}
	}
	return t.do("commit", j.Path, func() error { return j.remove(t.fs) })
}

func (j *Journal) remove(fsys *hostfs.FS) error { return removeFile(fsys, j.Path) }

// readWithInfo reads p and describes it: nil, nil, nil when it is absent.
func readWithInfo(fsys *hostfs.FS, p string) ([]byte, fs.FileInfo, error) {
	dir, err := fsys.OpenDir(path.Dir(p))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer dir.Close()
	b, fi, err := dir.ReadFile(path.Base(p), hostfs.MaxFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	return b, fi, err
}

// Rollback is Rollback with an intent on disk, so that a rollback killed
// part-way is finished by the next run; once done, the record is removed.
// res must pass Allow.
func (j *Journal) Rollback(root string, res *Result) error {
	if err := j.checkResult(j.Record, res); err != nil {
		return err
	}
	fsys := j.fsys(root)
	in := intent{Kind: intentRollback, PID: os.Getpid(), Started: now().UTC(), Run: res}
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(fsys, j.Path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", j.Path, err)
	}
	if err := rollback(fsys, res); err != nil {
		var re *RollbackError
		if errors.As(err, &re) || !touched(err) {
			// Refused before anything was touched: nothing to finish.
			return errors.Join(err, j.remove(fsys))
		}
		return err // the next run finishes it
	}
	if j.Record != "" {
		if err := removeFile(fsys, j.Record); err != nil {
			return err
		}
	}
	return j.remove(fsys)
}

// errRefused marks a rollback refused before it touched anything.
var errRefused = errors.New("rollback refused, nothing was restored")

func touched(err error) bool { return !errors.Is(err, errRefused) }

// Recover finishes what a run killed part-way left: it undoes an
// interrupted write (files back as they were, its backups and the
// directories it made removed), or finishes an interrupted rollback; then
// it removes the temp files left in those directories, and the intent.
// Without an intent it does nothing and returns nil. Call it only while no
// other run can write (under the caller's lock).
func (j *Journal) Recover(root string) (*Recovery, error) {
	fsys := j.fsys(root)
	in, err := j.readIntent(fsys)
	if err != nil || in == nil {
		return nil, err
	}
	rec := &Recovery{PID: in.PID, Started: in.Started}
	switch in.Kind {
	case intentApply:
		err = j.recoverApply(fsys, in, rec)
	case intentRollback:
		err = j.recoverRollback(fsys, in, rec)
	default:
		err = fmt.Errorf("%s: unknown kind %q: move it away", j.Path, in.Kind)
	}
	if err != nil {
		return rec, err
	}
	return rec, j.remove(fsys)
}

// readIntent reads and checks the intent on disk: nil when there is none.
func (j *Journal) readIntent(fsys *hostfs.FS) (*intent, error) {
	b, err := readTrusted(fsys, j.Path)
	if err != nil || b == nil {
		return nil, err
	}
	var in intent
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("%s is not a journal docker-tls wrote (%v): move it away, then check the files it names", j.Path, err)
	}
	if err := j.checkIntent(&in); err != nil {
		return nil, err
	}
	return &in, nil
}

// recoverApply undoes an interrupted write.
func (j *Journal) recoverApply(fsys *hostfs.FS, in *intent, rec *Recovery) error {
	var written []string
	for _, f := range in.Files {
		written = append(written, f.Path)
	}
	// Temps first: the directories the run made go only when empty.
	if err := j.removeTemps(fsys, written, rec); err != nil {
		return err
	}
	return undo(fsys, in, rec)
}

// recoverRollback finishes an interrupted rollback of the run in.Run.
func (j *Journal) recoverRollback(fsys *hostfs.FS, in *intent, rec *Recovery) error {
	rec.Finished = true
	if in.Run == nil {
		return fmt.Errorf("%s: a rollback without the run it undoes: move it away", j.Path)
	}
	if err := rollback(fsys, in.Run); err != nil {
		return fmt.Errorf("finishing the rollback of the run in %s: %w", j.Record, err)
	}
	rec.Undone = in.Run.Written
	if j.Record != "" {
		if err := removeFile(fsys, j.Record); err != nil {
			return err
		}
	}
	return j.removeTemps(fsys, in.Run.Written, rec)
}

// removeTemps removes the temp files left in the journal's directory and
// in those of the files written, listing them in rec.Temps.
func (j *Journal) removeTemps(fsys *hostfs.FS, written []string, rec *Recovery) error {
	dirs := []string{path.Dir(j.Path)}
	for _, p := range written {
		dirs = append(dirs, path.Dir(p))
	}
	slices.Sort(dirs)
	for _, d := range slices.Compact(dirs) {
		removed, err := fsys.RemoveTemps(d)
		rec.Temps = append(rec.Temps, removed...)
		if err != nil {
			return err
		}
	}
	return nil
}

// undo puts back what the run in describes, whatever step it stopped at:
// every file as it was (in reverse write order), then the modes of the
// directories it narrowed, then it removes the backups it made and the
// directories it created (when empty). It is the one undo: of an Apply that
// failed (in-process), of one that was killed (Journal.Recover), and of a
// completed run from its record (Rollback). Each step looks at the disk
// first, so running it again after it was itself interrupted is safe; a
// file that is neither what the run found nor what it wrote was changed
// since, and is left as it is (listed in rec.Kept).
func undo(fsys *hostfs.FS, in *intent, rec *Recovery) error {
	var errs []error
	for i := len(in.Files) - 1; i >= 0; i-- {
		errs = append(errs, undoFile(fsys, in.Files[i], rec))
	}
	for i := len(in.Modes) - 1; i >= 0; i-- {
		errs = append(errs, undoMode(fsys, in.Modes[i]))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, f := range in.Files {
		if f.Backup == "" || slices.Contains(rec.Kept, f.Path) {
			continue
		}
		// The file has its old content again: the backup the run made of
		// it (whole or not: its name was free when the intent was made,
		// under the lock) is a copy too many.
		errs = append(errs, removeFile(fsys, f.Backup))
	}
	for i := len(in.Dirs) - 1; i >= 0; i-- {
		errs = append(errs, removeDir(fsys, in.Dirs[i]))
	}
	return errors.Join(errs...)
}

// undoFile puts the file f back as it was before the run, from f.OldData or
// its backup, or removes it when the run created it.
func undoFile(fsys *hostfs.FS, f intentFile, rec *Recovery) error {
	cur, fi, err := readWithInfo(fsys, f.Path)
	if err != nil {
		return err
	}
	switch f.state(cur, fi) {
	case fileUntouched:
		return nil
	case fileCreated:
		err = removeFile(fsys, f.Path)
	case fileReplaced:
		err = restoreOld(fsys, f)
	default:
		rec.Kept = append(rec.Kept, f.Path)
		return nil
	}
	if err != nil {
		return err
	}
	rec.Undone = append(rec.Undone, f.Path)
	return nil
}

// What the run did to a file, as the disk shows it.
const (
	fileUntouched = iota // as the run found it, or put back already
	fileCreated          // made by the run, as it wrote it
	fileReplaced         // replaced by the run (or removed, or left half-way)
	fileChanged          // neither: changed since, by someone else
)

// state tells, from the file's content cur (nil when absent) and fi, what
// the run did to it.
func (f intentFile) state(cur []byte, fi fs.FileInfo) int {
	isNew := cur != nil && sum(cur) == f.NewSHA
	isOld := cur != nil && f.Existed && sum(cur) == f.OldSHA && fi.Mode().Perm() == f.OldMode
	switch {
	case isOld, cur == nil && !f.Existed:
		return fileUntouched
	case !f.Existed && isNew:
		return fileCreated
	case f.Existed && (isNew || cur == nil || sum(cur) == f.OldSHA):
		return fileReplaced
	}
	return fileChanged
}

// restoreOld writes back what f had before the run: f.OldData, else its
// backup, which must hold that content.
func restoreOld(fsys *hostfs.FS, f intentFile) error {
	old := f.OldData
	if old == nil {
		var err error
		if old, err = readOptional(fsys, f.Backup); err != nil {
			return fmt.Errorf("restore %s: %w", f.Path, err)
		}
		if old == nil || sum(old) != f.OldSHA {
			return fmt.Errorf("restore %s: the backup %s does not hold what %s had before the run", f.Path, f.Backup, f.Path)
		}
	}
	if err := writeAtomic(fsys, f.Path, old, f.OldMode); err != nil {
		return fmt.Errorf("restore %s: %w", f.Path, err)
	}
	return nil
}

// undoMode gives the directory m.Path its mode from before the run back.
func undoMode(fsys *hostfs.FS, m dirMode) error {
	fi, err := fsys.Lstat(m.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil && fi.Mode().Perm() != m.Mode {
		err = chmodDir(fsys, m.Path, m.Mode)
	}
	return err
}

// Writable lists the host configuration files Build may write on this
// host: the configuration file dockerd reads (daemon.json, or the one
// --config-file names), override.conf, and the environment files docker-tls
// may edit, the drop-ins that reset a socket unit's TCP listeners. With the caller's own files, they are what a journal or a run
// record may name.
func (d *Detection) Writable() []string {
	out := []string{OverridePath, DaemonJSONPath}
	if d.ConfigFile != "" && d.ConfigFile != DaemonJSONPath {
		out = append(out, d.ConfigFile)
	}
	for _, p := range d.EnvFiles {
		if editable(d.files, p) {
			out = append(out, p)
		}
	}
	socks, _ := d.dockerSockets()
	for _, s := range socks {
		out = append(out, socketDropIn(s.name))
	}
	return out
}
