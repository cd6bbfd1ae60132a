package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/docker-tls/docker-tls/hostfs"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// Host is one machine's Docker setup under a root directory ("/" for the
// real one; tests and sandboxes pass another, like DESTDIR). Build it once
// with New and call its operations; it is safe for concurrent use by one
// front end (the wizard runs work in goroutines).
type Host struct {
	root    string
	fs      *hostfs.FS // every read and write under root goes through it
	now     func() time.Time
	systemd Systemd
	notify  func(string) // what a run should hear about while it works; nil: nothing
	// lockWait: how long to wait for another run's lock; 0 is lockWait.
	lockWait time.Duration

	mu        sync.Mutex
	keys      *pki.KeyGen // started by StartKeys, taken by the next PrepareInit
	lk        *lockState  // held from the first Prepare to Close
	made      []string    // directories made for the lock (a first run), until written
	recovered []string    // what taking the lock finished for an interrupted run
	// interrupted: taking the lock rolled back a run that was killed.
	interrupted bool
}

// Option configures a Host.
type Option func(*Host)

// WithNow sets the clock (tests).
func WithNow(now func() time.Time) Option { return func(h *Host) { h.now = now } }

// WithNotify sets where a run says what it waits for (another run holding
// the lock) and what it finished for a run that was interrupted; the CLI
// prints these on stderr.
func WithNotify(f func(msg string)) Option { return func(h *Host) { h.notify = f } }

// New returns the Host under root ("" means "/").
func New(root string, opts ...Option) *Host {
	if root == "" {
		root = "/"
	}
	h := &Host{root: root, fs: hostfs.New(root), now: time.Now}
	for _, o := range opts {
		o(h)
	}
	if h.systemd == nil {
		h.systemd = ExecSystemd{}
	}
	return h
}

// Root is the directory the Host lives under.
func (h *Host) Root() string { return h.root }

// Sandbox reports a root other than "/": restarting the host's Docker makes
// no sense for files written there.
func (h *Host) Sandbox() bool { return h.root != "/" }

// sandboxRoot is the root when it is not the host, else "": what a printed
// command must carry (--root) to act on the same files.
func (h *Host) sandboxRoot() string {
	if h.Sandbox() {
		return h.root
	}
	return ""
}

// Path is the on-disk path of a real path under the root.
func (h *Host) Path(p string) string { return render.Join(h.root, p) }

// read reads a real path under the root through hostfs: no link is
// followed on the way, and as root every directory on the way must be
// root's and not writable by others, and the file root's, or it is refused
// with the fix. A missing file is (nil, false, nil).
func (h *Host) read(p string) ([]byte, bool, error) {
	b, err := h.fs.ReadFile(p, hostfs.MaxFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	var ue *hostfs.UnsafeError
	if errors.As(err, &ue) {
		return nil, false, err // names the path and the fix
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s: %w", h.Path(p), err)
	}
	return b, true, nil
}

// exists reports whether something is at p. Something unsafe on the way
// counts as there: reading it says what is wrong.
func (h *Host) exists(p string) bool {
	_, err := h.fs.Lstat(p)
	return !errors.Is(err, fs.ErrNotExist)
}
