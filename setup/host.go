package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// Host is one machine's Docker setup under a root directory ("/" for the
// real one; tests and sandboxes pass another, like DESTDIR). Build it once
// with New and call its operations; it is safe for concurrent use by one
// front end (the wizard runs work in goroutines).
type Host struct {
	root    string
	now     func() time.Time
	systemd Systemd

	mu   sync.Mutex
	keys *pki.KeyGen // started by StartKeys, taken by the next PrepareInit
}

// Option configures a Host.
type Option func(*Host)

// WithNow sets the clock (tests).
func WithNow(now func() time.Time) Option { return func(h *Host) { h.now = now } }

// WithSystemd sets how Apply restarts Docker and reads its journal.
func WithSystemd(s Systemd) Option { return func(h *Host) { h.systemd = s } }

// New returns the Host under root ("" means "/").
func New(root string, opts ...Option) *Host {
	if root == "" {
		root = "/"
	}
	h := &Host{root: root, now: time.Now}
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

// Path is the on-disk path of a real path under the root.
func (h *Host) Path(p string) string { return render.Join(h.root, p) }

// read reads a real path under the root; a missing file is (nil, false, nil).
func (h *Host) read(p string) ([]byte, bool, error) {
	b, err := os.ReadFile(h.Path(p))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s: %w", h.Path(p), err)
	}
	return b, true, nil
}

func (h *Host) exists(p string) bool {
	_, err := os.Lstat(h.Path(p))
	return err == nil
}
