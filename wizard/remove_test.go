package wizard

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// memberOptions is a host with per-member trust and three members.
func memberOptions() Options {
	o := existingOptions()
	o.Detected.Trust = &setup.TrustState{Mode: pki.TrustMember, Anchors: 19, Members: 3, Free: 16, CanSignAnchors: true}
	return o
}

// caWideOptions is a host that trusts the whole CA, its root made with
// pathlen:0.
func caWideOptions() Options {
	o := existingOptions()
	o.Detected.Trust = &setup.TrustState{Mode: pki.TrustCA}
	return o
}

// TestRemoveFlow: who, a confirmation whose default (Enter) cancels, then
// the removal, and "apply now" checking the containers first.
func TestRemoveFlow(t *testing.T) {
	opts := func() Options { o := memberOptions(); o.CanApply = true; return o }
	forSizes(t, opts, func(t *testing.T, d *driver) {
		f := d.m.eng.(*fakes)
		f.members = sampleMembers()
		f.impact = &setup.RestartImpact{Reached: true, Running: 2}
		goldenScreen(t, d, "1-welcome")
		d.key("down", "enter")
		d.wantStep(stepRemove)
		goldenScreen(t, d, "2-remove")
		d.key("down", "enter") // bob, then Enter on "Cancel"
		d.key("enter")
		d.wantStep(stepWelcome)
		if len(f.removes) != 0 {
			t.Fatalf("Enter alone removed %v", f.removes)
		}
		d.wantWords("Nothing was removed: bob keeps their access.")
		goldenScreen(t, d, "2-cancelled")

		d.key("enter")         // the menu kept its choice
		d.key("down", "enter") // bob
		goldenScreen(t, d, "3-confirm")
		if strings.Contains(d.screen(), "Nothing was removed") {
			t.Error("the cancel's notice is still shown after the menu was left")
		}
		d.key("down")
		goldenScreen(t, d, "3-confirm-remove")
		d.key("enter") // "Remove bob"
		d.wantStep(stepRemoveDone)
		if !slices.Equal(f.removes, []string{"bob"}) || f.applies != 1 {
			t.Fatalf("removes %v, writes %d", f.removes, f.applies)
		}
		goldenScreen(t, d, "4-done")

		d.key("down", "enter") // apply now: two containers would stop
		d.wantStep(stepRestart)
		goldenScreen(t, d, "5-restart")
		d.key("enter") // the default: live-restore first
		d.wantStep(stepRemoveDone)
		d.wantText("Applied: Docker restarted")
		// At 60x20 the apply's words are below the fold of the page.
		if !strings.Contains(d.m.removeApplyOut(), "Live-restore is on: the containers kept running") {
			t.Errorf("apply output %q", d.m.removeApplyOut())
		}
		if !slices.Equal(f.calls, []string{"CheckRestart", "EnableLiveRestore", "Apply"}) {
			t.Errorf("engine calls %v", f.calls)
		}
		d.key("enter")
		if !d.quit {
			t.Error("Enter on the done page did not quit")
		}
		// "Apply now" did the restart the removal waited for: the step
		// that says to run apply is gone.
		res := d.m.Result()
		if !res.Written || res.Applied == nil || stepsMention(res.NextSteps, "docker-tls apply") {
			t.Errorf("result %+v", res)
		}
	})
}

func TestRemoveEngineRefusal(t *testing.T) {
	f := newFakes()
	f.members = sampleMembers()[:1]
	d := newDriver(t, f, caWideOptions())
	f.removeErr = hint.With(errCAWide, "Switch to per-member trust first.")
	d.key("down", "enter")
	d.key("enter", "down", "enter")
	d.wantStep(stepRemove)
	d.wantText("trusts the whole CA, so bob cannot be shut out alone. Switch to", "per-member trust first.")
}

func TestRemoveNobody(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, memberOptions())
	d.key("down", "enter")
	d.wantStep(stepRemove)
	d.wantText("There is no member to remove.")
	d.key("enter")
	d.wantStep(stepWelcome)
}

// TestRestartChoices: not now leaves Docker alone; in swarm mode the
// default is not to restart, and live-restore is not offered.
func TestRestartChoices(t *testing.T) {
	for _, tt := range []struct {
		name   string
		impact setup.RestartImpact
		keys   []string
		calls  []string
	}{
		{"notNow", setup.RestartImpact{Reached: true, Running: 1}, []string{"down", "down", "enter"}, []string{"CheckRestart"}},
		{"anyway", setup.RestartImpact{Reached: true, Running: 1}, []string{"down", "enter"}, []string{"CheckRestart", "Apply"}},
		{"swarmDefault", setup.RestartImpact{Reached: true, Running: 3, Swarm: true}, []string{"enter"}, []string{"CheckRestart"}},
		{"noContainers", setup.RestartImpact{Reached: true}, nil, []string{"CheckRestart", "Apply"}},
		{"liveRestoreOn", setup.RestartImpact{Reached: true, Running: 4, LiveRestore: true}, nil, []string{"CheckRestart", "Apply"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakes()
			f.impact = &tt.impact
			opts := testOptions()
			opts.CanApply = true
			d := newDriver(t, f, opts)
			walkToReview(d)
			d.key("enter")
			d.wantStep(stepDone)
			d.key("down", "enter")
			if tt.keys != nil {
				d.wantStep(stepRestart)
				if tt.impact.Swarm {
					d.wantText("swarm mode")
					if strings.Contains(d.screen(), "live-restore on") {
						t.Error("live-restore offered in swarm mode")
					}
				}
				d.key(tt.keys...)
			}
			d.wantStep(stepDone)
			if !slices.Equal(f.calls, tt.calls) {
				t.Errorf("engine calls %v, want %v", f.calls, tt.calls)
			}
		})
	}
}

// TestSwitchFlow: the menu of a CA-wide setup offers the switch; it says a
// new root is needed, asks the passphrase, and shows PrepareSwitch's files.
func TestSwitchFlow(t *testing.T) {
	forSizes(t, caWideOptions, func(t *testing.T, d *driver) {
		f := d.m.eng.(*fakes)
		goldenScreen(t, d, "1-welcome")
		d.key("down", "down", "enter")
		d.wantStep(stepSwitch)
		goldenScreen(t, d, "2-switch")
		d.typ(f.rightPass)
		d.key("enter")
		d.wantStep(stepReview)
		d.wantText("Switch to per-member trust · 2/4")
		d.key("enter")
		d.wantStep(stepDone)
		if !slices.Equal(f.switches, []string{f.rightPass}) || f.applies != 1 {
			t.Errorf("switches %v, writes %d", f.switches, f.applies)
		}
		d.key("esc")
		d.wantStep(stepDone) // written: no way back
	})
}

// TestFinalizeFlow: a switch in progress is offered to be finished; without
// a new root no passphrase is asked and none is passed.
func TestFinalizeFlow(t *testing.T) {
	opts := memberOptions()
	opts.Detected.Trust.Switch = &pki.Switch{Root: "ab", Started: testNow().Add(-48 * time.Hour)}
	forSizes(t, func() Options { return opts }, func(t *testing.T, d *driver) {
		f := d.m.eng.(*fakes)
		d.key("down", "down", "enter")
		d.wantStep(stepFinalize)
		goldenScreen(t, d, "1-finalize")
		d.key("enter")
		d.wantStep(stepReview)
		d.key("enter")
		d.wantStep(stepDone)
		if len(f.finalizes) != 1 || f.finalizes[0] != "" || len(f.checks) != 0 {
			t.Errorf("finalizes %q, passphrase checks %d", f.finalizes, len(f.checks))
		}
	})

	// With a new root, it asks for the passphrase.
	f := newFakes()
	opts.Detected.Trust.Switch.NewRoot = true
	d := newDriver(t, f, opts)
	d.key("down", "down", "enter")
	d.typ(f.rightPass)
	d.key("enter", "enter")
	d.wantStep(stepDone)
	if !slices.Equal(f.finalizes, []string{f.rightPass}) {
		t.Errorf("finalizes %q", f.finalizes)
	}
}

var errCAWide = errors.New("this setup trusts the whole CA, so bob cannot be shut out alone")

// TestStatusShowsTrust: the status screen says how dockerd trusts members.
func TestStatusShowsTrust(t *testing.T) {
	f := newFakes()
	f.report.Trust = &setup.TrustState{Mode: pki.TrustMember, Anchors: 19, Members: 3, Free: 16,
		Switch: &pki.Switch{Root: "ab", Started: testNow()}}
	d := newDriver(t, f, memberOptions())
	d.key("down", "down", "down", "enter")
	d.wantStep(stepStatus)
	d.wantText("Trust      per member: 19 anchors, 3 members, 16 free slots", "switching from CA-wide trust")
}

// asciiView is the screen as a terminal with NO_COLOR gets it: colours
// dropped, attributes (bold, faint, reverse) kept.
func asciiView(d *driver) string {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ASCII}
	fmt.Fprint(w, d.m.View().Content)
	return b.String()
}

// TestRemoveConfirmNoColor: without colours the confirmation still shows
// which choice Enter takes, both under NO_COLOR (attributes kept) and with
// every escape code gone; it names the member; Cancel is the default.
func TestRemoveConfirmNoColor(t *testing.T) {
	f := newFakes()
	f.members = sampleMembers()
	d := newDriver(t, f, memberOptions())
	d.key("down", "enter")
	d.wantStep(stepRemove)
	d.key("down", "down", "enter") // carol
	d.wantText("Remove carol?", "> Cancel: nothing is removed")
	cancel, cancelPlain := asciiView(d), d.screen()
	d.key("down")
	d.wantText("> Remove carol")
	remove, removePlain := asciiView(d), d.screen()
	if cancel == remove {
		t.Errorf("with NO_COLOR, Cancel and Remove look the same:\n%s", cancel)
	}
	if cancelPlain == removePlain {
		t.Errorf("without escape codes, Cancel and Remove look the same:\n%s", cancelPlain)
	}
	// Another member chosen after "Remove" was picked: asked again, from Cancel.
	d.key("shift+tab", "up")
	d.key("enter")
	d.wantText("Remove bob?", "> Cancel: nothing is removed")
	d.key("enter")
	d.wantStep(stepWelcome)
	d.wantWords("Nothing was removed: bob keeps their access.")
	if len(f.removes) != 0 {
		t.Errorf("Cancel removed %v", f.removes)
	}
}
