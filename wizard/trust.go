package wizard

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// passFlow is an errand that needs only the CA passphrase before its
// review: renew the server certificate, switch a CA-wide setup to
// per-member trust, or finish that switch. The passphrase is the setup's
// Answers' (typed once for the host's errands); the review, write and done
// steps are the tail the setup has too.
type passFlow struct {
	steps
	first stepID // stepRenew, stepSwitch or stepFinalize
	// client is the member whose certificate stepRenew renews; "" renews
	// the server certificate.
	client string
	a      *Answers
	t      *tail
}

func newPassFlow(c *common, a *Answers, first stepID) *passFlow {
	return newRenewFlow(c, a, first, "")
}

// newRenewFlow is the passphrase flow that renews client's certificate
// (the server's when "").
func newRenewFlow(c *common, a *Answers, first stepID, client string) *passFlow {
	f := &passFlow{first: first, client: client, a: a}
	f.steps = steps{c: c, value: answersValue(a)}
	task := TaskSetup
	switch {
	case first == stepRenew && client != "":
		task = TaskMember // a new bundle to hand over
	case first == stepRenew:
		task = TaskRenew
	}
	f.t = newTail(&f.steps, task, first)
	f.t.goTo = f.goTo
	f.t.prepare = f.prepare
	return f
}

func (f *passFlow) start(flow) tea.Cmd { return f.goTo(f.first) }

func (f *passFlow) goTo(id stepID) tea.Cmd {
	f.t.keyProg = nil
	return f.show(id, func() page {
		if id != f.first {
			return f.t.newPage(id)
		}
		switch f.first {
		case stepSwitch:
			return f.newSwitchPage()
		case stepFinalize:
			return f.newFinalizePage()
		}
		return f.newRenewPage()
	})
}

func (f *passFlow) update(msg tea.Msg) (tea.Cmd, dest) {
	if m, ok := msg.(checkedMsg); ok {
		forget := func() { f.a.Passphrase, f.a.Passphrase2 = "", "" }
		return f.c.onChecked(m, forget, func() tea.Cmd { return f.goTo(f.step) }, f.toReview), stay
	}
	if cmd, ok := f.t.update(msg); ok {
		return cmd, stay
	}
	return f.accept(msg, f.finish)
}

func (f *passFlow) toReview() tea.Cmd { return f.goTo(stepReview) }

func (f *passFlow) finish() (tea.Cmd, dest) {
	if f.step != f.first {
		return f.t.finish()
	}
	f.c.errs.clear(pki.FieldPassphrase)
	f.c.errs.page = ""
	if f.first == stepFinalize && !f.finalizeNeedsPass() {
		return f.toReview(), stay
	}
	return f.c.checkPass(f.a.Passphrase, f.toReview), stay
}

func (f *passFlow) canBack() bool {
	if f.step == f.first {
		return true
	}
	_, ok := f.t.backStep()
	return ok
}

func (f *passFlow) back() (tea.Cmd, dest) {
	if f.step == f.first {
		return nil, backMenu
	}
	return f.t.back(), stay
}

func (f *passFlow) title() string {
	if f.step == stepRestart {
		return "Restart Docker"
	}
	title := map[stepID]string{stepRenew: "Renew the server certificate", stepSwitch: "Switch to per-member trust",
		stepFinalize: "Finish the switch"}[f.first]
	if f.client != "" {
		title = "Renew " + f.client + "'s certificate"
	}
	return flowTitle(title, f.step, f.first, stepReview, stepWrite, stepDone)
}

func (f *passFlow) working() bool { return f.t.working() }
func (f *passFlow) waiting() bool { return f.t.waiting() }

// prepare is the flow's Prepare. The zero RenewInput keeps the names, key
// type and lifetime of the current certificate: the same rule as
// "docker-tls renew".
func (f *passFlow) prepare() func() (*setup.Prepared, error) {
	eng, pass := f.c.eng, []byte(f.a.Passphrase)
	switch f.first {
	case stepSwitch:
		return func() (*setup.Prepared, error) { return eng.PrepareSwitch(pass) }
	case stepFinalize:
		if !f.finalizeNeedsPass() {
			pass = nil
		}
		return func() (*setup.Prepared, error) { return eng.PrepareFinalize(pass) }
	}
	in := setup.RenewInput{Client: f.client}
	return func() (*setup.Prepared, error) { return eng.PrepareRenew(in, pass) }
}

// renewed is the certificate the renew screen renews, nil when its end
// is not known.
func (f *passFlow) renewed() *Cert {
	d := f.c.opts.Detected
	if f.client == "" {
		return d.Server
	}
	for i, e := range d.Expiring {
		if e.Kind == "client" && e.Name == f.client {
			return &d.Expiring[i]
		}
	}
	return nil
}

// newRenewPage asks for the CA passphrase to re-issue the server
// certificate (same names, new dates); the review then shows the files.
func (f *passFlow) newRenewPage() page {
	m := f.c
	head := func(w int) string {
		cur := f.renewed()
		s := "Renewing issues a new server certificate with the same names and new dates, " +
			"signed by the existing CA. Clients need nothing new."
		switch {
		case f.client != "":
			s = "Renewing issues " + f.client + " a new key and certificate with the same key type and lifetime: " +
				"they need the new bundle, and the done screen says how to hand it over."
			if cur != nil {
				s = m.certEnd(cur) + ". " + s
			}
		case cur != nil:
			s = m.certEnd(cur) + "; the new one keeps its names, key type and lifetime, signed by the existing CA. " +
				"Clients need nothing new."
		}
		return m.st.Text.Render(wrap(s+" The files are shown before anything is written.", w))
	}
	return f.passphrasePage(head)
}

// newSwitchPage explains the switch and asks for the CA passphrase; the
// review then shows every file (each member's new bundle).
func (f *passFlow) newSwitchPage() page {
	m := f.c
	head := func(w int) string {
		t := m.opts.Detected.Trust
		var b strings.Builder
		b.WriteString(m.st.Text.Render(wrap("This setup trusts the whole CA: dockerd lets in every certificate it signed "+
			"until it expires, so one member cannot be shut out alone. Per-member trust gives each member an anchor of "+
			"their own (plus free slots for those who join), and every member a new bundle, once.", w)))
		b.WriteString("\n\n" + m.st.Text.Render(wrap("Until you finish the switch (from this menu, or \"docker-tls trust finalize\"), "+
			"dockerd keeps trusting the old root too, so members who have not installed their new bundle still get in.", w)))
		if t != nil && !t.CanSignAnchors {
			b.WriteString("\n\n" + m.st.Warn.Render(hang("! ", "The CA was made with pathlen:0 and cannot sign anchors: a new root will sign them, "+
				"and the old one keeps signing the server certificate until the switch is finished.", w)))
		}
		return b.String()
	}
	return f.passphrasePage(head)
}

// finalizeNeedsPass: finishing a switch that made a new root renews the
// server certificate from it.
func (f *passFlow) finalizeNeedsPass() bool {
	t := f.c.opts.Detected.Trust
	return t != nil && t.Switch != nil && t.Switch.NewRoot
}

// newFinalizePage explains what finishing the switch does.
func (f *passFlow) newFinalizePage() page {
	m := f.c
	head := func(w int) string {
		s := "Finishing the switch stops trusting the old root as a whole, from the next restart of Docker: " +
			"members still on a bundle from before the switch are refused then. Do it once everyone has their new bundle."
		if f.finalizeNeedsPass() {
			s += " The server certificate is renewed from the new root, which needs the CA passphrase."
		}
		return m.st.Text.Render(wrap(s, w))
	}
	if !f.finalizeNeedsPass() {
		foot := func(int) string { return "Press " + m.st.Key.Render("Enter") + " to see what changes." }
		return f.newFormPage(head, foot)
	}
	return f.passphrasePage(head)
}

// passphrasePage is head, then the CA passphrase (or where it came from).
func (f *passFlow) passphrasePage(head func(w int) string) page {
	m := f.c
	var fields []fieldRef
	if !m.pass.fromFile {
		fields = append(fields, password(pki.FieldPassphrase, "CA passphrase", &f.a.Passphrase, notEmpty("enter the CA's passphrase")))
	}
	foot := func(int) string {
		if m.pass.fromFile {
			return m.st.Dim.Render("CA passphrase: ") + m.passSource() + "\n\nPress " + m.st.Key.Render("Enter") + " to continue."
		}
		return ""
	}
	return f.newFormPage(head, foot, fields...)
}
