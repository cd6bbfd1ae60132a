package setup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/hostfs"
	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/render"
	"golang.org/x/sys/unix"
)

// The lock and the intent journal live beside the TLS files: only root may
// open the lock (mode 0600 in a root-owned directory), so no other user can
// hold it to stall docker-tls.
const (
	// LockPath serialises the runs that write: each holds it (flock) from
	// reading the host until its write is done.
	LockPath = TLSDir + "/docker-tls.lock"
	// JournalPath is the intent of a write under way; a run that finds
	// one left by a run that was killed rolls that run back first.
	JournalPath = TLSDir + "/journal.json"
)

// lockWait is how long a run waits for another to finish before it gives
// up: a run takes about a second; longer means someone is at a prompt (or
// in the wizard), and waiting on them blindly helps nobody.
const lockWait = 15 * time.Second

// ErrLocked: another docker-tls run holds the lock.
var ErrLocked = errors.New("another docker-tls run is writing")

// lockState is the lock a Host holds.
type lockState struct {
	f *os.File // flock'ed
}

// journal is the intent journal and run record of this Host, confined to
// the files docker-tls manages.
func (h *Host) journal() *render.Journal {
	return &render.Journal{Path: JournalPath, Record: LastRunPath, Allow: h.allowed(), FS: h.fs}
}

// lock takes the lock before the host is read for a write (Prepare*,
// Apply), and keeps it until Close. Before TLSDir exists there is nothing to
// protect yet: lock then returns without it, and Write makes TLSDir with the
// lock already held inside (lockForWrite), so that a run which read an
// empty host finds out, when it writes, that another one set it up.
func (h *Host) lock() error { return h.acquire(false) }

// lockForWrite is lock for Write, Undo and Apply: it makes TLSDir (holding
// the lock) when missing.
func (h *Host) lockForWrite() error { return h.acquire(true) }

func (h *Host) acquire(create bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lk != nil {
		return nil
	}
	// Refuse before anything is read or written. Once the lock is held,
	// the directories checked cannot change: only root can write them.
	if err := h.checkPaths(); err != nil {
		return err
	}
	wait := lockWait
	if h.lockWait > 0 {
		wait = h.lockWait
	}
	deadline := time.Now().Add(wait)
	said := false
	for {
		dir, err := h.fs.OpenDir(TLSDir)
		if errors.Is(err, fs.ErrNotExist) {
			if !create {
				return nil
			}
			made, err := h.createLocked()
			if err != nil || made {
				return err
			}
			continue // another run made TLSDir meanwhile: wait for its lock
		}
		if err != nil {
			return err
		}
		f, err := dir.OpenLock(path.Base(LockPath))
		dir.Close()
		if err != nil {
			return err
		}
		for {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
			if err != unix.EWOULDBLOCK && err != unix.EINTR {
				break
			}
			holder := lockHolder(f)
			if time.Now().After(deadline) {
				f.Close()
				return hint.Errorf(fmt.Sprintf("Wait for it to finish (or end it: kill %s), then run again.", holderPID(holder)),
					"%w: %s has held %s for more than %s", ErrLocked, holder, h.Path(LockPath), wait)
			}
			if !said && h.notify != nil {
				h.notify(fmt.Sprintf("waiting for %s, which holds %s (up to %s)", holder, h.Path(LockPath), wait))
				said = true
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("lock %s: %w", h.Path(LockPath), err)
		}
		if !h.stillLinked(f) {
			// The run that held it removed it (its rollback removed
			// TLSDir): start over.
			f.Close()
			continue
		}
		h.lk = &lockState{f: f}
		return h.recover()
	}
}

// stillLinked reports whether f is still the file at LockPath.
func (h *Host) stillLinked(f *os.File) bool {
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil {
		return false
	}
	fi, err := h.fs.Lstat(LockPath)
	if err != nil {
		return false
	}
	dev, ino, ok := hostfs.Ino(fi)
	return ok && st.Dev == dev && st.Ino == ino
}

// createLocked makes TLSDir for the first write on this host, with the lock
// file inside already held: the directory is made under a temp name, the
// lock taken, and only then is it renamed into place, so that no run can
// find TLSDir without its lock held. It reports false when TLSDir appeared
// meanwhile (another run made it).
func (h *Host) createLocked() (bool, error) {
	parent, made, err := h.fs.MkdirAll(path.Dir(TLSDir), modePublic)
	if err != nil {
		return false, err
	}
	defer parent.Close()
	tmp := fmt.Sprintf("%s%d", hostfs.TempPrefix(path.Base(TLSDir)), os.Getpid())
	if err := parent.Mkdir(tmp, modePublic); err != nil {
		return false, err
	}
	sub, err := parent.Sub(tmp)
	var f *os.File
	if err == nil {
		f, err = sub.OpenLock(path.Base(LockPath))
		sub.Close()
	}
	if err == nil {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err == nil {
		err = parent.RenameNoReplace(tmp, path.Base(TLSDir))
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		removeTempTLSDir(parent, tmp)
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	if err := parent.Sync(); err != nil {
		f.Close()
		return false, err
	}
	h.lk = &lockState{f: f}
	h.made = append(made, TLSDir)
	h.removeStaleTLSDirs() // of first runs that were killed before this one
	return true, nil
}

// removeTempTLSDir removes a temp TLSDir made by createLocked (the lock file
// in it, then it).
func removeTempTLSDir(parent *hostfs.Dir, name string) error {
	sub, err := parent.Sub(name)
	if err != nil {
		return err
	}
	err = sub.Remove(path.Base(LockPath))
	sub.Close()
	return errors.Join(err, parent.Rmdir(name))
}

// Close releases the lock (the process exiting does too).
func (h *Host) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lk == nil {
		return nil
	}
	err := h.lk.f.Close()
	h.lk = nil
	return err
}

// recover runs once the lock is held: it finishes what a run that was
// killed left (see render.Journal.Recover), and removes the temp files
// earlier runs left in the directories docker-tls writes.
func (h *Host) recover() error {
	rec, err := h.journal().Recover(h.root)
	if err != nil {
		return hint.Errorf("Look at the files it names; once they are as they should be, move "+h.Path(JournalPath)+" away and run again.",
			"a docker-tls run was interrupted, and undoing it failed: %w", err)
	}
	if rec != nil {
		h.interrupted = true
		h.recovered = append(h.recovered, describeRecovery(rec))
	}
	var temps []string
	for _, d := range h.writtenDirs() {
		removed, err := h.fs.RemoveTemps(d)
		if err != nil {
			return err
		}
		temps = append(temps, removed...)
	}
	temps = append(temps, h.removeBinaryTemps()...)
	h.removeStaleTLSDirs()
	if len(temps) > 0 {
		h.recovered = append(h.recovered, fmt.Sprintf("removed %d temp files left by an earlier run that was interrupted: %s", len(temps), strings.Join(temps, ", ")))
	}
	if h.notify != nil {
		for _, s := range h.recovered {
			h.notify(s)
		}
	}
	return nil
}

func describeRecovery(r *render.Recovery) string {
	what := "was interrupted"
	if r.Finished {
		what = "was interrupted while rolling back"
	}
	s := fmt.Sprintf("the docker-tls run started %s (pid %d) %s", r.Started.Local().Format("2006-01-02 15:04:05"), r.PID, what)
	switch {
	case r.Finished:
		s += "; its rollback was finished"
	case len(r.Undone) > 0:
		s += "; it was rolled back: " + strings.Join(r.Undone, ", ")
	default:
		s += " before it changed any file"
	}
	if len(r.Kept) > 0 {
		s += "; changed since and left as they are: " + strings.Join(r.Kept, ", ")
	}
	return s
}

// managedPaths are the paths a writing run may read or write: the TLS
// files, the run's own files, daemon.json and override.conf; the bundles
// are below ClientsDir.
var managedPaths = []string{TLSDir, ServerCA, ServerCert, ServerKey, CADir, CACert, CAKey, LedgerPath, ClientsDir,
	LastRunPath, JournalPath, LockPath, render.DaemonJSONPath, render.OverridePath,
	MembersPath, AnchorsPath, PrevCACert, RemovedDir, HostIssuerCert, HostIssuerKey,
	// The wants entry is a link by design: its directory is checked.
	render.RenewServicePath, render.RenewTimerPath, path.Dir(render.RenewTimerWants)}

// checkPaths refuses a host where a path docker-tls would read or write
// goes through a link, or a directory or file another user could change,
// naming every one with its fix.
func (h *Host) checkPaths() error {
	if errs := h.pathProblems(); len(errs) > 0 {
		return hint.With(errors.Join(errs...), "docker-tls changed nothing. Fix each path as said, then run again; \"docker-tls status\" lists them too.")
	}
	return nil
}

// pathProblems is every refusal on the way to the managed paths and in
// each bundle (see hostfs.FS.Problems), each path named once. Other errors
// (a file where a directory should be) are left to the reads and writes,
// which say them with the file they were after.
func (h *Host) pathProblems() []error {
	var errs []error
	seen := map[string]bool{}
	add := func(list []error) {
		for _, err := range list {
			var ue *hostfs.UnsafeError
			if errors.As(err, &ue) && !seen[ue.Path] {
				seen[ue.Path] = true
				errs = append(errs, err)
			}
		}
	}
	for _, p := range managedPaths {
		add(h.fs.Problems(p))
	}
	add(h.fs.ProblemsBelow(ClientsDir, 2)) // each bundle and its files
	return errs
}

// writtenDirs are the directories docker-tls writes files in: its own and
// those of the host's configuration.
func (h *Host) writtenDirs() []string {
	return append([]string{TLSDir, path.Dir(render.DaemonJSONPath), path.Dir(render.OverridePath)}, h.ownDirs()...)
}

// removeStaleTLSDirs removes the temp TLSDirs of first runs that were
// killed before they renamed theirs into place (their lock is free).
func (h *Host) removeStaleTLSDirs() {
	parent, err := h.fs.OpenDir(path.Dir(TLSDir))
	if err != nil {
		return
	}
	defer parent.Close()
	ents, err := parent.ReadDir()
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), hostfs.TempPrefix(path.Base(TLSDir))) {
			continue
		}
		sub, err := parent.Sub(e.Name())
		if err != nil {
			continue
		}
		f, err := sub.OpenLock(path.Base(LockPath))
		sub.Close()
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			removeTempTLSDir(parent, e.Name())
		}
		f.Close()
	}
}

// dropMade removes the directories the lock made for this run (TLSDir and
// its parents), when nothing but the lock file is left in them: a run that
// wrote nothing leaves no directory behind.
func (h *Host) dropMade() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeEmptyDirs(h.made)
	h.made = nil
}

// removeEmptyDirs removes dirs (parents first in the list) when empty,
// counting TLSDir as empty when only the lock file is left in it (the lock
// is released first).
func (h *Host) removeEmptyDirs(dirs []string) {
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		if d == TLSDir {
			ents, err := h.fs.ReadDir(TLSDir)
			if err != nil || len(ents) != 1 || ents[0].Name() != path.Base(LockPath) {
				continue
			}
			dir, err := h.fs.OpenDir(TLSDir)
			if err != nil {
				continue
			}
			// Removed while held: a run waiting on it sees it is gone
			// (stillLinked) and starts over.
			dir.Remove(path.Base(LockPath))
			dir.Close()
			if h.lk != nil {
				h.lk.f.Close()
				h.lk = nil
			}
		}
		parent, err := h.fs.OpenDir(path.Dir(d))
		if err != nil {
			continue
		}
		parent.Rmdir(path.Base(d))
		parent.Close()
	}
}

// lockHolder names the process holding f's flock, from /proc/locks: "pid
// 1234 (docker-tls client add bob)".
func lockHolder(f *os.File) string {
	pid := lockPID(f)
	if pid <= 0 {
		return "another process"
	}
	cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	args := strings.Fields(strings.ReplaceAll(string(bytes.TrimRight(cmd, "\x00")), "\x00", " "))
	if len(args) > 0 {
		args[0] = path.Base(args[0])
	}
	if len(args) > 6 {
		args = append(args[:6], "...")
	}
	if len(args) == 0 {
		return fmt.Sprintf("pid %d", pid)
	}
	return fmt.Sprintf("pid %d (%s)", pid, strings.Join(args, " "))
}

// holderPID is the pid in a lockHolder description, for the hint.
func holderPID(holder string) string {
	if s, ok := strings.CutPrefix(holder, "pid "); ok {
		n, _, _ := strings.Cut(s, " ")
		return n
	}
	return "it"
}

// lockPID finds the pid holding a FLOCK on f's file in /proc/locks, whose
// lines read "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (major and
// minor in hex, then the inode); 0 when not found.
func lockPID(f *os.File) int {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0
	}
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer locks.Close()
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" {
			continue // "->" marks a waiter
		}
		if fields[5] == want {
			pid, _ := strconv.Atoi(fields[4])
			return pid
		}
	}
	return 0
}
