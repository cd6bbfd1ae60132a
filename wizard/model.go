package wizard

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
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

// flow is the errand the user came for; it only changes titles and where
// Esc and Enter lead.
type flow int

const (
	flowSetup flow = iota
	flowMember
	flowRenew
	flowStatus
	flowRemove
	flowSwitch
	flowFinalize
	flowConnect
	flowRequest
)

// page is one screen. The root model routes messages to the current page
// and decides where to go when it reports that it is finished (soft-serve's
// router with one component per page).
type page interface {
	init() tea.Cmd
	// update reports done when the user accepts the page (Enter on its
	// last field); the root then moves on, or waits for work.
	update(msg tea.Msg) (cmd tea.Cmd, done bool)
	view() string
	keys() []key.Binding
	// typing reports a focused text input: "?" is then text, not help.
	typing() bool
	resize(w, h int) tea.Cmd
}

// memberAnswers are the answers of the add-a-team-member flow: a key made
// for them (Name), or their request signed (File).
type memberAnswers struct {
	How                          string // memberMakeKey or memberSignRequest
	Name, File, Days, Passphrase string
	// request is File read and checked, before the passphrase is asked;
	// requestFrom is the File it was read from.
	request     *setup.RequestFile
	requestFrom string
}

// connectAnswers are the member's "I received a file" answers; Host only
// when the file does not say where to connect.
type connectAnswers struct {
	File, Host string
	needHost   bool
}

// requestAnswers are the member's "I need a certificate" answers. Replace
// is asked once a request would replace a waiting key or a file.
type requestAnswers struct {
	Host, Name, Out string
	Replace         bool
	askReplace      bool
}

// Model is the wizard's root model: a state machine with one page per step.
// It does no I/O; the work is done by the Engine, inside tea.Cmds.
type Model struct {
	eng  Engine
	opts Options
	a    *Answers
	mem  *memberAnswers
	conn *connectAnswers
	req  *requestAnswers
	now  func() time.Time
	// laptop: a team member's machine, where the wizard connects to a
	// Docker host rather than setting one up (Options.Member).
	laptop bool

	st   styles
	km   keyMap
	help help.Model
	spin spinner.Model

	w, h     int
	isDark   bool
	helpOpen bool
	noAnim   bool // tests: no spinner ticks, so command loops end

	flow flow
	step stepID
	cur  page
	gen  int // bumped on every page change: late results of a left page are dropped

	busy      string    // a short wait (passphrase check, status...): shown with the spinner
	busySince time.Time // when the current wait (busy, preparing, applying) began
	spinning  bool

	clock    func() time.Time // key times and elapsed times (Options.Clock)
	gate     gate             // the write's keyboard gate (gate.go)
	burst    burst            // keys held while a form moves on (burst.go)
	replayAt time.Time        // when the held key being replayed arrived
	keyProg  *pki.KeyProgress // the engine's keys, while the review is prepared
	taken    []string         // client names already issued (the member step)

	choice       string // welcome menu
	passFromFile bool   // the passphrase came from --ca-passphrase-file and was not refused
	passOK       string // the passphrase CheckPassphrase accepted, not to check it twice
	extErrs      map[pki.Field]extErr
	pageErr      string

	preparing bool
	prepared  *setup.Prepared
	prepErr   error

	applying       bool
	applied        bool // Apply ran (once per run of a flow)
	written        []string
	applyErr       error
	quitAfterApply bool
	applyingNow    bool // "apply now" is restarting Docker

	status      *setup.Report
	recordErr   string // the run was written but not recorded for apply
	doneChoice  string
	appliedNow  bool
	applyNowOut string
	applyNowErr error

	// Remove a team member.
	members     []setup.ClientRow // loaded when the flow starts
	membersErr  error
	removeName  string
	removeSure  bool
	restartWhat string               // the restart page's choice
	impact      *setup.RestartImpact // what a restart would do, when it would stop containers

	// The member's side.
	memberWork bool // Connect or Request is running: ctrl+c waits for it
	connected  *member.Connected
	requested  *member.Requested

	res Result
}

// New returns the root model. Options.Defaults pre-fill the answers.
func New(eng Engine, opts Options) *Model {
	a := opts.Defaults.withDefaults(opts.Detected)
	m := &Model{
		eng:  eng,
		opts: opts,
		a:    &a,
		mem:  &memberAnswers{How: memberMakeKey, Days: a.Days},
		conn: &connectAnswers{},
		req:  &requestAnswers{},
		now:  opts.Now,
		km:   newKeyMap(),
		help: help.New(),
		// Points (∙●∙) rather than braille dots: many fonts lack braille
		// (the screenshots' font among them) and draw a box instead.
		spin:    spinner.New(spinner.WithSpinner(spinner.Points)),
		w:       80,
		h:       24,
		isDark:  true, // until the terminal says otherwise: most are dark
		extErrs: map[pki.Field]extErr{},
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.clock = opts.Clock
	if m.clock == nil {
		m.clock = time.Now
	}
	m.setDark(true)
	m.passFromFile = a.PassphraseFromFile
	if m.passFromFile {
		m.mem.Passphrase = a.Passphrase
		// A new CA needs a long passphrase; rather than stop, ask for one.
		if !opts.Detected.ExistingCA {
			if err := pki.ValidatePassphrase(a.Passphrase); err != nil {
				m.refusePassFile("the passphrase from the file: " + err.Error())
			}
		}
	}
	m.laptop = opts.Member != nil && opts.Detected.MemberSide()
	m.step = stepWelcome
	m.cur = m.newPage(stepWelcome)
	return m
}

// refusePassFile switches from the file's passphrase to asking for one.
func (m *Model) refusePassFile(reason string) {
	m.passFromFile = false
	m.a.PassphraseFromFile = false
	m.a.Passphrase, m.a.Passphrase2, m.mem.Passphrase = "", "", ""
	m.extErrs[pki.FieldPassphrase] = extErr{reasons: []string{reason}}
}

func (m *Model) setDark(dark bool) {
	m.isDark = dark
	m.st = newStyles(dark)
	m.help.Styles = help.DefaultStyles(dark)
	m.spin.Style = m.st.Heading
}

// Result is the outcome, read from the final model after the program ends.
func (m *Model) Result() Result { return m.res }

// Init starts the first page and asks the terminal for its background, to
// pick colours that are readable on it.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.cur.init(), m.cur.resize(m.bodySize()))
}

// frameLines are the lines around the body: title, blank, blank, footer.
const frameLines = 4

func (m *Model) bodySize() (int, int) {
	// huh's text inputs panic below a few columns: keep a floor.
	return max(m.w, 24), max(m.h-frameLines, 3)
}

// Update routes: global keys first (ctrl+c, help, esc), results of work
// next, everything else to the current page. Keys that arrive while a form
// moves on are held and replayed once it has (burst.go).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	return m, tea.Batch(cmd, m.settle())
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case tea.PasteMsg:
		if m.burst.holding() {
			m.burst.hold(msg, m.clock())
			return nil
		}
		m.gate.key(m.keyTime())
		if m.busy != "" || m.helpOpen {
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
		return m.cur.resize(m.bodySize())
	case tea.BackgroundColorMsg:
		m.setDark(msg.IsDark())
		cmd, _ := m.cur.update(msg) // huh restyles its fields
		return cmd
	case spinner.TickMsg:
		if !m.waiting() {
			m.spinning = false // drop the tick: the chain ends
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case burstTimeoutMsg:
		return m.onBurstTimeout(msg)
	case keyProgressMsg:
		return m.onKeyProgress(msg)
	case clientsMsg:
		return m.onClients(msg)
	case checkedMsg:
		return m.onChecked(msg)
	case preparedMsg:
		return m.onPrepared(msg)
	case clientPreparedMsg:
		return m.onClientPrepared(msg)
	case applyMsg:
		return m.onApply(msg)
	case statusMsg:
		return m.onStatus(msg)
	case applyNowMsg:
		return m.onApplyNow(msg)
	case membersMsg:
		return m.onMembers(msg)
	case removePreparedMsg:
		return m.onRemovePrepared(msg)
	case restartCheckedMsg:
		return m.onRestartChecked(msg)
	case requestReadMsg:
		return m.onRequestRead(msg)
	case connectedMsg:
		return m.onConnected(msg)
	case requestedMsg:
		return m.onRequested(msg)
	}
	return m.forward(msg)
}

func (m *Model) forward(msg tea.Msg) tea.Cmd {
	how := m.mem.How
	cmd, done := m.cur.update(msg)
	if done {
		return tea.Batch(cmd, m.finish())
	}
	if m.step == stepMember && m.mem.How != how {
		// The fields under "Their key" follow the choice.
		p := m.newMemberPage()
		p.focus = 0 // still on the choice
		m.cur = p
		return tea.Batch(cmd, m.cur.init(), m.cur.resize(m.bodySize()))
	}
	return cmd
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
	if m.busy != "" || m.quitAfterApply {
		return nil
	}
	if isHelpKey(msg) && !m.cur.typing() {
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
	if m.applying || m.applyingNow || m.memberWork {
		m.quitAfterApply = true
		return nil
	}
	return m.quit()
}

func (m *Model) quit() tea.Cmd {
	return tea.Quit
}

// waiting reports work in flight, for the spinner.
func (m *Model) waiting() bool { return m.busy != "" || m.preparing || m.applying }

// setBusy shows a short wait with the spinner, and when it began.
func (m *Model) setBusy(label string) tea.Cmd {
	m.busy = label
	m.busySince = m.clock()
	return m.startSpin()
}

func (m *Model) startSpin() tea.Cmd {
	if m.noAnim || m.spinning {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}
