package wizard

import (
	"slices"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// setupFlow is the first setup (or "redo the setup"): CA, server, clients,
// keys, then the review, the write and the done page. It owns the
// Answers, pre-filled from the flags of init; the passphrase flows share
// its CA passphrase (typed once, used for every errand on the host).
type setupFlow struct {
	steps
	a *Answers
	t *tail
}

func newSetupFlow(c *common, a *Answers) *setupFlow {
	f := &setupFlow{a: a}
	f.steps = steps{c: c, value: answersValue(a)}
	f.t = newTail(&f.steps, TaskSetup, stepKeys)
	f.t.goTo = f.goTo
	f.t.prepare = f.prepare
	f.t.keyType = func() pki.KeyType { return pki.KeyType(a.KeyType) }
	c.pass.forget = append(c.pass.forget, func() {
		a.PassphraseFromFile = false
		a.Passphrase, a.Passphrase2 = "", ""
	})
	return f
}

func (f *setupFlow) start(flow) tea.Cmd { return f.goTo(stepCA) }

// goTo enters a step, building its page afresh from the answers.
func (f *setupFlow) goTo(id stepID) tea.Cmd {
	f.t.keyProg = nil
	return f.show(id, func() page { return f.newPage(id) })
}

func (f *setupFlow) newPage(id stepID) page {
	switch id {
	case stepCA:
		return f.newCAPage()
	case stepServer:
		return f.newServerPage()
	case stepClients:
		return f.newClientsPage()
	case stepKeys:
		return f.newKeysPage()
	}
	return f.t.newPage(id)
}

func (f *setupFlow) update(msg tea.Msg) (tea.Cmd, dest) {
	switch msg := msg.(type) {
	case checkedMsg:
		return f.c.onChecked(msg, f.forgetPass, f.again, func() tea.Cmd { return f.goTo(stepServer) }), stay
	case preparedMsg:
		if cmd, ok := f.onFieldErrors(msg); ok {
			return cmd, stay
		}
	}
	if cmd, ok := f.t.update(msg); ok {
		return cmd, stay
	}
	return f.accept(msg, f.finish)
}

func (f *setupFlow) forgetPass()    { f.a.Passphrase, f.a.Passphrase2 = "", "" }
func (f *setupFlow) again() tea.Cmd { return f.goTo(f.step) }

// onFieldErrors: Prepare refused answers; each error goes next to its
// field, on the step that asks for it.
func (f *setupFlow) onFieldErrors(msg preparedMsg) (tea.Cmd, bool) {
	if msg.gen != f.c.gen || f.step != stepReview {
		return nil, false
	}
	fe := pki.AsFieldErrors(msg.err)
	if fe == nil {
		return nil, false
	}
	s, ok := ownerStep(fe[0].Field)
	if !ok {
		return nil, false
	}
	f.t.preparing, f.t.keyProg = false, nil
	f.setFieldErrors(fe)
	return f.goTo(s), true
}

// finish moves on when the current page is accepted.
func (f *setupFlow) finish() (tea.Cmd, dest) {
	errs := &f.c.errs
	switch f.step {
	case stepCA:
		errs.clear(pki.FieldCAName, pki.FieldCAOrg, pki.FieldPassphrase)
		if f.c.opts.Detected.ExistingCA {
			return f.c.checkPass(f.a.Passphrase, func() tea.Cmd { return f.goTo(stepServer) }), stay
		}
		return f.goTo(stepServer), stay
	case stepServer:
		errs.clear(pki.FieldFQDN, pki.FieldDNSNames, pki.FieldIPs, pki.FieldListen)
		return f.goTo(stepClients), stay
	case stepClients:
		errs.clear(pki.FieldClients)
		return f.goTo(stepKeys), stay
	case stepKeys:
		errs.clear(pki.FieldKeyType, pki.FieldCADays, pki.FieldDays)
		return tea.Batch(f.startKeys(), f.goTo(stepReview)), stay
	}
	return f.t.finish()
}

func (f *setupFlow) canBack() bool {
	switch f.step {
	case stepCA, stepServer, stepClients, stepKeys:
		return true
	}
	_, ok := f.t.backStep()
	return ok
}

func (f *setupFlow) back() (tea.Cmd, dest) {
	switch f.step {
	case stepCA:
		return nil, backMenu
	case stepServer, stepClients, stepKeys:
		return f.goTo(f.step - 1), stay
	}
	return f.t.back(), stay
}

func (f *setupFlow) title() string {
	if f.step == stepRestart {
		return "Restart Docker"
	}
	return "Step " + strconv.Itoa(int(f.step)+1) + "/8 · " + stepNames[f.step]
}

func (f *setupFlow) working() bool { return f.t.working() }
func (f *setupFlow) waiting() bool { return f.t.waiting() }

// startKeys starts key generation as soon as the key type is known, so
// that confirming the review rarely waits. It asks every time the keys step
// is accepted: the engine keeps the keys it made when the type is the same.
func (f *setupFlow) startKeys() tea.Cmd {
	kt := pki.KeyType(f.a.KeyType)
	n := setup.KeysFor(len(f.a.plan().Clients), !f.c.opts.Detected.ExistingCA || f.c.opts.Force)
	eng := f.c.eng
	return func() tea.Msg { eng.StartKeys(kt, n); return nil }
}

// prepare is PrepareInit with the answers as they are now.
func (f *setupFlow) prepare() func() (*setup.Prepared, error) {
	eng, pass := f.c.eng, []byte(f.a.Passphrase)
	in := f.a.Input(f.c.opts.Force) // a copy: huh keeps writing to the answers
	in.Plan.IPs = slices.Clone(in.Plan.IPs)
	return func() (*setup.Prepared, error) { return eng.PrepareInit(in, pass) }
}
