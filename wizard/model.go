package wizard

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

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
)

// page is one screen. The root model routes messages to the current page
// and decides where to go when it reports that it is finished (soft-serve's
// router with one component per page).
type page interface {
	init() tea.Cmd
	// update reports done once, when the user accepted the page.
	update(msg tea.Msg) (cmd tea.Cmd, done bool)
	view() string
	keys() []key.Binding
	// typing reports a focused text input: "?" is then text, not help.
	typing() bool
	resize(w, h int) tea.Cmd
}

// extErr is an error found outside the page (by Prepare or by the CA
// passphrase check), shown next to its field while the field still holds
// the value it was about.
type extErr struct {
	reasons []string
	at      string
}

// memberAnswers are the answers of the add-a-team-member flow.
type memberAnswers struct {
	Name, Days, Passphrase string
}

// Model is the wizard's root model: a state machine with one page per step.
// It does no I/O; the work arrives through Deps, run inside tea.Cmds.
type Model struct {
	deps Deps
	opts Options
	a    *Answers
	mem  *memberAnswers
	now  func() time.Time

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

	busy     string // a short wait (passphrase check, status...): shown with the spinner
	spinning bool

	choice       string // welcome menu
	passFromFile bool   // the passphrase came from --ca-passphrase-file and was not refused
	passOK       string // the passphrase CheckPassphrase accepted, not to check it twice
	startedKeys  string // the key type StartKeys was last called with
	extErrs      map[string]extErr
	pageErr      string

	preparing bool
	prepared  *Prepared
	prepErr   error

	applying       bool
	applied        bool // Apply ran (once per run of a flow)
	written        []string
	applyErr       error
	quitAfterApply bool

	status      string
	doneChoice  string
	appliedNow  bool
	applyNowOut string
	applyNowErr error

	res      Result
	quitting bool
}

// New returns the root model. Options.Defaults pre-fill the answers.
func New(deps Deps, opts Options) *Model {
	a := opts.Defaults.withDefaults(opts.Detected)
	m := &Model{
		deps:    deps,
		opts:    opts,
		a:       &a,
		mem:     &memberAnswers{Days: a.Days},
		now:     opts.Now,
		km:      newKeyMap(),
		help:    help.New(),
		spin:    spinner.New(spinner.WithSpinner(spinner.Dot)),
		w:       80,
		h:       24,
		isDark:  true, // until the terminal says otherwise: most are dark
		extErrs: map[string]extErr{},
	}
	if m.now == nil {
		m.now = time.Now
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
	m.step = stepWelcome
	m.cur = m.newPage(stepWelcome)
	return m
}

// refusePassFile switches from the file's passphrase to asking for one.
func (m *Model) refusePassFile(reason string) {
	m.passFromFile = false
	m.a.PassphraseFromFile = false
	m.a.Passphrase, m.a.Passphrase2, m.mem.Passphrase = "", "", ""
	m.extErrs["passphrase"] = extErr{reasons: []string{reason}}
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

func (m *Model) bodySize() (int, int) {
	// title, blank, body, blank, footer, and the blank last line that keeps
	// the footer on screen when an inline program exits.
	// huh's text inputs panic below a few columns: keep a floor.
	return max(m.w, 24), max(m.h-5, 3)
}

// goTo enters a step, building its page afresh from the answers (so Esc
// and FieldErrors show the current values).
func (m *Model) goTo(s stepID) tea.Cmd {
	m.gen++
	m.step = s
	m.helpOpen = false
	switch s {
	case stepWelcome, stepCA, stepServer, stepClients, stepKeys:
		m.flow = flowSetup
	case stepMember, stepMemberDone:
		m.flow = flowMember
	case stepRenew:
		m.flow = flowRenew
	case stepStatus:
		m.flow = flowStatus
	}
	m.cur = m.newPage(s)
	return tea.Batch(m.cur.init(), m.cur.resize(m.bodySize()))
}

func (m *Model) newPage(s stepID) page {
	switch s {
	case stepCA:
		return m.newCAPage()
	case stepServer:
		return m.newServerPage()
	case stepClients:
		return m.newClientsPage()
	case stepKeys:
		return m.newKeysPage()
	case stepReview:
		return m.newReviewPage()
	case stepWrite:
		return m.newWritePage()
	case stepDone:
		return m.newDonePage()
	case stepMember:
		return m.newMemberPage()
	case stepMemberDone:
		return m.newMemberDonePage()
	case stepRenew:
		return m.newRenewPage()
	case stepStatus:
		return m.newStatusPage()
	}
	return m.newWelcomePage()
}

// Update routes: global keys first (ctrl+c, help, esc), results of work
// next, everything else to the current page.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.WindowSizeMsg:
		// A terminal that is not ready yet (a detached tmux) reports 0x0.
		if msg.Width <= 0 || msg.Height <= 0 {
			return m, nil
		}
		// Never forward the terminal's size: a page gets the body's size.
		m.w, m.h = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return m, m.cur.resize(m.bodySize())
	case tea.BackgroundColorMsg:
		m.setDark(msg.IsDark())
		cmd, _ := m.cur.update(msg) // huh restyles its fields
		return m, cmd
	case spinner.TickMsg:
		if !m.waiting() {
			m.spinning = false // drop the tick: the chain ends
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case checkedMsg:
		return m, m.onChecked(msg)
	case preparedMsg:
		return m, m.onPrepared(msg)
	case clientPreparedMsg:
		return m, m.onClientPrepared(msg)
	case applyMsg:
		return m, m.onApply(msg)
	case statusMsg:
		return m, m.onStatus(msg)
	case applyNowMsg:
		return m, m.onApplyNow(msg)
	}
	return m, m.forward(msg)
}

func (m *Model) forward(msg tea.Msg) tea.Cmd {
	cmd, done := m.cur.update(msg)
	if done {
		return tea.Batch(cmd, m.finish())
	}
	return cmd
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	// In raw mode ctrl+c is a key, not a signal: catch it before any page.
	if msg.String() == "ctrl+c" {
		return m.abort()
	}
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
	return m.forward(msg)
}

// abort quits without writing. While Apply runs the write is one
// transaction that rolls itself back on failure; stopping the program in
// the middle could cut it short, so ctrl+c then waits for it to finish.
func (m *Model) abort() tea.Cmd {
	m.res.Aborted = true
	if m.applying {
		m.quitAfterApply = true
		return nil
	}
	return m.quit()
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	return tea.Quit
}

// waiting reports work in flight, for the spinner.
func (m *Model) waiting() bool { return m.busy != "" || m.preparing || m.applying }

func (m *Model) startSpin() tea.Cmd {
	if m.noAnim || m.spinning {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

// canBack reports where Esc leads, if anywhere.
func (m *Model) backStep() (stepID, bool) {
	switch m.step {
	case stepCA, stepMember, stepRenew, stepStatus:
		return stepWelcome, true
	case stepServer, stepClients, stepKeys:
		return m.step - 1, true
	case stepReview:
		if m.flow == flowRenew {
			return stepRenew, true
		}
		return stepKeys, true
	case stepWrite:
		if m.applyErr != nil {
			return stepReview, true
		}
	}
	return 0, false
}

func (m *Model) back() tea.Cmd {
	s, ok := m.backStep()
	if !ok {
		return nil
	}
	if s == stepReview {
		m.applied, m.applyErr, m.written = false, nil, nil
	}
	m.pageErr = ""
	if s == stepWelcome {
		// Errors found for a flow the user left no longer apply.
		m.extErrs = map[string]extErr{}
	}
	return m.goTo(s)
}

// finish moves on when the current page is accepted.
func (m *Model) finish() tea.Cmd {
	switch m.step {
	case stepWelcome:
		if !m.opts.Detected.ExistingCA {
			return m.goTo(stepCA)
		}
		switch m.choice {
		case choiceRenew:
			return m.goTo(stepRenew)
		case choiceStatus:
			return m.loadStatus()
		case choiceRedo:
			return m.goTo(stepCA)
		}
		return m.goTo(stepMember)
	case stepCA:
		m.clearErrs("ca-cn", "ca-org", "passphrase")
		if m.opts.Detected.ExistingCA {
			return m.checkPass(m.a.Passphrase)
		}
		return m.goTo(stepServer)
	case stepServer:
		m.clearErrs("fqdn", "san-dns", "san-ip", "listen")
		return m.goTo(stepClients)
	case stepClients:
		m.clearErrs("client")
		return m.goTo(stepKeys)
	case stepKeys:
		m.clearErrs("key-type", "ca-days", "days")
		return tea.Batch(m.startKeys(), m.goTo(stepReview))
	case stepReview:
		return m.confirmReview()
	case stepWrite:
		if m.applyErr != nil {
			m.res.Err = m.applyErr
			return m.quit()
		}
	case stepDone:
		if m.doneChoice == choiceApplyNow && !m.appliedNow && m.deps.ApplyNow != nil {
			return m.applyNow()
		}
		return m.quit()
	case stepMember:
		m.clearErrs("client", "days", "passphrase")
		m.pageErr = ""
		return m.checkPass(m.mem.Passphrase)
	case stepRenew:
		m.clearErrs("passphrase")
		m.pageErr = ""
		return m.checkPass(m.a.Passphrase)
	case stepMemberDone:
		return m.quit()
	case stepStatus:
		return m.goTo(stepWelcome)
	}
	return nil
}

// startKeys starts key generation as soon as the key type is known, so
// that confirming the review rarely waits. Again only if it changed.
func (m *Model) startKeys() tea.Cmd {
	kt := m.a.KeyType
	if m.deps.StartKeys == nil || kt == m.startedKeys {
		return nil
	}
	m.startedKeys = kt
	start := m.deps.StartKeys
	return func() tea.Msg { start(kt); return nil }
}

func (m *Model) clearErrs(fields ...string) {
	for _, f := range fields {
		delete(m.extErrs, f)
	}
}

// valueOf is the current answer for a field name of pki.FieldError, so an
// error found elsewhere stops showing once the user changed that answer.
func (m *Model) valueOf(field string) string {
	if m.flow == flowMember {
		switch field {
		case "client":
			return m.mem.Name
		case "days":
			return m.mem.Days
		case "passphrase":
			return m.mem.Passphrase
		}
	}
	a := m.a
	switch field {
	case "ca-cn":
		return a.CACommonName
	case "ca-org":
		return a.CAOrganization
	case "passphrase":
		return a.Passphrase
	case "fqdn":
		return a.FQDN
	case "san-dns":
		return a.DNSNames
	case "san-ip":
		return strings.Join(a.IPs, ",") + "|" + a.ExtraIPs
	case "listen":
		return a.Listen
	case "client":
		return a.Clients
	case "key-type":
		return a.KeyType
	case "ca-days":
		return a.CADays
	case "days":
		return a.Days
	}
	return ""
}

// setFieldErrors keeps FieldErrors to show next to their fields.
func (m *Model) setFieldErrors(fe pki.FieldErrors) {
	for _, e := range fe {
		x := m.extErrs[e.Field]
		reason := e.Reason
		if e.Value != "" && !strings.Contains(reason, e.Value) {
			reason = "\"" + e.Value + "\": " + reason
		}
		x.reasons = append(x.reasons, reason)
		x.at = m.valueOf(e.Field)
		m.extErrs[e.Field] = x
	}
}

// fieldErr returns the outside errors to show for a field, or nil.
func (m *Model) fieldErr(field string) []string {
	x, ok := m.extErrs[field]
	if !ok || x.at != m.valueOf(field) {
		return nil
	}
	return x.reasons
}

// ownerStep is the setup step that asks for a pki.FieldError's field.
func ownerStep(field string) (stepID, bool) {
	switch field {
	case "fqdn", "san-dns", "san-ip", "listen":
		return stepServer, true
	case "client":
		return stepClients, true
	case "days", "ca-days", "key-type":
		return stepKeys, true
	case "passphrase", "ca-cn", "ca-org":
		return stepCA, true
	}
	return 0, false
}

// asFieldErrors finds pki field errors in err.
func asFieldErrors(err error) pki.FieldErrors {
	var fe pki.FieldErrors
	if errors.As(err, &fe) && len(fe) > 0 {
		return fe
	}
	var one *pki.FieldError
	if errors.As(err, &one) {
		return pki.FieldErrors{one}
	}
	return nil
}

// View draws the frame: title bar, body, key help.
func (m *Model) View() tea.View {
	bw, bh := m.bodySize()
	var body string
	switch {
	case m.helpOpen:
		body = m.helpView(bw)
	case m.busy != "":
		body = m.spinLine(m.busy)
	default:
		body = m.cur.view()
	}
	var b strings.Builder
	b.WriteString(m.titleBar())
	b.WriteString("\n\n")
	b.WriteString(fit(body, bw, bh))
	b.WriteString("\n\n")
	b.WriteString(m.footer())
	// Inline mode: on exit the renderer erases the frame's last line, so
	// the last line is a blank one (CHARM-V2.md).
	b.WriteString("\n")
	return tea.NewView(b.String())
}

func (m *Model) spinLine(label string) string {
	if m.noAnim {
		return m.st.Heading.Render("…") + " " + label
	}
	return strings.TrimRight(m.spin.View(), " ") + " " + label
}

func (m *Model) titleBar() string {
	left := m.st.App.Render("docker-tls") + " " + m.st.Step.Render(m.stepTitle())
	if r := m.opts.Detected.Root; r != "" && r != "/" {
		right := m.st.Root.Render("root: " + r)
		gap := m.w - lipgloss.Width(left) - lipgloss.Width(right)
		if gap >= 2 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return left
}

func (m *Model) stepTitle() string {
	switch m.flow {
	case flowMember:
		if m.step == stepMemberDone {
			return "Add a team member · 2/2"
		}
		return "Add a team member · 1/2"
	case flowRenew:
		n := map[stepID]string{stepRenew: "1/4", stepReview: "2/4", stepWrite: "3/4", stepDone: "4/4"}[m.step]
		return "Renew the server certificate · " + n
	case flowStatus:
		return "Status"
	}
	return "Step " + strconv.Itoa(int(m.step)+1) + "/8 · " + stepNames[m.step]
}

func (m *Model) footer() string {
	// The last frame stays in the scrollback: no keys there.
	if m.quitting {
		if m.res.Aborted && !m.res.Written {
			return m.st.Warn.Render("Stopped: nothing was written.")
		}
		return ""
	}
	if m.helpOpen {
		return m.help.ShortHelpView([]key.Binding{bind("?/esc", "close help"), m.km.Abort})
	}
	if m.busy != "" || m.quitAfterApply {
		return m.help.ShortHelpView([]key.Binding{m.km.Abort})
	}
	ks := append([]key.Binding{}, m.cur.keys()...)
	if _, ok := m.backStep(); ok {
		ks = append(ks, m.km.Back)
	}
	if !m.cur.typing() {
		ks = append(ks, m.km.Help)
	}
	ks = append(ks, m.km.Abort)
	return m.help.ShortHelpView(ks)
}

func (m *Model) helpView(w int) string {
	var b strings.Builder
	b.WriteString(m.st.Heading.Render("Keys"))
	b.WriteString("\n\n")
	b.WriteString(m.help.FullHelpView(m.km.fullHelp()))
	b.WriteString("\n\n")
	b.WriteString(m.st.Dim.Render(wrap(
		"Enter accepts what is shown, on every screen: pressing Enter all the way "+
			"uses the defaults. Esc goes back one step and keeps your answers. "+
			"? shows this help when the cursor is not in a text field (there, ? is "+
			"typed as text). ctrl+c stops at once and writes nothing.", w)))
	return b.String()
}

// bind makes a help-only binding.
func bind(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}

// fit clips the body to the space the frame leaves, so the frame never
// scrolls the terminal; lines are cut, not wrapped, at the width.
func fit(s string, w, h int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// wrap wraps text to the width.
func wrap(s string, w int) string {
	return lipgloss.Wrap(s, max(w, 20), "")
}

// hang wraps s after a prefix ("✗ ", "! "), indenting the lines that
// follow under the text.
func hang(prefix, s string, w int) string {
	pw := lipgloss.Width(prefix)
	lines := strings.Split(wrap(s, w-pw), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", pw) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
