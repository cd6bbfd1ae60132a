package setup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/docker-tls/docker-tls/hostfs"
	"github.com/docker-tls/docker-tls/render"
)

// renewUnitPaths are the renewal timer's units: written through the same
// journal as the TLS files, so that apply's rollback may restore them.
var renewUnitPaths = []string{render.RenewServicePath, render.RenewTimerPath}

// TimerOutline is the renewal timer an init installs.
type TimerOutline struct {
	Units []string // real paths of the service and the timer
	// Binary is the docker-tls the timer runs (render.InstalledBinary);
	// From is the running binary copied there, "" when it runs from there.
	Binary, From string
}

// selfExe is the running binary, read through /proc/self/exe: the file
// the kernel runs, even if its path was replaced since (a user's
// ~/bin/docker-tls swapped under a root shell is not copied).
const selfExe = "/proc/self/exe"

// renewTimer renders the units of the renewal timer for this root, and says
// whether the running binary must be copied to render.InstalledBinary.
func (h *Host) renewTimer() ([]render.File, *TimerOutline) {
	args := []string{"renew", "--auto", "--metrics", h.fs.OnDisk(render.MetricsPath)}
	if h.Sandbox() {
		args = append(args, "--root", h.root)
	}
	service, timer := render.RenewUnits(args, []string{h.fs.OnDisk(TLSDir)})
	o := &TimerOutline{Units: renewUnitPaths, Binary: render.InstalledBinary}
	if !h.binaryInstalled() {
		o.From, _ = os.Executable()
		if o.From == "" {
			o.From = selfExe
		}
	}
	return []render.File{
		{Path: render.RenewServicePath, Data: service, Mode: 0o644},
		{Path: render.RenewTimerPath, Data: timer, Mode: 0o644},
	}, o
}

// installTimer finishes what the journal does not carry: the copy of
// docker-tls the timer runs and the link "systemctl enable" would make.
// Both are idempotent, so a run killed in between is finished by the next.
func (h *Host) installTimer(o *TimerOutline) error {
	if o == nil {
		return nil
	}
	if o.From != "" {
		if err := h.installBinary(); err != nil {
			return err
		}
	}
	return h.enableTimer()
}

// binaryInstalled reports whether render.InstalledBinary is already the
// running binary, byte for byte, with mode 0755.
func (h *Host) binaryInstalled() bool {
	self, err := os.ReadFile(selfExe)
	return err == nil && h.installedIs(self)
}

// installedIs reports whether render.InstalledBinary holds self, 0755.
func (h *Host) installedIs(self []byte) bool {
	dir, err := h.fs.OpenDir(path.Dir(render.InstalledBinary))
	if err != nil {
		return false
	}
	defer dir.Close()
	old, fi, err := dir.ReadFile(path.Base(render.InstalledBinary), int64(len(self))+1)
	return err == nil && fi.Mode().Perm() == 0o755 && bytes.Equal(old, self)
}

// installBinary copies the running binary to render.InstalledBinary (0755,
// root's), atomically: a timer never runs a half-written file.
func (h *Host) installBinary() error {
	data, err := os.ReadFile(selfExe)
	if err != nil {
		return fmt.Errorf("read the running docker-tls: %w", err)
	}
	if h.installedIs(data) {
		return nil // a re-run, or one killed after the rename
	}
	dir, _, err := h.fs.MkdirAll(path.Dir(render.InstalledBinary), 0o755)
	if err != nil {
		return fmt.Errorf("install %s: %w", h.Path(render.InstalledBinary), err)
	}
	defer dir.Close()
	if err := dir.WriteAtomic(path.Base(render.InstalledBinary), data, 0o755); err != nil {
		return fmt.Errorf("install %s: %w", h.Path(render.InstalledBinary), err)
	}
	return nil
}

// enableTimer makes timers.target.wants/docker-tls-renew.timer, the link
// "systemctl enable" makes from the timer's WantedBy=.
func (h *Host) enableTimer() error {
	dir, _, err := h.fs.MkdirAll(path.Dir(render.RenewTimerWants), 0o755)
	if err != nil {
		return fmt.Errorf("enable the renewal timer: %w", err)
	}
	defer dir.Close()
	name := path.Base(render.RenewTimerWants)
	target, err := dir.Readlink(name)
	switch {
	case err == nil && target == render.RenewTimerPath:
		return nil
	case err == nil:
		return fmt.Errorf("%s points to %s, not %s: remove it, then run again (or systemctl enable docker-tls-renew.timer)", h.Path(render.RenewTimerWants), target, render.RenewTimerPath)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w", h.Path(render.RenewTimerWants), err)
	}
	return dir.Symlink(render.RenewTimerPath, name)
}

// removeBinaryTemps removes the temp copies of docker-tls that an install
// killed part-way left beside render.InstalledBinary (only its own: other
// programs' files there are not docker-tls's to touch).
func (h *Host) removeBinaryTemps() []string {
	dir, err := h.fs.OpenDir(path.Dir(render.InstalledBinary))
	if err != nil {
		return nil
	}
	defer dir.Close()
	ents, err := dir.ReadDir()
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), hostfs.TempPrefix(path.Base(render.InstalledBinary))) && dir.Remove(e.Name()) == nil {
			removed = append(removed, path.Join(path.Dir(render.InstalledBinary), e.Name()))
		}
	}
	return removed
}
