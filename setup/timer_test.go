package setup

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/render"
)

// TestInitInstallsTheRenewalTimer: init writes both units, enables the
// timer as systemctl enable would (the wants link), and installs the
// running binary where the service runs it; a re-run changes nothing.
func TestInitInstallsTheRenewalTimer(t *testing.T) {
	root := newRoot(t)
	h := New(root)
	defer h.Close()
	in := testInput(func(in *InitInput) { in.AutoRenew = true })
	p, err := h.PrepareInit(in, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if p.Outline.Timer == nil || p.Outline.Timer.From == "" {
		t.Fatalf("the outline does not show the timer and the binary to install: %+v", p.Outline.Timer)
	}
	w, err := h.Write(p, nil)
	if err != nil || w.TimerErr != nil {
		t.Fatalf("write: %v, timer: %v", err, w.TimerErr)
	}
	service, err := os.ReadFile(filepath.Join(root, render.RenewServicePath))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"renew --auto", "--root " + root, "ReadWritePaths=" + filepath.Join(root, TLSDir)} {
		if !strings.Contains(string(service), want) {
			t.Errorf("the service does not hold %q:\n%s", want, service)
		}
	}
	link, err := os.Readlink(filepath.Join(root, render.RenewTimerWants))
	if err != nil || link != render.RenewTimerPath {
		t.Errorf("wants link: %q, %v; want %s", link, err, render.RenewTimerPath)
	}
	self, _ := os.ReadFile("/proc/self/exe")
	bin, err := os.ReadFile(filepath.Join(root, render.InstalledBinary))
	if err != nil || !bytes.Equal(bin, self) {
		t.Fatalf("the binary at %s is not a copy of the running one (err %v)", render.InstalledBinary, err)
	}
	if fi, _ := os.Stat(filepath.Join(root, render.InstalledBinary)); fi.Mode().Perm() != 0o755 {
		t.Errorf("%s has mode %04o, want 0755", render.InstalledBinary, fi.Mode().Perm())
	}
	again, err := h.PrepareInit(in, []byte(testPass))
	if err != nil || !again.Empty() {
		t.Fatalf("a re-run would write %d files (err %v)", again.Pending(), err)
	}
}

// TestTimerLinkOfAnotherKind: a wants entry docker-tls did not make is
// left alone and said, not replaced.
func TestTimerLinkOfAnotherKind(t *testing.T) {
	root := newRoot(t)
	wants := filepath.Join(root, render.RenewTimerWants)
	if err := os.MkdirAll(filepath.Dir(wants), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", wants); err != nil {
		t.Fatal(err)
	}
	h := New(root)
	defer h.Close()
	p, err := h.PrepareInit(testInput(func(in *InitInput) { in.AutoRenew = true }), []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	w, err := h.Write(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.TimerErr == nil || !strings.Contains(w.TimerErr.Error(), "points to /dev/null") {
		t.Fatalf("timer error %v, want the link named", w.TimerErr)
	}
	if l, _ := os.Readlink(wants); l != "/dev/null" {
		t.Errorf("the link was replaced: %q", l)
	}
}
