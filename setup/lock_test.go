package setup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"golang.org/x/sys/unix"
)

// TestLockHeld: while another process holds the lock, a run says who holds
// it, waits a bounded time, then gives up with an error naming the holder
// and the lock file. Here the holder is this test process (another open of
// the lock file conflicts with the Host's own).
func TestLockHeld(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, TLSDir), 0o755); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(root, LockPath)
	f, err := os.OpenFile(lock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	var said []string
	h := New(root, withLockWait(300*time.Millisecond), WithNotify(func(s string) { said = append(said, s) }))
	defer h.Close()
	start := time.Now()
	err = h.lock()
	holder := fmt.Sprintf("pid %d (", os.Getpid())
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), holder) || !strings.Contains(err.Error(), lock) {
		t.Fatalf("err = %v; want ErrLocked naming %s and %s", err, holder, lock)
	}
	if hint := hint.Of(err); !strings.Contains(hint, fmt.Sprintf("kill %d", os.Getpid())) {
		t.Errorf("hint %q", hint)
	}
	if len(said) != 1 || !strings.Contains(said[0], "waiting for "+holder) {
		t.Errorf("said %q; want one line saying who it waits for", said)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Errorf("gave up without waiting")
	}
	// Released: the next try takes it.
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	if err := h.lock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockFileRemovedWhileWaiting: the run holding the lock removes it
// (its rollback removed TLSDir); a run waiting on it starts over and makes
// TLSDir again for its write, rather than holding a lock nobody else can
// see.
func TestLockFileRemovedWhileWaiting(t *testing.T) {
	root := t.TempDir()
	first := New(root)
	if err := first.lockForWrite(); err != nil {
		t.Fatal(err)
	}
	second := New(root, withLockWait(5*time.Second))
	defer second.Close()
	done := make(chan error)
	go func() { done <- second.lockForWrite() }()
	time.Sleep(200 * time.Millisecond) // second is waiting on first's lock file
	first.dropMade()                   // first wrote nothing: TLSDir goes
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !second.stillLinked(second.lk.f) {
		t.Fatal("second holds a lock file that is no longer at " + LockPath)
	}
}

// TestPrepareWaitsForTheLock: every operation that writes takes the lock
// before it reads the host (and finishes an interrupted run first), not
// only when it writes: while another run holds it, each gives up with
// ErrLocked rather than prepare from files that run is changing.
func TestPrepareWaitsForTheLock(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, TLSDir), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(root, LockPath), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	pass := []byte(testPass)
	for name, prepare := range map[string]func(h *Host) error{
		"init":     func(h *Host) error { _, err := h.PrepareInit(testInput(), pass); return err },
		"client":   func(h *Host) error { _, err := h.PrepareClient(ClientInput{Name: "bob"}, pass); return err },
		"renew":    func(h *Host) error { _, err := h.PrepareRenew(RenewInput{}, pass); return err },
		"remove":   func(h *Host) error { _, err := h.PrepareRemove(RemoveInput{Name: "bob"}); return err },
		"switch":   func(h *Host) error { _, err := h.PrepareSwitch(pass); return err },
		"finalize": func(h *Host) error { _, err := h.PrepareFinalize(pass); return err },
	} {
		t.Run(name, func(t *testing.T) {
			h := New(root, withLockWait(50*time.Millisecond))
			defer h.Close()
			if err := prepare(h); !errors.Is(err, ErrLocked) {
				t.Fatalf("err = %v; want ErrLocked", err)
			}
		})
	}
}
