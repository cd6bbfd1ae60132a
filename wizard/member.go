package wizard

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// How a new member gets their key: made here and sent in their bundle, or
// made on their machine ("docker-tls request") and their request signed.
const (
	memberMakeKey     = "key"
	memberSignRequest = "sign"
)

// The member page's inputs that are not fields of a setup.
const (
	fieldMemberHow   pki.Field = "member-how"
	fieldRequestFile pki.Field = "request-file"
)

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

type (
	clientPreparedMsg struct {
		gen int
		p   *setup.Prepared
		err error
	}
	clientsMsg struct {
		gen   int
		names []string
	}
	requestReadMsg struct {
		gen int
		r   *setup.RequestFile
		err error
	}
)

// memberFlow is adding a team member, the most frequent visit: two
// screens, what to issue, then the bundle and what to send.
type memberFlow struct {
	steps
	mem      *memberAnswers
	taken    []string // client names already issued
	prepared *setup.Prepared
	w        writer
}

func newMemberFlow(c *common, a *Answers) *memberFlow {
	mem := &memberAnswers{How: memberMakeKey, Days: a.Days}
	if c.pass.fromFile {
		mem.Passphrase = a.Passphrase
	}
	c.pass.forget = append(c.pass.forget, func() { mem.Passphrase = "" })
	f := &memberFlow{mem: mem}
	fallback := answersValue(a)
	f.steps = steps{c: c, value: func(field pki.Field) string {
		switch field {
		case fieldRequestFile:
			return mem.File
		case pki.FieldClients:
			return mem.Name
		case pki.FieldDays:
			return mem.Days
		case pki.FieldPassphrase:
			return mem.Passphrase
		}
		return fallback(field)
	}}
	return f
}

func (f *memberFlow) start(flow) tea.Cmd { return f.goTo(stepMember) }

// goTo enters a step; the member page reads the names issued each time.
func (f *memberFlow) goTo(id stepID) tea.Cmd {
	if id == stepMemberDone {
		return f.show(id, f.newMemberDonePage)
	}
	return tea.Batch(f.show(id, func() page { return f.newMemberPage() }), f.loadClients())
}

func (f *memberFlow) update(msg tea.Msg) (tea.Cmd, dest) {
	switch msg := msg.(type) {
	case clientsMsg:
		if msg.gen == f.c.gen {
			f.taken = msg.names
		}
		return nil, stay
	case requestReadMsg:
		return f.onRequestRead(msg), stay
	case checkedMsg:
		return f.c.onChecked(msg, func() { f.mem.Passphrase = "" }, func() tea.Cmd { return f.goTo(f.step) }, f.issueClient), stay
	case clientPreparedMsg:
		return f.onClientPrepared(msg), stay
	case applyMsg:
		return f.onApply(msg), stay
	}
	how := f.mem.How
	cmd, d := f.accept(msg, f.finish)
	if f.step == stepMember && f.mem.How != how {
		// The fields under "Their key" follow the choice.
		p := f.newMemberPage()
		p.focus = 0 // still on the choice
		f.cur = p
		return tea.Batch(cmd, f.cur.init(), f.cur.resize(f.c.bodySize())), d
	}
	return cmd, d
}

// finish is Enter on a page: on the member page, read the request or
// check the passphrase, then issue; on the last, quit.
func (f *memberFlow) finish() (tea.Cmd, dest) {
	if f.step == stepMemberDone {
		return nil, toQuit
	}
	f.c.errs.clear(pki.FieldClients, fieldRequestFile, pki.FieldDays, pki.FieldPassphrase)
	f.c.errs.page = ""
	if f.mem.How == memberSignRequest {
		return f.readRequest(), stay
	}
	return f.c.checkPass(f.mem.Passphrase, f.issueClient), stay
}

func (f *memberFlow) canBack() bool         { return f.step == stepMember }
func (f *memberFlow) back() (tea.Cmd, dest) { return nil, backMenu }

func (f *memberFlow) title() string {
	return flowTitle("Add a team member", f.step, stepMember, stepMemberDone)
}

func (f *memberFlow) working() bool { return f.w.applying }
func (f *memberFlow) waiting() bool { return f.w.applying }

func (f *memberFlow) onApply(msg applyMsg) tea.Cmd {
	cmd, end := f.w.onApply(f.c, msg, TaskMember, f.prepared)
	if !end || f.step != stepMember {
		return cmd
	}
	f.c.idle()
	if msg.err != nil {
		f.c.errs.page = "writing the bundle failed: " + msg.err.Error()
		return f.goTo(stepMember)
	}
	return f.goTo(stepMemberDone)
}

// newMemberPage is the first of the two screens of onboarding a colleague,
// the most frequent visit: how they get their key, their name (or the
// request file they sent), the validity and the CA passphrase. Enter
// checks the passphrase (a wrong one shows here), issues the certificate
// and writes the bundle; the second screen says what to send. The page is
// built again when the first choice changes: the fields below it follow.
func (f *memberFlow) newMemberPage() *formPage {
	m, mem := f.c, f.mem
	head := func(w int) string {
		if mem.How == memberSignRequest {
			return m.st.Text.Render(wrap("A member who ran \"docker-tls request\" keeps their key: this host's CA signs "+
				"the request file they sent, and what they get back holds no key. The next screen says what to send.", w))
		}
		return m.st.Text.Render(wrap("A new team member gets a client certificate signed by this host's CA: "+
			"a bundle of three files for their machine. The next screen says how to hand it over.", w))
	}
	// Inline, on one line: the page keeps its height.
	how := huh.NewSelect[string]().
		Title("Their key").
		Options(
			huh.NewOption("Make a key for them", memberMakeKey),
			huh.NewOption("Sign the request file they sent", memberSignRequest),
		).
		Inline(true).
		Value(&mem.How)
	fields := []fieldRef{{key: fieldMemberHow, title: "Their key", f: how,
		hints: []key.Binding{bind("←/→", "choose"), m.km.Next}}}
	if mem.How == memberSignRequest {
		fields = append(fields, placeholder(input(fieldRequestFile, "Request file", &mem.File,
			notEmpty("enter the path of the request file (.csr) they sent")), "e.g. alice.csr"))
	} else {
		// A name already issued is refused here, before the passphrase is
		// checked; the engine refuses it too, should the list come late.
		name := func(s string) error {
			if err := pki.ValidateClientName(s); err != nil {
				return err
			}
			if slices.Contains(f.taken, strings.TrimSpace(s)) {
				return errors.New(takenReason(strings.TrimSpace(s)))
			}
			return nil
		}
		fields = append(fields, placeholder(input(pki.FieldClients, "Name", &mem.Name, name), "e.g. alice"))
	}
	fields = append(fields, input(pki.FieldDays, "Valid for (days)", &mem.Days, pki.ValidateDays))
	if !m.pass.fromFile {
		fields = append(fields, password(pki.FieldPassphrase, "CA passphrase", &mem.Passphrase, notEmpty("enter the CA's passphrase")))
	}
	foot := func(int) string {
		var lines []string
		if r := mem.request; mem.How == memberSignRequest && r != nil && mem.requestFrom == mem.File {
			lines = append(lines, m.st.Dim.Render("Request of  ")+r.Name)
		}
		lines = append(lines, m.st.Dim.Render("Valid until ")+m.until(mem.Days))
		if m.pass.fromFile {
			lines = append(lines, m.st.Dim.Render("CA passphrase: ")+m.passSource())
		}
		return strings.Join(lines, "\n")
	}
	p := f.newFormPage(head, foot, fields...)
	if f.focusFirstErr(p, pki.FieldClients, fieldRequestFile, pki.FieldDays, pki.FieldPassphrase) {
		return p
	}
	// The cursor starts on the name (or the file): typing a name straight
	// away is the most frequent visit; shift+tab goes up to "Their key".
	p.focusField(pki.FieldClients)
	p.focusField(fieldRequestFile)
	return p
}

// issueClient is the add-a-team-member work: PrepareClient (or
// PrepareSign, for the request file they sent), then Write.
func (f *memberFlow) issueClient() tea.Cmd {
	m := f.c
	eng := m.eng
	pass := []byte(f.mem.Passphrase)
	f.w.applied = false
	gen := m.gen
	busy := fmt.Sprintf("Issuing a certificate for %s…", f.mem.Name)
	var work func() (*setup.Prepared, error)
	if r := f.mem.request; f.mem.How == memberSignRequest && r != nil {
		in := setup.SignInput{CSR: r.CSR, Days: atoi(f.mem.Days)}
		busy = fmt.Sprintf("Signing the request of %s…", r.Name)
		work = func() (*setup.Prepared, error) { return eng.PrepareSign(in, pass) }
	} else {
		in := setup.ClientInput{Name: f.mem.Name, Days: atoi(f.mem.Days)}
		work = func() (*setup.Prepared, error) { return eng.PrepareClient(in, pass) }
	}
	return tea.Batch(m.setBusy(busy), func() tea.Msg {
		p, err := work()
		if err == nil && p == nil {
			err = errors.New("nothing was prepared")
		}
		return clientPreparedMsg{gen: gen, p: p, err: err}
	})
}

// readRequest reads the request file before the passphrase is asked for:
// a wrong file, or a name already issued, shows next to the file at once.
func (f *memberFlow) readRequest() tea.Cmd {
	m := f.c
	eng, gen, path := m.eng, m.gen, strings.TrimSpace(f.mem.File)
	return tea.Batch(m.setBusy("Reading the request…"), func() tea.Msg {
		r, err := eng.ReadRequest(path)
		if err == nil && r == nil {
			err = errors.New("no request was read")
		}
		return requestReadMsg{gen: gen, r: r, err: err}
	})
}

func (f *memberFlow) onRequestRead(msg requestReadMsg) tea.Cmd {
	m := f.c
	if msg.gen != m.gen {
		return nil
	}
	m.idle()
	f.mem.request, f.mem.requestFrom = msg.r, f.mem.File
	switch {
	case msg.err != nil:
		f.mem.request = nil
		f.fileErr(withHint(msg.err))
		return f.goTo(stepMember)
	case slices.Contains(f.taken, msg.r.Name):
		f.fileErr(f.signTakenReason(msg.r.Name))
		return f.goTo(stepMember)
	}
	return m.checkPass(f.mem.Passphrase, f.issueClient)
}

// fileErr shows reason next to the request file, while it is the same.
func (f *memberFlow) fileErr(reason string) {
	f.c.errs.byField[fieldRequestFile] = extErr{reasons: []string{reason}, at: f.mem.File}
}

// signTakenReason says that a request is for a name already issued.
func (f *memberFlow) signTakenReason(name string) string {
	return fmt.Sprintf("the request is for %s, who already has a certificate: ask them for a request with another name "+
		"(re-issue: docker-tls client sign %s --force)", name, filepath.Base(strings.TrimSpace(f.mem.File)))
}

func (f *memberFlow) onClientPrepared(msg clientPreparedMsg) tea.Cmd {
	m := f.c
	if msg.gen != m.gen {
		return nil
	}
	if msg.err != nil {
		m.idle()
		// A signed request's name is the request's: errors about it go
		// next to the file.
		sign := f.mem.How == memberSignRequest && f.mem.request != nil
		fe := pki.AsFieldErrors(msg.err)
		switch {
		case sign && errors.Is(msg.err, setup.ErrIssued):
			f.fileErr(f.signTakenReason(f.mem.request.Name))
			f.taken = append(f.taken, f.mem.request.Name)
		case fe != nil:
			var other []string
			for _, e := range fe {
				switch {
				case e.Field == pki.FieldClients && sign:
					f.fileErr(e.Describe(fieldTitle))
				case e.Field == pki.FieldClients, e.Field == pki.FieldDays, e.Field == pki.FieldPassphrase:
					f.setFieldErrors(pki.FieldErrors{e})
				default:
					other = append(other, e.Describe(fieldTitle))
				}
			}
			if len(other) > 0 {
				m.errs.page = fmt.Sprint(other)
			}
		case errors.Is(msg.err, setup.ErrIssued):
			// Next to the name, and gone once the name changes.
			f.setFieldErrors(pki.FieldErrors{{Field: pki.FieldClients, Reason: takenReason(f.mem.Name)}})
			f.taken = append(f.taken, f.mem.Name)
		default:
			m.errs.page = withHint(msg.err)
		}
		return f.goTo(stepMember)
	}
	f.prepared = msg.p
	return tea.Batch(m.setBusy("Writing the bundle…"), f.w.start(m, msg.p))
}

// loadClients reads the names issued, so that the member step refuses a
// taken name as it is typed, before the passphrase is checked.
func (f *memberFlow) loadClients() tea.Cmd {
	gen, eng := f.c.gen, f.c.eng
	return func() tea.Msg {
		rows, err := eng.Clients()
		if err != nil {
			return nil // the engine refuses a taken name all the same
		}
		names := make([]string, len(rows))
		for i, r := range rows {
			names[i] = r.Name
		}
		return clientsMsg{gen: gen, names: names}
	}
}

// takenReason says that a member name is taken, and what to do.
func takenReason(name string) string {
	return fmt.Sprintf("%s already has a certificate: choose another name (re-issue: docker-tls client add %s --force)", name, name)
}

// newMemberDonePage is the second screen of adding a team member: the
// bundle and what to send them.
func (f *memberFlow) newMemberDonePage() page {
	m := f.c
	head := func(w int) string {
		name, until := f.mem.Name, m.until(f.mem.Days)
		if p := f.prepared; p != nil && p.Member != nil {
			name, until = p.Member.Name, p.Member.NotAfter.Format("2006-01-02")
		}
		return m.okLine(fmt.Sprintf("Issued a certificate for %s, valid until %s.", name, until), w)
	}
	body := func(w int) string {
		var b strings.Builder
		if f.prepared != nil {
			b.WriteString(m.fileLines(f.prepared.Files(), w) + "\n")
			for _, l := range f.prepared.Warnings() {
				b.WriteString(m.st.Warn.Render(hang("! ", l, w)) + "\n")
			}
		}
		if len(m.res.NextSteps) > 0 {
			b.WriteString("\n" + m.stepsText(m.res.NextSteps, w))
		}
		return strings.TrimRight(b.String(), "\n")
	}
	return newTextPage(m, head, body, m.printedAgain, m.km.Quit)
}
