package setup

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/pki"
)

const testPass = "correct horse battery staple"

// debianUnit is Debian's docker.io unit: init writes an override without -H fd://.
const debianUnit = `[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
`

// clock is a settable clock for a Host.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// newRoot is a temp root with Debian's unit and nothing else.
func newRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeFile(t, root, "/lib/systemd/system/docker.service", debianUnit, 0o644)
	return root
}

func writeFile(t *testing.T, root, p, data string, mode os.FileMode) {
	t.Helper()
	full := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(full, mode); err != nil {
		t.Fatal(err)
	}
}

func testInput(edit ...func(*InitInput)) InitInput {
	p := pki.DefaultPlan()
	p.FQDN = "docker.example.com"
	p.IPs = []string{"192.0.2.10"}
	in := InitInput{Plan: p, Listen: "0.0.0.0:2376"}
	for _, e := range edit {
		e(&in)
	}
	return in
}

// mustInit prepares and writes an init.
func mustInit(t *testing.T, h *Host, in InitInput) *Prepared {
	t.Helper()
	p, err := h.PrepareInit(in, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func serverCert(t *testing.T, h *Host) *pki.Info {
	t.Helper()
	b, ok, err := h.read(ServerCert)
	if err != nil || !ok {
		t.Fatalf("read %s: %v", ServerCert, err)
	}
	info, err := pki.Inspect(b)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// WithSystemd sets how Apply restarts Docker and reads its journal.
func WithSystemd(s Systemd) Option { return func(h *Host) { h.systemd = s } }

// withLockWait sets how long a Host waits for the lock.
func withLockWait(d time.Duration) Option { return func(h *Host) { h.lockWait = d } }
