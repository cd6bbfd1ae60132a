package wizard

import (
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
)

// Model is the wizard's root model. It only routes (soft-serve's UI): global
// keys first (ctrl+c, help, esc), then every other message to the current
// flow, and when a flow is over, route decides which comes next. What the
// flows share is in common; each flow owns its answers and its steps. It
// does no I/O; the work is done by the Engine, inside tea.Cmds.
type Model struct {
	*common
	// flows are built once, so that answers are kept when the user comes
	// back to an errand; keyed by the dest that leads to each.
	flows    map[dest]flow
	cur      flow
	helpOpen bool
	burst    burst     // keys held while a form moves on (burst.go)
	replayAt time.Time // when the held key being replayed arrived
}

// New returns the root model. Options.Defaults pre-fill the answers.
func New(eng Engine, opts Options) *Model {
	c := newCommon(eng, opts)
	a := opts.Defaults.withDefaults(opts.Detected)
	setup := newSetupFlow(c, &a)
	laptop := opts.Member != nil && opts.Detected.MemberSide()
	menu := newMenuFlow(c, setup.value, laptop)
	m := &Model{common: c, cur: menu, flows: map[dest]flow{
		toMenu:               menu,
		toSetup:              setup,
		dest(choiceMember):   newMemberFlow(c, &a),
		dest(choiceRenew):    newPassFlow(c, &a, stepRenew),
		dest(choiceSwitch):   newPassFlow(c, &a, stepSwitch),
		dest(choiceFinalize): newPassFlow(c, &a, stepFinalize),
		dest(choiceStatus):   newStatusFlow(c, setup.value),
		dest(choiceRemove):   newRemoveFlow(c, setup.value),
		dest(choiceConnect):  newConnectFlow(c, setup.value),
		dest(choiceRequest):  newRequestFlow(c, setup.value),
	}}
	// A member whose certificate ends soon is renewed from the menu.
	for _, e := range opts.Detected.Expiring {
		if _, choice, ok := c.renewOption(e); ok && choice != choiceRenew {
			m.flows[dest(choice)] = newRenewFlow(c, &a, stepRenew, e.Name)
		}
	}
	// A new CA needs a long passphrase; rather than stop, ask for one.
	if c.pass.fromFile && !opts.Detected.ExistingCA {
		if err := pki.ValidatePassphrase(a.Passphrase); err != nil {
			c.refusePassFile("the passphrase from the file: " + err.Error())
		}
	}
	menu.build()
	return m
}

// route is where the wizard goes when a flow is over: the one place that
// moves between flows.
func (m *Model) route(d dest) tea.Cmd {
	switch d {
	case stay:
		return nil
	case toQuit:
		return tea.Quit
	case backMenu:
		// Errors found for a flow the user left no longer apply.
		m.errs.reset()
		d = toMenu
	case dest(choiceRedo):
		d = toSetup
	}
	prev := m.cur
	m.cur = m.flows[d]
	return m.cur.start(prev)
}

// Result is the outcome, read from the final model after the program ends.
func (m *Model) Result() Result { return m.res }

// Init starts the first page and asks the terminal for its background, to
// pick colours that are readable on it.
func (m *Model) Init() tea.Cmd {
	p := m.cur.page()
	return tea.Batch(tea.RequestBackgroundColor, p.init(), p.resize(m.bodySize()))
}

// Update routes; keys that arrive while a form moves on are held and
// replayed once it has (burst.go).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	return m, tea.Batch(cmd, m.settle())
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	gen := m.gen
	cmd := m.handle(msg)
	if m.gen != gen {
		m.helpOpen = false // another page: the help was about the last
	}
	return cmd
}

func (m *Model) handle(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case tea.PasteMsg:
		if m.burst.holding() {
			m.burst.hold(msg, m.clock())
			return nil
		}
		m.gate.key(m.keyTime())
		if m.busy() || m.helpOpen {
			return nil
		}
		return m.forward(msg)
	case tea.WindowSizeMsg:
		// A terminal that is not ready yet (a detached tmux) reports 0x0.
		if msg.Width <= 0 || msg.Height <= 0 {
			return nil
		}
		// Never forward the terminal's size: a page gets the body's size.
		m.w, m.h = msg.Width, msg.Height
		return m.cur.page().resize(m.bodySize())
	case tea.BackgroundColorMsg:
		m.setDark(msg.IsDark())
		cmd, _ := m.cur.page().update(msg) // huh restyles its fields
		return cmd
	case spinner.TickMsg:
		if !m.waiting() {
			m.wait.spinning = false // drop the tick: the chain ends
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case burstTimeoutMsg:
		return m.onBurstTimeout(msg)
	}
	return m.forward(msg)
}

// forward gives msg to the current flow, and goes where it says.
func (m *Model) forward(msg tea.Msg) tea.Cmd {
	cmd, d := m.cur.update(msg)
	return tea.Batch(cmd, m.route(d))
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	// In raw mode ctrl+c is a key, not a signal: catch it before any page.
	if msg.String() == "ctrl+c" {
		return m.abort()
	}
	if m.burst.holding() {
		m.burst.hold(msg, m.clock())
		return nil
	}
	m.gate.key(m.keyTime())
	if m.helpOpen {
		if isHelpKey(msg) || msg.String() == "esc" || msg.String() == "q" || msg.String() == "enter" {
			m.helpOpen = false
		}
		return nil
	}
	if m.busy() || m.stopping {
		return nil
	}
	if isHelpKey(msg) && !m.cur.page().typing() {
		m.helpOpen = true
		return nil
	}
	if msg.String() == "esc" {
		return m.back()
	}
	from, first := m.focus()
	gen := m.gen
	cmd := m.forward(msg)
	return tea.Batch(cmd, m.holdIfMoving(msg, from, first, gen))
}

// back is Esc: a step back in the flow, keeping the answers, or out of it.
func (m *Model) back() tea.Cmd {
	if !m.cur.canBack() {
		return nil
	}
	m.errs.page = ""
	cmd, d := m.cur.back()
	return tea.Batch(cmd, m.route(d))
}

// keyTime is when the key being handled arrived.
func (m *Model) keyTime() time.Time {
	if !m.replayAt.IsZero() {
		return m.replayAt
	}
	return m.clock()
}

// abort is ctrl+c. Before anything is written it quits and writes nothing.
// After a write it quits too, and the Result says what was written: the
// work stands. While a write runs, the write is one transaction that rolls
// itself back on failure; stopping the program in the middle could cut it
// short, so ctrl+c then waits for it to finish. So it does while "apply
// now" restarts Docker, which rolls back if Docker does not come back.
func (m *Model) abort() tea.Cmd {
	m.res.Aborted = true
	if m.cur.working() {
		m.stopping = true
		return nil
	}
	return tea.Quit
}

// waiting reports work in flight, for the spinner.
func (m *Model) waiting() bool { return m.busy() || m.cur.waiting() }
