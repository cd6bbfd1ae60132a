package wizard

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
)

// stepID names a screen. The setup steps come first, in order, so that
// their number is their place in "Step n/8".
type stepID int

const (
	stepWelcome stepID = iota
	stepCA
	stepServer
	stepClients
	stepKeys
	stepReview
	stepWrite
	stepDone
	stepMember     // add a team member: name, days, passphrase
	stepMemberDone // ... and the bundle to hand over
	stepRenew      // renew the server certificate: passphrase
	stepStatus
	stepRemove     // remove a team member: who, and a confirmation
	stepRemoveDone // ... removed: when it takes effect, apply now
	stepSwitch     // switch a CA-wide setup to per-member trust: passphrase
	stepFinalize   // end that switch: passphrase if needed
	stepRestart    // containers would stop: live-restore first?

	// A team member's machine (Options.Member).
	stepConnect     // the file from the admin
	stepConnectDone // ... checked, installed, the context made, the daemon probed
	stepRequest     // the host, their name, where to save the request
	stepRequestDone // ... the key kept here, the line to send
)

var stepNames = map[stepID]string{
	stepWelcome: "Welcome", stepCA: "Certificate authority", stepServer: "Server certificate",
	stepClients: "Clients", stepKeys: "Keys and validity", stepReview: "Review",
	stepWrite: "Writing", stepDone: "Done",
}

// dest is where a flow sends the user when it is over: another flow, the
// menu, or the end of the run. route (model.go) is the one place that
// turns it into a flow. The menu's choices are dests.
type dest string

const (
	stay     dest = ""
	toMenu   dest = "menu"      // the errand is over: back to the welcome menu
	backMenu dest = "menu-back" // Esc from a flow's first step: its errors go too
	toQuit   dest = "quit"
	toSetup  dest = "setup"
)

// flow is one errand (first setup, add a member, renew...): it owns its
// answers and its steps, and answers the messages of the work it starts.
// The root routes messages to the current flow and moves between flows
// when one says where to go.
type flow interface {
	// start enters the flow from the page on screen (prev's); a flow that
	// reads something before its first page keeps prev on screen meanwhile.
	start(prev flow) tea.Cmd
	// update handles every message the root does not; dest is where to go
	// when the flow is over (stay otherwise).
	update(msg tea.Msg) (tea.Cmd, dest)
	// canBack reports whether Esc leads anywhere; back goes there.
	canBack() bool
	back() (tea.Cmd, dest)
	title() string
	// page is the screen shown: the root draws it, sizes it and asks it
	// for its keys and whether a text input has the focus.
	page() page
	// working is work that ctrl+c must wait for (a write, a restart);
	// waiting is any work in flight, for the spinner.
	working() bool
	waiting() bool
}

// page is one screen of a flow (soft-serve's component).
type page interface {
	init() tea.Cmd
	// update reports done when the user accepts the page (Enter on its
	// last field); the flow then moves on, or waits for work.
	update(msg tea.Msg) (cmd tea.Cmd, done bool)
	view() string
	keys() []key.Binding
	// typing reports a focused text input: "?" is then text, not help.
	typing() bool
	resize(w, h int) tea.Cmd
}

// steps is what each flow embeds: the shared common, the step on screen and
// its page, and how the flow's answers are read for errors kept by field.
type steps struct {
	c     *common
	step  stepID
	cur   page
	value valueFunc
}

func (s *steps) page() page    { return s.cur }
func (s *steps) working() bool { return false }
func (s *steps) waiting() bool { return false }

// show puts a step's page on screen, built afresh from the answers (so that
// Esc and FieldErrors show the current values).
func (s *steps) show(id stepID, build func() page) tea.Cmd {
	s.c.gen++
	s.step = id
	s.c.gate.hide()
	s.cur = build()
	return tea.Batch(s.cur.init(), s.cur.resize(s.c.bodySize()))
}

// accept gives msg to the page and, when the page is accepted, goes on
// with next: where the flow leads from that step.
func (s *steps) accept(msg tea.Msg, next func() (tea.Cmd, dest)) (tea.Cmd, dest) {
	cmd, done := s.cur.update(msg)
	if !done {
		return cmd, stay
	}
	more, d := next()
	return tea.Batch(cmd, more), d
}

func (s *steps) fieldErr(k pki.Field) []string { return s.c.errs.get(k, s.value) }

func (s *steps) setFieldErrors(fe pki.FieldErrors) { s.c.errs.set(fe, s.value) }

func (s *steps) newFormPage(head, foot func(w int) string, fields ...fieldRef) *formPage {
	return newFormPage(s.c, s.value, head, foot, fields...)
}

// focusFirstErr focuses the first of these fields that has an error kept,
// and reports whether one had.
func (s *steps) focusFirstErr(p *formPage, fields ...pki.Field) bool {
	for _, k := range fields {
		if len(s.fieldErr(k)) > 0 {
			p.focusField(k)
			return true
		}
	}
	return false
}
