package wizard

import (
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// goldenScreen compares the current screen with
// testdata/<Test>/<name>.golden (refresh with go test ./wizard -update) and
// checks that it fits the 80x24 terminal.
func goldenScreen(t *testing.T, d *driver, name string) {
	t.Helper()
	s := d.screen()
	t.Run(name, func(t *testing.T) {
		fits(t, s, 80, 24)
		golden.RequireEqual(t, s)
	})
}

func fits(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) > h {
		t.Errorf("%d lines, more than the terminal's %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d wide, more than %d: %q", i+1, n, w, l)
		}
	}
}

// TestScreensSetup walks the setup with Enter, a golden screen per step.
func TestScreensSetup(t *testing.T) {
	f := newFakes()
	opts := testOptions()
	opts.CanApply = true
	d := newDriver(t, f, opts)
	goldenScreen(t, d, "1-welcome")
	d.key("?")
	goldenScreen(t, d, "1-welcome-help")
	d.key("?", "enter")
	d.wantStep(stepCA)
	goldenScreen(t, d, "2-ca")
	d.key("enter", "enter")
	d.wantStep(stepServer)
	goldenScreen(t, d, "3-server")
	d.key("enter", "enter", "enter", "enter", "enter")
	d.wantStep(stepClients)
	goldenScreen(t, d, "4-clients")
	d.key("enter")
	d.wantStep(stepKeys)
	goldenScreen(t, d, "5-keys")
	d.key("enter", "enter", "enter")
	d.wantStep(stepReview)
	goldenScreen(t, d, "6-review")
	d.key("pgdown", "pgdown")
	goldenScreen(t, d, "6-review-diffs")
	d.key("enter")
	d.wantStep(stepDone)
	goldenScreen(t, d, "8-done")
}

// TestScreensStates covers the screens off the Enter-only path.
func TestScreensStates(t *testing.T) {
	t.Run("ca", func(t *testing.T) {
		opts := testOptions()
		opts.Defaults = Answers{} // no passphrase file: asked, with the meter
		d := newDriver(t, newFakes(), opts)
		d.key("enter", "enter")
		d.clearAndType("Example Ltd")
		d.key("enter")
		d.typ("Tr0ub4dor&3 horse")
		goldenScreen(t, d, "2-ca-passphrase")
		d.key("enter")
		d.typ("Tr0ub4dor&3 horsf")
		d.key("enter")
		d.wantStep(stepCA)
		goldenScreen(t, d, "2-ca-mismatch")
	})
	t.Run("server", func(t *testing.T) {
		d := newDriver(t, newFakes(), testOptions())
		d.key("enter", "enter", "enter")
		d.clearAndType("10.0.0.1")
		d.key("enter")
		d.wantStep(stepServer)
		goldenScreen(t, d, "3-server-invalid")
	})
	t.Run("review", func(t *testing.T) {
		f := newFakes()
		f.prepareErr = []error{errInvalidJSON}
		d := newDriver(t, f, testOptions())
		walkToReview(d)
		goldenScreen(t, d, "6-review-error")
	})
	t.Run("write", func(t *testing.T) {
		f := newFakes()
		f.applyErr = errors.New("rename /etc/docker/tls/.server-cert.pem.tmp: read-only file system (rolled back)")
		d := newDriver(t, f, testOptions())
		walkToReview(d)
		d.key("enter")
		d.wantStep(stepWrite)
		goldenScreen(t, d, "7-write-failed")
	})
	t.Run("existing", func(t *testing.T) {
		f := newFakes()
		d := newDriver(t, f, existingOptions())
		goldenScreen(t, d, "1-welcome-existing")
		d.key("enter")
		d.wantStep(stepMember)
		goldenScreen(t, d, "member")
		d.typ("alice")
		d.key("enter", "enter")
		d.typ("not the passphrase")
		d.key("enter")
		goldenScreen(t, d, "member-wrong-passphrase")
		d.typ(f.rightPass)
		d.key("enter")
		d.wantStep(stepMemberDone)
		goldenScreen(t, d, "member-done")
	})
	t.Run("status", func(t *testing.T) {
		d := newDriver(t, newFakes(), existingOptions())
		d.key("down", "down", "down", "enter")
		d.wantStep(stepStatus)
		goldenScreen(t, d, "status")
	})
	t.Run("renew", func(t *testing.T) {
		d := newDriver(t, newFakes(), existingOptions())
		d.key("down", "down", "enter")
		d.wantStep(stepRenew)
		goldenScreen(t, d, "renew")
	})
}

// walkToReview presses Enter from the welcome screen to the review.
func walkToReview(d *driver) {
	d.t.Helper()
	for range 12 {
		d.key("enter")
		if d.m.step == stepReview {
			return
		}
	}
	d.wantStep(stepReview)
}

// existingOptions is a host where a CA exists and no passphrase file was
// given.
func existingOptions() Options {
	o := testOptions()
	o.Detected.ExistingCA = true
	o.Defaults = Answers{}
	return o
}
