package wizard

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// The keyboard contract around the write (gate.go) and keys that arrive in
// a burst (burst.go).

// TestHeldEnterNeverWrites: Enter held down from the first screen (14
// presses 60 ms apart, as a key repeats) walks to the review, which it
// never confirms; the next Enter, after a pause, writes.
func TestHeldEnterNeverWrites(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, testOptions())
	d.pace = 60 * time.Millisecond
	for range 14 {
		d.key("enter")
	}
	d.wantStep(stepReview)
	d.wantText("Enter ignored: keys were still arriving")
	if _, applies, _ := f.snapshot(); applies != 0 {
		t.Fatalf("a held Enter wrote (%d writes)", applies)
	}
	d.pace = time.Second
	d.key("enter")
	d.wantStep(stepDone)
	if _, applies, _ := f.snapshot(); applies != 1 {
		t.Errorf("%d writes, want 1", applies)
	}
}

// TestEnterTooSoonIgnored: a single Enter pressed within a second of the
// review appearing is ignored, with the reason on screen; one a second
// later writes.
func TestEnterTooSoonIgnored(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, testOptions())
	walkToKeys(d)
	d.key("enter", "enter", "enter") // the review appears with the last one
	d.wantStep(stepReview)
	d.pace = 500 * time.Millisecond // a pause, but the review is new
	d.key("enter")
	d.wantStep(stepReview)
	d.wantText("Enter ignored: the review has only just appeared")
	d.key("enter") // 1 s after it appeared
	d.wantStep(stepDone)
	if _, applies, _ := f.snapshot(); applies != 1 {
		t.Errorf("%d writes, want 1", applies)
	}
}

// TestHeldEnterInTheProgram holds Enter for three seconds from the first
// screen, in the running program: 50 presses, the clock moving 60 ms after
// each is read (as a key repeats). The review comes and stays on screen for
// seconds, but no press of a held key writes. An Enter after a pause then
// writes.
func TestHeldEnterInTheProgram(t *testing.T) {
	f := newFakes()
	clock := newTestClock()
	opts := testOptions()
	opts.Clock = clock.now
	tm, p := startProbe(t, f, opts)
	for i := range 50 {
		tm.Send(keyMsg("enter"))
		waitState(t, p, func(s probeState) bool { return s.seen == i+1 })
		clock.advance(60 * time.Millisecond)
	}
	waitState(t, p, func(s probeState) bool {
		return s.keys == 50 && !s.holding && !s.busy && s.step == stepReview && s.shown
	})
	if _, applies, _ := f.snapshot(); applies != 0 {
		t.Fatalf("a held Enter wrote (%d writes)", applies)
	}
	clock.advance(time.Second)
	tm.Send(keyMsg("enter"))
	waitState(t, p, func(s probeState) bool { return s.step == stepDone })
	tm.Send(keyMsg("enter"))
	tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	if _, applies, _ := f.snapshot(); applies != 1 {
		t.Errorf("%d writes, want 1", applies)
	}
}

// waitState waits until the probed state satisfies cond; the deadline
// only bounds a hang.
func waitState(t *testing.T, p probe, cond func(probeState) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond(p.get()) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting: the wizard is at %+v", p.get())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTypedAheadLandsInTheNextField: keys that arrive after an Enter and
// before huh has moved the focus (a paste, typing ahead) go to the next
// field, not the one just accepted.
func TestTypedAheadLandsInTheNextField(t *testing.T) {
	d := newDriver(t, newFakes(), testOptions())
	d.key("enter", "enter", "enter")
	d.wantStep(stepServer)
	// Enter on the host name; huh's move to the next field is a command
	// that has not run yet when the next keys arrive.
	_, move := d.m.Update(keyMsg("enter"))
	for _, r := range "build" {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	d.send(tea.PasteMsg{Content: ".example.com"})
	if d.m.answers().FQDN != "docker1.example.com" {
		t.Fatalf("typed-ahead keys landed in the host name: %q", d.m.answers().FQDN)
	}
	d.run(move)
	if d.m.answers().FQDN != "docker1.example.com" || d.m.answers().DNSNames != "build.example.com" {
		t.Errorf("host name %q, other names %q: want the typed keys in the other names", d.m.answers().FQDN, d.m.answers().DNSNames)
	}
}

// TestCtrlCAfterWrite: ctrl+c on the done screen quits; the result says
// what was written (the caller prints it and exits 0), not "aborted".
func TestCtrlCAfterWrite(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, testOptions())
	walkToReview(d)
	d.key("enter")
	d.wantStep(stepDone)
	d.key("ctrl+c")
	res := d.m.Result()
	if !d.quit || !res.Written || len(res.Files) != 13 || res.Task != TaskSetup || !stepsMention(res.NextSteps, "client archive client") {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
}

// TestCtrlCQuitsOnceWritten: before the write the key hint says ctrl+c
// aborts; once the files are written it quits, and the write stands.
func TestCtrlCQuitsOnceWritten(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, testOptions())
	walkToReview(d)
	d.wantText("ctrl+c abort")
	d.key("enter")
	d.wantStep(stepDone)
	if s := d.screen(); strings.Contains(s, "abort") || !strings.Contains(s, "ctrl+c quit") {
		t.Errorf("done screen after the write: want \"ctrl+c quit\", no \"abort\":\n%s", s)
	}

	d = newDriver(t, newFakes(), existingOptions())
	d.key("enter")
	d.typ("alice")
	d.key("enter", "enter")
	d.typ(newFakes().rightPass)
	d.key("enter")
	d.wantStep(stepMemberDone)
	if s := d.screen(); strings.Contains(s, "abort") || !strings.Contains(s, "ctrl+c quit") {
		t.Errorf("member done screen: want \"ctrl+c quit\", no \"abort\":\n%s", s)
	}
}

// TestCtrlCAfterAddingMember: the same after adding a member; the result
// carries the member for the hand-over.
func TestCtrlCAfterAddingMember(t *testing.T) {
	d := newDriver(t, newFakes(), existingOptions())
	d.key("enter")
	d.typ("alice")
	d.key("enter", "enter")
	d.typ(newFakes().rightPass)
	d.key("enter")
	d.wantStep(stepMemberDone)
	d.key("ctrl+c")
	res := d.m.Result()
	if !d.quit || !res.Written || res.Task != TaskMember || res.Member == nil || res.Member.Name != "alice" ||
		!stepsMention(res.NextSteps, "docker-tls client archive alice alice.tar.gz") {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
}

// TestMemberNameTaken: a name already issued is refused as the name is
// accepted, before the passphrase is asked or checked; the error goes as
// soon as the name changes.
func TestMemberNameTaken(t *testing.T) {
	f := newFakes()
	f.issued = []string{"bob"}
	d := newDriver(t, f, existingOptions())
	d.key("enter")
	d.wantStep(stepMember)
	d.typ("bob")
	d.key("enter")
	d.wantText("✗ Name: bob already has a certificate")
	d.typ("by")
	if strings.Contains(d.screen(), "already has a certificate") {
		t.Errorf("the error stays after the name changed:\n%s", d.screen())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.checks) != 0 || len(f.clients) != 0 {
		t.Errorf("passphrase checks %q, PrepareClient calls %v: want none", f.checks, f.clients)
	}
}

// TestMemberNameRefusedByEngine: when the engine refuses a name (the list
// came too late), the error shows next to the name and goes when it
// changes.
func TestMemberNameRefusedByEngine(t *testing.T) {
	f := newFakes()
	f.refuse = []string{"carol"}
	d := newDriver(t, f, existingOptions())
	d.key("enter")
	d.typ("carol")
	d.key("enter", "enter")
	d.typ(f.rightPass)
	d.key("enter")
	d.wantStep(stepMember)
	d.wantText("✗ Name: carol already has a certificate")
	d.typ("ine") // the name has the focus
	if strings.Contains(d.screen(), "already has a certificate") {
		t.Errorf("the error stays after the name changed:\n%s", d.screen())
	}
}

// TestKeyProgressIsPolled: while the review is prepared, the engine's key
// progress is read and shown one key a line.
func TestKeyProgressIsPolled(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, testOptions())
	start := d.clock.now()
	f.keys = &keyProgressSample
	keyProgressSample.Started, keyProgressSample.Running = start, []time.Time{start}
	walkToKeys(d)
	d.key("enter", "enter")
	d.hold = func(msg tea.Msg) bool { _, ok := msg.(preparedMsg); return ok }
	d.key("enter")
	d.wantText("ecdsa-p256 keys: 3 of 4 made", "✓ key 3  0.9 s", "key 4")
	d.release()
	d.wantText("Press Enter to write these files.")
	if slices.Contains(strings.Split(d.screen(), "\n"), "key 4") {
		t.Error("progress still shown after the review is ready")
	}
}

var keyProgressSample = keyProgress(4, 1200*time.Millisecond, 2900*time.Millisecond, 900*time.Millisecond)

// TestCtrlCWhileApplyingNow: ctrl+c while "apply now" restarts Docker waits
// for it (it rolls back on failure), then quits with the outcome.
func TestCtrlCWhileApplyingNow(t *testing.T) {
	f := newFakes()
	opts := testOptions()
	opts.CanApply = true
	d := newDriver(t, f, opts)
	walkToReview(d)
	d.key("enter")
	d.wantStep(stepDone)
	d.hold = func(msg tea.Msg) bool { _, ok := msg.(applyNowMsg); return ok }
	d.key("down", "enter") // "apply now"
	d.key("ctrl+c")
	if d.quit {
		t.Fatal("quit while Docker was restarting")
	}
	d.wantText("Stopping once Docker is back")
	d.release()
	res := d.m.Result()
	if !d.quit || !res.Written || !res.Aborted || res.Applied == nil {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
}

// TestUntickedLooksEmpty: an unticked IP must not read as ticked, with or
// without colour (issue 24: ThemeCharm draws it as "•").
func TestUntickedLooksEmpty(t *testing.T) {
	for _, dark := range []bool{true, false} {
		th := formTheme(dark)
		for _, f := range []huh.FieldStyles{th.Focused, th.Blurred} {
			un, sel := ansi.Strip(f.UnselectedPrefix.String()), ansi.Strip(f.SelectedPrefix.String())
			if strings.TrimSpace(un) != "" || un == sel {
				t.Errorf("unticked %q, ticked %q", un, sel)
			}
		}
	}
}
