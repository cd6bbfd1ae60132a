package wizard

// The team member's side, on a machine that is not a Docker host
// (setup.Detection.MemberSide): connect with the file the admin sent, or
// make a key here and a request for the admin to sign. Two screens each,
// like adding a member: what to give, then what was done and what to type
// next. The work is Options.Member's; the wizard only shows it.

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// The laptop's welcome menu.
const (
	choiceConnect = "connect"
	choiceRequest = "request"
)

// The member's inputs that are not fields of a setup.
const (
	fieldConnectFile pki.Field = "connect-file"
	fieldConnectHost pki.Field = "connect-host"
	fieldReqHost     pki.Field = "request-host"
	fieldReqOut      pki.Field = "request-out"
	fieldReqReplace  pki.Field = "request-replace"
)

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

type (
	connectedMsg struct {
		gen int
		c   *member.Connected
		err error
	}
	requestedMsg struct {
		gen int
		r   *member.Requested
		err error
	}
)

// newLaptopWelcomePage says why this machine connects rather than being
// set up, and offers the two ways in.
func (f *menuFlow) newLaptopWelcomePage() page {
	m := f.c
	d := m.opts.Detected
	head := func(w int) string {
		st := m.st
		var b strings.Builder
		b.WriteString(st.Text.Render(wrap("There is no Docker daemon to secure on this machine. docker-tls connects it "+
			"to one that is: the file from your admin becomes a docker context, checked against the daemon.", w)))
		b.WriteString("\n\n" + st.Heading.Render("On this machine"))
		row := func(label, value string) {
			b.WriteString("\n  " + st.Dim.Render(pad(label, 16)) + value)
		}
		row("docker.service", "not found: not a Docker host")
		if d.ConfigDir != "" {
			row("docker config", st.Code.Render(d.ConfigDir))
		}
		return b.String()
	}
	// The plain "docker.service not found" is said above; a Docker that
	// docker-tls cannot configure (a snap, rootless, OpenRC) is worth
	// saying to an admin who came to set it up.
	var notes []string
	for _, w := range d.Warnings {
		if d.NoUnit != nil && w == d.NoUnit.Error() && errors.Is(d.NoUnit, render.ErrNoUnit) {
			continue
		}
		notes = append(notes, w)
	}
	foot := func(w int) string {
		lines := []string{m.st.Dim.Render(wrap("To secure a Docker daemon instead, run docker-tls on its host, as root.", w))}
		for _, n := range notes {
			lines = append(lines, m.st.Warn.Render(hang("! ", n, w)))
		}
		return strings.Join(lines, "\n")
	}
	if f.choice == "" {
		f.choice = choiceConnect
	}
	sel := huh.NewSelect[string]().
		Title("What would you like to do?").
		Options(
			huh.NewOption("I received a file from my admin", choiceConnect),
			huh.NewOption("I need a certificate (my key stays here)", choiceRequest),
		).
		Value(&f.choice)
	return f.newFormPage(head, foot, fieldRef{key: fieldMenu, title: "Choice", f: sel})
}

// memberWork is the member's machine's work: Connect or Request runs, and
// ctrl+c waits for it (the install is never cut in half).
type memberWork struct{ running bool }

func (w *memberWork) stopNote() string {
	return "Stopping once this is done: stopping in the middle could leave files half made."
}

// connectFlow is "I received a file": the file (and the host, when the
// file does not say), then what was installed and whether the daemon lets
// the member in.
type connectFlow struct {
	steps
	memberWork
	conn      *connectAnswers
	connected *member.Connected
}

func newConnectFlow(c *common, value valueFunc) *connectFlow {
	return &connectFlow{steps: steps{c: c, value: value}, conn: &connectAnswers{}}
}

func (f *connectFlow) start(flow) tea.Cmd { return f.goTo(stepConnect) }

func (f *connectFlow) goTo(id stepID) tea.Cmd {
	if id == stepConnectDone {
		return f.show(id, f.newConnectDonePage)
	}
	return f.show(id, f.newConnectPage)
}

func (f *connectFlow) update(msg tea.Msg) (tea.Cmd, dest) {
	if msg, ok := msg.(connectedMsg); ok {
		return f.onConnected(msg)
	}
	return f.accept(msg, f.finish)
}

func (f *connectFlow) finish() (tea.Cmd, dest) {
	if f.step == stepConnectDone {
		return nil, toQuit
	}
	f.c.errs.page = ""
	return f.connect(), stay
}

func (f *connectFlow) canBack() bool         { return f.step == stepConnect }
func (f *connectFlow) back() (tea.Cmd, dest) { return nil, backMenu }
func (f *connectFlow) working() bool         { return f.running }
func (f *connectFlow) title() string {
	return flowTitle("I received a file", f.step, stepConnect, stepConnectDone)
}

// newConnectPage asks for the file from the admin, and the daemon's
// address when the file does not say it.
func (f *connectFlow) newConnectPage() page {
	m, c := f.c, f.conn
	head := func(w int) string {
		return m.st.Text.Render(wrap("Your admin sent you a file made by docker-tls (NAME.tar.gz). It is checked before "+
			"anything is installed; then it becomes a docker context, and the daemon is asked whether it lets you in.", w))
	}
	fields := []fieldRef{
		placeholder(input(fieldConnectFile, "File from your admin", &c.File, notEmpty("enter the path of the file your admin sent")),
			"e.g. ~/Downloads/alice.tar.gz"),
	}
	if c.needHost {
		fields = append(fields, placeholder(input(fieldConnectHost, "Docker host (HOST:PORT)", &c.Host, daemonAddress),
			"e.g. docker.example.com:2376"))
	}
	p := f.newFormPage(head, nil, fields...)
	if c.needHost && strings.TrimSpace(c.Host) == "" && strings.TrimSpace(c.File) != "" {
		p.focusField(fieldConnectHost)
	}
	return p
}

// connect runs Connect: check, install, make the context, probe. It waits
// on a daemon that does not answer (up to the engine's timeout), so
// ctrl+c meanwhile waits too: the install is never cut in half.
func (f *connectFlow) connect() tea.Cmd {
	mem, gen := f.c.opts.Member, f.c.gen
	in := member.ConnectInput{File: strings.TrimSpace(f.conn.File)}
	if f.conn.needHost {
		in.Host = hostOnly(f.conn.Host)
	}
	f.running = true
	return tea.Batch(f.c.setBusy("Checking the file, installing it, asking the daemon…"), func() tea.Msg {
		c, err := mem.Connect(in)
		if err == nil && c == nil {
			err = errors.New("nothing was connected")
		}
		return connectedMsg{gen: gen, c: c, err: err}
	})
}

func (f *connectFlow) onConnected(msg connectedMsg) (tea.Cmd, dest) {
	m := f.c
	f.running = false
	m.idle()
	if msg.err == nil {
		f.connected = msg.c
		m.res.Task, m.res.Connected = TaskConnect, msg.c
	}
	if m.stopping {
		return nil, toQuit
	}
	if msg.gen != m.gen {
		return nil, stay
	}
	if msg.err != nil {
		if errors.Is(msg.err, member.ErrNoMeta) && !f.conn.needHost {
			// A bundle directory, or an archive without its metadata.
			f.conn.needHost = true
			m.errs.page = strings.TrimSpace(f.conn.File) + " does not say which Docker host it is for: enter its address below (your admin knows it)."
		} else {
			m.errs.page = withHint(msg.err)
		}
		return f.goTo(stepConnect), stay
	}
	return f.goTo(stepConnectDone), stay
}

// newConnectDonePage says what was checked and installed, the context
// made, whether the daemon let the member in (and if not, why and what to
// do), and what to type next.
func (f *connectFlow) newConnectDonePage() page {
	m, c := f.c, f.connected
	head := func(w int) string {
		if c.ProbeError != nil {
			return m.st.Warn.Render(hang("! ", "Installed, but "+say.ProbeOutcome(c)+".", w))
		}
		return m.okLine(fmt.Sprintf("Connected: the daemon at %s lets you in (Docker %s).", c.Host, c.Version), w)
	}
	body := func(w int) string {
		st := m.st
		var b strings.Builder
		row := func(label, text string) {
			b.WriteString(hang(st.Dim.Render(pad(label, 10)), text, w) + "\n")
		}
		key := "matches the key"
		if c.Paired {
			key = "matches the key you made with the request"
		}
		row("Checked", fmt.Sprintf("%s's certificate: %s, chains to the CA in the file, is for client authentication, valid until %s.",
			c.Name, key, c.NotAfter.Format("2006-01-02")))
		row("Installed", c.Dir+": ca.pem, cert.pem and key.pem (directory 0700, key 0600)")
		verb := "made"
		if c.Updated {
			verb = "updated"
		}
		how := "with the docker CLI"
		if !c.ByCLI {
			how = "in the docker CLI's store (the CLI is not installed here)"
		}
		row("Context", fmt.Sprintf("%s, %s %s", c.Context, verb, how))
		if c.ProbeError != nil {
			b.WriteString(hang(st.Dim.Render(pad("Daemon", 10)), st.Error.Render(c.ProbeError.Error()), w) + "\n")
			if h := hint.Of(c.ProbeError); h != "" {
				b.WriteString(hang(pad("", 10), h, w) + "\n")
			}
		} else {
			row("Daemon", "answers over mutual TLS: Docker "+c.Version)
		}
		b.WriteString("\n" + st.Heading.Render("Next steps") + "\n" + m.stepsText(say.ConnectSteps(c), w))
		return b.String()
	}
	return newTextPage(m, head, body, m.printedAgain, m.km.Quit)
}

// daemonAddress checks a Docker host typed at a field as the commands do:
// HOST, HOST:PORT or tcp://HOST:PORT; a web address (https://...) is
// refused here, with the reason, rather than at the last step.
func daemonAddress(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("enter the Docker host's address: ask your admin")
	}
	if scheme, _, ok := strings.Cut(s, "://"); ok && scheme != "tcp" {
		return fmt.Errorf("%s:// is not how Docker is reached: enter HOST or HOST:PORT without it, e.g. docker.example.com:2376", scheme)
	}
	u, err := url.Parse("tcp://" + hostOnly(s))
	if err != nil || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("%q is not a Docker host: enter HOST or HOST:PORT, e.g. docker.example.com:2376", s)
	}
	return nil
}

// hostOnly is a daemon address without tcp://, as the commands take it.
func hostOnly(s string) string {
	return strings.TrimPrefix(strings.TrimSpace(s), "tcp://")
}

// requestFlow is "I need a certificate": the host, the member's name and
// where to save the request, then where the key is kept and what to send.
type requestFlow struct {
	steps
	memberWork
	req       *requestAnswers
	requested *member.Requested
}

func newRequestFlow(c *common, fallback valueFunc) *requestFlow {
	r := &requestAnswers{}
	return &requestFlow{req: r, steps: steps{c: c, value: func(field pki.Field) string {
		switch field {
		case pki.FieldClients:
			return r.Name
		case fieldReqHost:
			return r.Host
		case fieldReqOut:
			return r.Out
		}
		return fallback(field)
	}}}
}

func (f *requestFlow) start(flow) tea.Cmd { return f.goTo(stepRequest) }

func (f *requestFlow) goTo(id stepID) tea.Cmd {
	if id == stepRequestDone {
		return f.show(id, f.newRequestDonePage)
	}
	return f.show(id, f.newRequestPage)
}

func (f *requestFlow) update(msg tea.Msg) (tea.Cmd, dest) {
	if msg, ok := msg.(requestedMsg); ok {
		return f.onRequested(msg)
	}
	return f.accept(msg, f.finish)
}

func (f *requestFlow) finish() (tea.Cmd, dest) {
	if f.step == stepRequestDone {
		return nil, toQuit
	}
	f.c.errs.clear(pki.FieldClients, fieldReqHost, fieldReqOut)
	f.c.errs.page = ""
	return f.request(), stay
}

func (f *requestFlow) canBack() bool         { return f.step == stepRequest }
func (f *requestFlow) back() (tea.Cmd, dest) { return nil, backMenu }
func (f *requestFlow) working() bool         { return f.running }
func (f *requestFlow) title() string {
	return flowTitle("I need a certificate", f.step, stepRequest, stepRequestDone)
}

// newRequestPage asks for the Docker host, the member's name and where to
// save the request; once a request would replace a waiting key or a file,
// it asks whether to.
func (f *requestFlow) newRequestPage() page {
	m, r := f.c, f.req
	head := func(w int) string {
		return m.st.Text.Render(wrap("Your key is made on this machine and never leaves it. Your admin signs the request "+
			"(it holds no secret) and sends back a file for \"I received a file from my admin\".", w))
	}
	out := input(fieldReqOut, "Save the request as", &r.Out, nil)
	// Left empty, it is NAME.csr: the placeholder says so, following the
	// name as it is typed.
	out.f = out.f.(*huh.Input).PlaceholderFunc(func() string {
		return "default: " + member.RequestFileName(cmp.Or(strings.TrimSpace(r.Name), "NAME"))
	}, &r.Name)
	fields := []fieldRef{
		placeholder(input(fieldReqHost, "Docker host (HOST[:PORT])", &r.Host, daemonAddress),
			"e.g. docker.example.com"),
		placeholder(input(pki.FieldClients, "Your name, as your admin knows you", &r.Name, pki.ValidateClientName), "e.g. alice"),
		out,
	}
	if r.askReplace {
		// A select, not a huh.Confirm: its cursor shows the choice
		// without colour (NO_COLOR); "Keep it" first, so Enter keeps it.
		fields = append(fields, fieldRef{key: fieldReqReplace, title: "Replace", f: huh.NewSelect[bool]().
			Title("Replace it?").
			Description("A key waiting for an earlier request is lost: what the admin signs for that request will not match.").
			Options(huh.NewOption("Keep it", false), huh.NewOption("Replace it with a new key", true)).
			Value(&r.Replace)})
	}
	p := f.newFormPage(head, nil, fields...)
	switch {
	case len(f.fieldErr(pki.FieldClients)) > 0:
		p.focusField(pki.FieldClients)
	case r.askReplace:
		p.focusField(fieldReqReplace)
	}
	return p
}

// request runs Request: the key, kept here, and the request file.
func (f *requestFlow) request() tea.Cmd {
	mem, gen, r := f.c.opts.Member, f.c.gen, f.req
	name := strings.TrimSpace(r.Name)
	in := member.RequestInput{Host: hostOnly(r.Host), Name: name,
		Out:   strings.TrimSpace(r.Out), // "": the engine's default, NAME.csr
		Force: r.askReplace && r.Replace}
	f.running = true
	return tea.Batch(f.c.setBusy("Making your key and the request…"), func() tea.Msg {
		res, err := mem.Request(in)
		if err == nil && res == nil {
			err = errors.New("no request was made")
		}
		return requestedMsg{gen: gen, r: res, err: err}
	})
}

func (f *requestFlow) onRequested(msg requestedMsg) (tea.Cmd, dest) {
	m := f.c
	f.running = false
	m.idle()
	if msg.err == nil {
		f.requested = msg.r
		m.res.Task, m.res.Requested = TaskRequest, msg.r
	}
	if m.stopping {
		return nil, toQuit
	}
	if msg.gen != m.gen {
		return nil, stay
	}
	if msg.err != nil {
		switch fe := pki.AsFieldErrors(msg.err); {
		case fe != nil:
			f.setFieldErrors(fe)
		case errors.Is(msg.err, member.ErrWouldReplace):
			// The engine's hint names --force; here it is a question.
			m.errs.page = msg.err.Error() + "."
			f.req.askReplace, f.req.Replace = true, false
		default:
			m.errs.page = withHint(msg.err)
		}
		return f.goTo(stepRequest), stay
	}
	return f.goTo(stepRequestDone), stay
}

// newRequestDonePage says where the key is kept and the one line to send.
func (f *requestFlow) newRequestDonePage() page {
	m, r := f.c, f.requested
	head := func(w int) string {
		return m.okLine(fmt.Sprintf("Made your key and a request for %s.", r.Name), w)
	}
	body := func(w int) string {
		st := m.st
		var b strings.Builder
		// Each path on a line of its own: a path is never cut.
		b.WriteString(st.Dim.Render("Your key, which stays on this machine (0600):") + "\n  " + st.Code.Render(r.KeyPath) + "\n")
		b.WriteString(st.Dim.Render("Your request, to send (no secret in it):") + "\n  " + st.Code.Render(r.Out) + "\n")
		b.WriteString("\n" + st.Heading.Render("Next steps") + "\n" + m.stepsText(say.RequestSteps(r), w))
		return b.String()
	}
	return newTextPage(m, head, body, m.printedAgain, m.km.Quit)
}
