package wizard

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/docker-tls/docker-tls/pki"
)

// sizes are the terminals every screen is checked at: the usual 80x24 and
// a small 60x20, where the key hints shorten and the fields scroll.
var sizes = [][2]int{{80, 24}, {60, 20}}

// forSizes runs a scenario once per size, each in a subtest named after
// it, with a driver at that size.
func forSizes(t *testing.T, opts func() Options, scenario func(t *testing.T, d *driver)) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			d := newDriver(t, newFakes(), opts())
			d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			scenario(t, d)
		})
	}
}

// goldenScreen compares the current screen with
// testdata/<Test>/<size>/<name>.golden (refresh with go test ./wizard
// -update) and checks that it fills the terminal exactly, the key hints on
// the last line, ctrl+c among them.
func goldenScreen(t *testing.T, d *driver, name string) {
	t.Helper()
	s := d.screen()
	t.Run(name, func(t *testing.T) {
		fills(t, s, d.m.w, d.m.h)
		golden.RequireEqual(t, s)
	})
}

func fills(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want the terminal's %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d wide, more than %d: %q", i+1, n, w, l)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "ctrl+c") {
		t.Errorf("the last line has no ctrl+c: %q", last)
	}
}

// TestScreensSetup walks the setup with Enter, a golden screen per step.
func TestScreensSetup(t *testing.T) {
	forSizes(t, func() Options { o := testOptions(); o.CanApply = true; return o }, func(t *testing.T, d *driver) {
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
		goldenScreen(t, d, "6-review-scrolled")
		d.key("end")
		goldenScreen(t, d, "6-review-end")
		d.key("home")
		d.key("enter")
		d.wantStep(stepDone)
		goldenScreen(t, d, "8-done")
		d.key("down", "enter")
		goldenScreen(t, d, "8-done-applied")
	})
}

// TestScreensStates covers the screens off the Enter-only path.
func TestScreensStates(t *testing.T) {
	t.Run("ca", func(t *testing.T) {
		forSizes(t, func() Options { o := testOptions(); o.Defaults = Answers{}; return o }, func(t *testing.T, d *driver) {
			// No passphrase file: asked, with the meter.
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
	})
	t.Run("server", func(t *testing.T) {
		forSizes(t, testOptions, func(t *testing.T, d *driver) {
			d.key("enter", "enter", "enter")
			d.clearAndType("10.0.0.1")
			d.key("enter")
			d.wantStep(stepServer)
			goldenScreen(t, d, "3-server-invalid")
		})
	})
	t.Run("generating", func(t *testing.T) {
		forSizes(t, testOptions, func(t *testing.T, d *driver) {
			walkToKeys(d)
			d.key("enter", "enter")
			d.hold = func(msg tea.Msg) bool { _, ok := msg.(preparedMsg); return ok }
			d.key("enter")
			d.wantStep(stepReview)
			start := d.clock.now()
			d.clock.advance(4100 * time.Millisecond)
			d.send(keyProgressMsg{gen: d.m.gen, ok: true, p: pki.KeyProgress{
				Type: pki.ECDSAP256, Want: 4, Started: start,
				Done:    []time.Duration{1200 * time.Millisecond, 2900 * time.Millisecond},
				Running: []time.Time{start, start.Add(time.Second)},
			}})
			goldenScreen(t, d, "6-generating")
			d.release()
			d.wantText("Press Enter to write these files.")
		})
	})
	t.Run("review", func(t *testing.T) {
		forSizes(t, testOptions, func(t *testing.T, d *driver) {
			d.pace = 50 * time.Millisecond // a held Enter
			walkToReview(d)
			d.key("enter")
			d.wantStep(stepReview)
			goldenScreen(t, d, "6-review-enter-ignored")
		})
	})
	t.Run("review-error", func(t *testing.T) {
		forSizes(t, testOptions, func(t *testing.T, d *driver) {
			d.m.eng.(*fakes).prepareErr = []error{errInvalidJSON}
			walkToReview(d)
			goldenScreen(t, d, "6-review-error")
		})
	})
	t.Run("write", func(t *testing.T) {
		forSizes(t, testOptions, func(t *testing.T, d *driver) {
			d.m.eng.(*fakes).applyErr = errors.New("rename /etc/docker/tls/.server-cert.pem.tmp: read-only file system (rolled back)")
			walkToReview(d)
			d.key("enter")
			d.wantStep(stepWrite)
			goldenScreen(t, d, "7-write-failed")
		})
	})
	t.Run("existing", func(t *testing.T) {
		forSizes(t, existingOptions, func(t *testing.T, d *driver) {
			f := d.m.eng.(*fakes)
			f.issued = []string{"bob"}
			goldenScreen(t, d, "1-welcome-existing")
			d.key("enter")
			d.wantStep(stepMember)
			goldenScreen(t, d, "member")
			d.typ("bob")
			d.key("enter")
			goldenScreen(t, d, "member-name-taken")
			d.key("ctrl+u")
			d.typ("alice")
			d.key("enter", "enter")
			d.typ("not the passphrase")
			d.key("enter")
			goldenScreen(t, d, "member-wrong-passphrase")
			d.typ(f.rightPass)
			d.key("enter")
			d.wantStep(stepMemberDone)
			goldenScreen(t, d, "member-done")
			d.key("end")
			goldenScreen(t, d, "member-done-end")
		})
	})
	t.Run("status", func(t *testing.T) {
		forSizes(t, existingOptions, func(t *testing.T, d *driver) {
			d.key("down", "down", "down", "enter")
			d.wantStep(stepStatus)
			goldenScreen(t, d, "status")
		})
	})
	t.Run("renew", func(t *testing.T) {
		forSizes(t, existingOptions, func(t *testing.T, d *driver) {
			d.key("down", "down", "enter")
			d.wantStep(stepRenew)
			goldenScreen(t, d, "renew")
		})
	})
}

// walkToReview presses Enter from the welcome screen to the review.
func walkToReview(d *driver) {
	d.t.Helper()
	for range 12 {
		d.key("enter")
		if d.m.step() == stepReview {
			return
		}
	}
	d.wantStep(stepReview)
}

// walkToKeys presses Enter from the welcome screen to the keys step.
func walkToKeys(d *driver) {
	d.t.Helper()
	for range 12 {
		if d.m.step() == stepKeys {
			return
		}
		d.key("enter")
	}
	d.wantStep(stepKeys)
}

// existingOptions is a host where a CA exists and no passphrase file was
// given.
func existingOptions() Options {
	o := testOptions()
	o.Detected.ExistingCA = true
	o.Defaults = Answers{}
	return o
}
