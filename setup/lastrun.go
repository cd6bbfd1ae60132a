package setup

import (
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/docker-tls/docker-tls/render"
)

// managed reports whether a path may appear in the record of a run
// (last-run.json) or in the intent journal: the TLS files (anything under
// TLSDir), the host's configuration files docker-tls may write (config, see
// render.Detection.Writable), their backups, and the directories above them.
// A record naming anything else was not written by docker-tls, and is
// refused before anything is touched: apply's rollback would otherwise
// overwrite or delete that file as root.
func managed(p string, config []string) bool {
	if p == TLSDir || strings.HasPrefix(p, TLSDir+"/") {
		return true
	}
	for _, f := range append(config, renewUnitPaths...) {
		if p == f || render.IsBackupOf(p, f) {
			return true
		}
	}
	for _, f := range append(append([]string{TLSDir}, config...), renewUnitPaths...) {
		for d := path.Dir(f); d != "/"; d = path.Dir(d) {
			if p == d {
				return true
			}
		}
	}
	return false
}

// allowed is managed for this host: its configuration files as detected
// when first asked (daemon.json and override.conf when detection fails).
// Only reading a record or an intent asks.
func (h *Host) allowed() func(string) bool {
	config := sync.OnceValue(func() []string {
		if det, err := render.Detect(h.fs); err == nil {
			return det.Writable()
		}
		return []string{render.DaemonJSONPath, render.OverridePath}
	})
	return func(p string) bool { return managed(p, config()) }
}

// forgetLastRun: once applied or rolled back, the record must not be used
// again, or a later rollback would undo newer work.
func (h *Host) forgetLastRun() error { return h.journal().ForgetRecord(h.root) }

// loadLastRun reads the record of the last run, under the same rules as
// every trusted file, and refuses one that names a path docker-tls does not
// manage.
func (h *Host) loadLastRun() (*render.Result, error) {
	res, err := h.journal().LoadRecord(h.root)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("%w (%s)", ErrNoRun, LastRunPath)
	}
	return res, nil
}

// rollbackRun undoes the run res records (see render.Rollback), with an
// intent on disk so that a rollback killed part-way is finished by the next
// run, then forgets the run and removes the directories it made.
func (h *Host) rollbackRun(res *render.Result) error {
	if err := h.journal().Rollback(h.root, res); err != nil {
		return err
	}
	h.mu.Lock()
	h.removeEmptyDirs(res.Dirs)
	h.mu.Unlock()
	return nil
}
