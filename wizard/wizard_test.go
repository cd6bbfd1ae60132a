package wizard

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// probe wraps the root model for teatest: after each Update it records
// where the wizard is, under a lock, so the test can wait for a key's
// effect without reading the model while the program runs (a data race)
// and without relying on the output stream, which only carries the
// changed cells.
type probe struct {
	*Model
	mu    *sync.Mutex
	state *probeState
}

type probeState struct {
	step    stepID
	focus   any // the focused huh field, if any
	busy    bool
	keys    int  // keys the wizard has read (held ones once replayed)
	seen    int  // keys read or held
	holding bool // keys are held while a form moves on
	shown   bool // the review's content is on screen
}

// moved reports that the wizard went to another field or step.
func (s probeState) moved(from probeState) bool { return s.step != from.step || s.focus != from.focus }

func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := p.Model.Update(msg)
	s := probeState{step: p.Model.step(), busy: p.Model.waiting(), keys: p.Model.gate.keys,
		seen:    p.Model.gate.keys + len(p.Model.burst.held),
		holding: p.Model.burst.holding(), shown: !p.Model.gate.shown.IsZero()}
	if fp, ok := p.Model.cur.page().(*formPage); ok && fp.form != nil && !fp.done {
		s.focus = fp.form.GetFocusedField()
	}
	p.mu.Lock()
	*p.state = s
	p.mu.Unlock()
	return p, cmd
}

func (p probe) get() probeState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *p.state
}

// startProbe runs the wizard in teatest. Without a clock in opts, every
// reading of the clock moves it a second: each key looks like a person's,
// so the write's keyboard gate lets Enter through.
func startProbe(t *testing.T, eng Engine, opts Options) (*teatest.TestModel, probe) {
	t.Helper()
	if opts.Clock == nil {
		c := newTestClock()
		c.step = time.Second
		opts.Clock = c.now
	}
	p := probe{Model: New(eng, opts), mu: &sync.Mutex{}, state: &probeState{}}
	tm := teatest.NewTestModel(t, p, teatest.WithInitialTermSize(80, 24))
	return tm, p
}

// pressUntil sends a key and waits until the wizard has moved (another
// field or step) and is idle.
func pressUntil(t *testing.T, tm *teatest.TestModel, p probe, k string) probeState {
	t.Helper()
	before := p.get()
	tm.Send(keyMsg(k))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s := p.get()
		if s.moved(before) && !s.busy {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s had no effect; still at step %d", k, before.step)
	return before
}

// enterToDone presses Enter until the done step, and returns the steps
// passed through.
func enterToDone(t *testing.T, tm *teatest.TestModel, p probe) []stepID {
	t.Helper()
	var steps []stepID
	for range 30 {
		s := pressUntil(t, tm, p, "enter")
		if len(steps) == 0 || steps[len(steps)-1] != s.step {
			steps = append(steps, s.step)
		}
		if s.step == stepDone {
			break
		}
	}
	return steps
}

// TestEnterAllTheWay is the keyboard contract: from the first screen, with
// valid defaults and the passphrase from a file, only Enter walks the whole
// way and writes the files, once, with the answers shown.
func TestEnterAllTheWay(t *testing.T) {
	f := newFakes()
	tm, p := startProbe(t, f, testOptions())
	steps := enterToDone(t, tm, p)
	want := []stepID{stepCA, stepServer, stepClients, stepKeys, stepReview, stepDone}
	if !slices.Equal(steps, want) {
		t.Fatalf("steps = %v, want %v", steps, want)
	}
	tm.Send(keyMsg("enter")) // Done: Enter quits
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(probe).Model

	prepares, applies, startKeys := f.snapshot()
	if applies != 1 {
		t.Errorf("Apply called %d times, want 1", applies)
	}
	if !slices.Equal(startKeys, []string{"ecdsa-p256"}) {
		t.Errorf("StartKeys calls = %v", startKeys)
	}
	if len(prepares) != 1 {
		t.Fatalf("Prepare called %d times, want 1", len(prepares))
	}
	in := prepares[0]
	if in.Listen != "0.0.0.0:2376" || in.Force {
		t.Errorf("Prepare got listen %q, force %v", in.Listen, in.Force)
	}
	plan := in.Plan
	if err := plan.Validate(); err != nil {
		t.Fatalf("plan does not validate: %v", err)
	}
	wantPlan := pki.Plan{
		CACommonName: "docker-tls CA", FQDN: "docker1.example.com", DNSNames: []string{},
		IPs: []string{"10.0.0.5", "192.168.1.20"}, KeyType: pki.ECDSAP256,
		CADays: 3650, Days: 365, Clients: []string{"client"}, Trust: pki.TrustMember, Slots: pki.DefaultSlots,
	}
	if !reflect.DeepEqual(plan, wantPlan) {
		t.Errorf("plan =\n%+v\nwant\n%+v", plan, wantPlan)
	}
	res := fm.Result()
	if !res.Written || res.Aborted || res.Err != nil || !stepsMention(res.NextSteps, "docker-tls apply") {
		t.Errorf("result = %+v", res)
	}
	if !fm.View().AltScreen {
		t.Error("the wizard must draw on the alternate screen")
	}
	if s := screen(fm); !strings.Contains(s, "Wrote 13 files") {
		t.Errorf("final screen:\n%s", s)
	}
	if len(res.Files) != 13 || res.Task != TaskSetup {
		t.Errorf("result: %d files, task %d", len(res.Files), res.Task)
	}
}

// TestCtrlCWritesNothing aborts on the review, files prepared and shown:
// Apply is never called.
func TestCtrlCWritesNothing(t *testing.T) {
	f := newFakes()
	tm, p := startProbe(t, f, testOptions())
	for p.get().step != stepReview {
		pressUntil(t, tm, p, "enter")
	}
	tm.Send(keyMsg("ctrl+c"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(probe).Model
	if _, applies, _ := f.snapshot(); applies != 0 {
		t.Errorf("Apply called %d times", applies)
	}
	if res := fm.Result(); !res.Aborted || res.Written || len(res.Files) != 0 {
		t.Errorf("result = %+v, want Aborted and nothing written", res)
	}
}

func TestCtrlCInAForm(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, testOptions())
	d.key("enter", "enter", "enter")
	d.wantStep(stepServer)
	d.typ("x")
	d.key("ctrl+c")
	if !d.quit || !d.m.Result().Aborted {
		t.Fatalf("quit=%v result=%+v", d.quit, d.m.Result())
	}
	if prepares, applies, _ := f.snapshot(); applies != 0 || len(prepares) != 0 {
		t.Errorf("Prepare %d, Apply %d calls; want none", len(prepares), applies)
	}
}

// TestCtrlCWhileWriting: ctrl+c during Apply waits for the write (one
// transaction) to end, then quits; the result says both.
func TestCtrlCWhileWriting(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, testOptions())
	walkToReview(d)
	d.clock.advance(time.Second)
	_, cmd := d.m.Update(keyMsg("enter")) // starts Apply; its command not run yet
	d.wantStep(stepWrite)
	d.key("ctrl+c")
	if d.quit {
		t.Fatal("quit in the middle of the write")
	}
	d.wantText("Stopping once this write has finished")
	d.run(cmd)
	res := d.m.Result()
	if !d.quit || !res.Aborted || !res.Written {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
	if _, applies, _ := f.snapshot(); applies != 1 {
		t.Errorf("Apply called %d times", applies)
	}
}

// TestEscKeepsAnswers: Esc on the server step goes back to the CA step
// with what was typed there; forward again shows what was typed on the
// server step.
func TestEscKeepsAnswers(t *testing.T) {
	opts := testOptions()
	opts.Defaults = Answers{}
	d := newDriver(t, newFakes(), opts)
	d.key("enter")
	d.wantStep(stepCA)
	d.clearAndType("Acme Docker CA")
	d.key("enter")
	d.typ("Acme Ltd")
	d.key("enter")
	d.typ("a long enough passphrase")
	d.key("enter")
	d.typ("a long enough passphrase")
	d.key("enter")
	d.wantStep(stepServer)
	d.clearAndType("build.example.com")
	d.key("esc")
	d.wantStep(stepCA)
	d.wantText("Acme Docker CA", "Acme Ltd", "24 characters")
	d.key("enter", "enter", "enter", "enter")
	d.wantStep(stepServer)
	d.wantText("build.example.com")
	if d.m.answers().FQDN != "build.example.com" || d.m.answers().CAOrganization != "Acme Ltd" {
		t.Errorf("answers = %+v", *d.m.answers())
	}
}

// TestInlineValidation: an IP typed as the host name shows pki's reason
// under the form and the step does not advance.
func TestInlineValidation(t *testing.T) {
	d := newDriver(t, newFakes(), testOptions())
	d.key("enter", "enter", "enter")
	d.wantStep(stepServer)
	d.clearAndType("10.0.0.1")
	d.key("enter", "enter")
	d.wantStep(stepServer)
	_, want := pki.NormalizeHost("10.0.0.1")
	d.wantText("✗ Host name (FQDN): 10.0.0.1 is an IP address")
	if !strings.Contains(want.Error(), "10.0.0.1 is an IP address") {
		t.Fatalf("pki's reason changed: %v", want)
	}
	// Fixing it clears the error and moves on.
	d.clearAndType("docker1.example.com")
	d.key("enter")
	if strings.Contains(d.screen(), "✗") {
		t.Errorf("error still shown:\n%s", d.screen())
	}
}

// TestMemberFlow: existing CA, add a team member; a wrong passphrase shows
// next to the field, the right one reaches the second screen and writes.
func TestMemberFlow(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, existingOptions())
	d.key("enter")
	d.wantStep(stepMember)
	d.key("enter")
	d.wantText("✗ Name: a client name is required")
	d.typ("alice")
	d.key("enter")
	d.clearAndType("30")
	d.key("enter")
	d.typ("wrong")
	d.key("enter")
	d.wantStep(stepMember)
	d.wantText("✗ CA passphrase:", "wrong CA passphrase")
	if d.m.memberAnswers().Passphrase != "" {
		t.Error("a refused passphrase should be cleared")
	}
	if !d.m.cur.page().typing() {
		t.Error("the passphrase field should have the focus after a refusal")
	}
	d.typ(f.rightPass)
	d.key("enter")
	d.wantStep(stepMemberDone)
	d.wantText("Issued a certificate for alice, valid until 2026-12-22", "/etc/docker/tls/clients/alice/key.pem")
	d.key("enter")
	res := d.m.Result()
	if !d.quit || !res.Written || !stepsMention(res.NextSteps, "Send alice") {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.checks, []string{"wrong", f.rightPass}) {
		t.Errorf("checks = %q", f.checks)
	}
	if len(f.clients) != 1 || f.clients[0] != (setup.ClientInput{Name: "alice", Days: 30}) || f.clientPass[0] != f.rightPass {
		t.Errorf("PrepareClient calls = %+v", f.clients)
	}
	if f.applies != 1 {
		t.Errorf("Apply called %d times", f.applies)
	}
}

// TestFieldErrorsGoBack: Prepare's pki.FieldErrors send the user to the
// step that asks for the first bad field, with the reason shown there.
func TestFieldErrorsGoBack(t *testing.T) {
	f := newFakes()
	f.prepareErr = []error{pki.FieldErrors{
		{Field: "days", Value: "400", Reason: "a leaf valid 400 days would outlive the CA"},
		{Field: "fqdn", Value: "x", Reason: "some reason"},
	}}
	d := newDriver(t, f, testOptions())
	for range 12 { // to the review, whose Prepare sends us back
		d.key("enter")
	}
	d.wantStep(stepKeys)
	d.wantText("✗ Server and client certificates valid for (days): a leaf valid 400 days")
	// The bad field has the focus: one Enter accepts the step again, which
	// clears the error and prepares again.
	d.key("enter")
	d.wantStep(stepReview)
	d.wantText("Press Enter to write these files.")
	if prepares, _, _ := f.snapshot(); len(prepares) != 2 {
		t.Errorf("Prepare called %d times, want 2", len(prepares))
	}
}

// TestPrepareErrorKeepsAnswers: another error stays on the review; Enter
// tries again.
func TestPrepareErrorKeepsAnswers(t *testing.T) {
	f := newFakes()
	f.prepareErr = []error{errInvalidJSON}
	d := newDriver(t, f, testOptions())
	walkToReview(d)
	d.wantStep(stepReview)
	d.wantText("✗ Could not prepare the files", "invalid character")
	d.key("enter")
	d.wantText("Press Enter to write these files.")
	d.key("enter")
	d.wantStep(stepDone)
}

// TestHelpKey: "?" toggles the overlay outside text fields and is typed
// inside them.
func TestHelpKey(t *testing.T) {
	d := newDriver(t, newFakes(), testOptions())
	d.key("?")
	d.wantText("Keys", "ctrl+c stops")
	d.key("enter") // closes the overlay, does not start the setup
	d.wantStep(stepWelcome)
	d.key("enter")
	d.wantStep(stepCA)
	d.key("enter") // to the organisation field
	d.typ("?")
	if d.m.helpOpen || !strings.HasSuffix(d.m.answers().CAOrganization, "?") {
		t.Errorf("? in a text field: helpOpen=%v org=%q", d.m.helpOpen, d.m.answers().CAOrganization)
	}
}

// TestApplyNow: offered on the done screen, never the default.
func TestApplyNow(t *testing.T) {
	f := newFakes()
	opts := testOptions()
	opts.CanApply = true
	d := newDriver(t, f, opts)
	walkToReview(d)
	d.key("enter")
	d.wantStep(stepDone)
	d.key("down", "enter")
	d.wantText("Applied: Docker restarted", "Docker is back and answers over mutual TLS")
	d.key("enter")
	if !d.quit || f.applyNows != 1 {
		t.Errorf("quit=%v applyNows=%d", d.quit, f.applyNows)
	}
}

// TestNoApplyNowForSandboxRoot: without Deps.ApplyNow, Enter quits.
func TestNoApplyNowForSandboxRoot(t *testing.T) {
	d := newDriver(t, newFakes(), testOptions())
	walkToReview(d)
	d.key("enter")
	if strings.Contains(d.screen(), "Apply now") {
		t.Error("apply now offered without Deps.ApplyNow")
	}
	d.key("enter")
	if !d.quit {
		t.Error("Enter on done should quit")
	}
}

// TestStartKeysEveryTime: keys are started each time the keys step is
// accepted, with its key type: the engine keeps those it made when the
// type did not change (setup's TestStartKeysKeepsKeys).
func TestStartKeysEveryTime(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, testOptions())
	for d.m.step() != stepKeys {
		d.key("enter")
	}
	d.key("enter", "enter", "enter", "esc") // review, back to keys
	d.wantStep(stepKeys)
	d.key("enter", "enter", "enter", "esc") // same type: not again
	d.key("down", "enter", "enter", "enter")
	d.wantStep(stepReview)
	if _, _, sk := f.snapshot(); !slices.Equal(sk, []string{"ecdsa-p256", "ecdsa-p256", "ecdsa-p384"}) {
		t.Errorf("StartKeys calls = %v", sk)
	}
}

// TestPassphraseFileTooShort: a short passphrase from file is not used for
// a new CA; the CA step asks for one and says why.
func TestPassphraseFileTooShort(t *testing.T) {
	opts := testOptions()
	opts.Defaults.Passphrase = "short"
	d := newDriver(t, newFakes(), opts)
	d.key("enter")
	d.wantText("✗ CA passphrase: the passphrase from the file: the CA passphrase needs", "(it has 5)")
	if !d.m.cur.page().typing() || d.m.answers().Passphrase != "" {
		t.Error("the passphrase field should be focused and empty")
	}
}

// TestResize: the body follows the window, and stays inside it.
func TestResize(t *testing.T) {
	d := newDriver(t, newFakes(), testOptions())
	walkToReview(d)
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 16}} {
		d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		fills(t, d.screen(), sz[0], sz[1])
	}
	// Degenerate sizes (a terminal not ready yet, a tiny pane) must not
	// panic, on any step.
	d = newDriver(t, newFakes(), testOptions())
	for _, sz := range [][2]int{{0, 0}, {3, 2}, {10, 5}} {
		d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		for range 12 {
			_ = d.screen()
			d.key("enter")
		}
		d = newDriver(t, newFakes(), testOptions())
	}
}

// TestStatusAndBack: Show status, then Enter goes back to the menu.
func TestStatusAndBack(t *testing.T) {
	d := newDriver(t, newFakes(), existingOptions())
	d.key("down", "down", "down", "enter")
	d.wantStep(stepStatus)
	d.wantText("server", "docker1.example.com", "2027-11-22", "No problems found")
	d.key("enter")
	d.wantStep(stepWelcome)
	d.wantText("> Show status")
}

// TestRenewFlow: passphrase, review of PrepareRenew's files, write, done.
func TestRenewFlow(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, existingOptions())
	d.key("down", "down", "enter")
	d.wantStep(stepRenew)
	d.typ(f.rightPass)
	d.key("enter")
	d.wantStep(stepReview)
	d.wantText("Renew the server certificate · 2/4", "Press Enter to write these files.")
	d.key("esc")
	d.wantStep(stepRenew)
	d.key("enter") // the passphrase is kept, and not checked twice
	d.key("enter")
	d.wantStep(stepDone)
	if len(f.renews) != 2 || f.applies != 1 || len(f.checks) != 1 {
		t.Errorf("renews=%d applies=%d checks=%d", len(f.renews), f.applies, len(f.checks))
	}
	// The wizard decides nothing about the renewed certificate: the zero
	// input keeps its names, key type and lifetime (setup's one rule).
	for _, in := range f.renews {
		if !reflect.DeepEqual(in, setup.RenewInput{}) {
			t.Errorf("PrepareRenew got %+v, want the zero input", in)
		}
	}
}

// TestRedoChecksPassphrase: redoing the setup with an existing CA checks
// the passphrase on the CA step.
func TestRedoChecksPassphrase(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, existingOptions())
	d.key("down", "down", "down", "down", "enter")
	d.wantStep(stepCA)
	d.typ("nope")
	d.key("enter")
	d.wantStep(stepCA)
	d.wantText("wrong CA passphrase")
	d.typ(f.rightPass)
	d.key("enter")
	d.wantStep(stepServer)
}

func TestApplyFailureThenQuit(t *testing.T) {
	f := newFakes()
	f.applyErr = errors.New("disk full")
	d := newDriver(t, f, testOptions())
	walkToReview(d)
	d.key("enter")
	d.wantStep(stepWrite)
	d.wantText("Writing failed: disk full")
	d.key("enter")
	if res := d.m.Result(); !d.quit || res.Written || res.Err == nil {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
}

// stepsMention reports whether some step's text or command contains s.
func stepsMention(steps []say.Step, s string) bool {
	for _, st := range steps {
		if strings.Contains(st.Text, s) || slices.ContainsFunc(st.Commands, func(c string) bool { return strings.Contains(c, s) }) {
			return true
		}
	}
	return false
}
