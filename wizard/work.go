package wizard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// The work the wizard asks for runs in tea.Cmds (never in Update) and comes
// back as these messages. gen is the page generation the work started on:
// a result for a page the user has left is dropped.
type (
	checkedMsg struct {
		gen  int
		pass string
		err  error
	}
	preparedMsg struct {
		gen int
		p   *setup.Prepared
		err error
	}
	clientPreparedMsg struct {
		gen int
		p   *setup.Prepared
		err error
	}
	// applyMsg is one event of a running Write: a file written, or the end.
	applyMsg struct {
		ch   chan applyMsg
		path string
		done bool
		w    *setup.Written
		err  error
	}
	statusMsg struct {
		gen    int
		report *setup.Report
	}
	applyNowMsg struct {
		a           *setup.Applied
		err         error
		liveRestore string // said before the result when live-restore was turned on first
	}
	// keyProgressMsg is the engine's key generation, polled while the
	// review is prepared.
	keyProgressMsg struct {
		gen int
		p   pki.KeyProgress
		ok  bool
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

// checkPass checks the CA passphrase in the background (the key derivation
// is deliberately slow), then moves on from the current step.
func (m *Model) checkPass(pass string) tea.Cmd {
	if pass != "" && pass == m.passOK {
		return m.afterCheck()
	}
	gen, eng := m.gen, m.eng
	return tea.Batch(m.setBusy("Checking the CA passphrase…"), func() tea.Msg {
		return checkedMsg{gen: gen, pass: pass, err: eng.CheckPassphrase([]byte(pass))}
	})
}

func (m *Model) onChecked(msg checkedMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.busy = ""
	if msg.err != nil {
		reason := msg.err.Error()
		if m.passFromFile {
			m.refusePassFile("the passphrase from the file: " + reason)
		} else {
			// Clear it: retyping is easier than editing a masked field.
			if m.flow == flowMember {
				m.mem.Passphrase = ""
			} else {
				m.a.Passphrase, m.a.Passphrase2 = "", ""
			}
			m.extErrs[pki.FieldPassphrase] = extErr{reasons: []string{reason}, at: ""}
		}
		cmd := m.goTo(m.step)
		return cmd
	}
	m.passOK = msg.pass
	return m.afterCheck()
}

func (m *Model) afterCheck() tea.Cmd {
	switch m.step {
	case stepCA:
		return m.goTo(stepServer)
	case stepMember:
		return m.issueClient()
	case stepRenew, stepSwitch, stepFinalize:
		return m.goTo(stepReview)
	}
	return nil
}

// startPrepare runs PrepareInit (or PrepareRenew) for the review. Key
// generation was started when the key type was chosen, so this is mostly
// signing and computing the diffs; the keys still being made are shown
// one by one, with their times.
func (m *Model) startPrepare() tea.Cmd {
	m.gen++
	gen, eng := m.gen, m.eng
	m.preparing, m.prepared, m.prepErr = true, nil, nil
	m.applied, m.applyErr, m.written = false, nil, nil
	m.busySince = m.clock()
	m.keyProg = nil
	m.gate.hide()
	pass := []byte(m.a.Passphrase)
	var work func() (*setup.Prepared, error)
	switch m.flow {
	case flowRenew:
		// The zero RenewInput keeps the names, key type and lifetime of
		// the current certificate: the same rule as "docker-tls renew".
		work = func() (*setup.Prepared, error) { return eng.PrepareRenew(setup.RenewInput{}, pass) }
	case flowSwitch:
		work = func() (*setup.Prepared, error) { return eng.PrepareSwitch(pass) }
	case flowFinalize:
		if !m.finalizeNeedsPass() {
			pass = nil
		}
		work = func() (*setup.Prepared, error) { return eng.PrepareFinalize(pass) }
	default:
		in := m.a.Input(m.opts.Force) // a copy: huh keeps writing to the answers
		in.Plan.IPs = slices.Clone(in.Plan.IPs)
		work = func() (*setup.Prepared, error) { return eng.PrepareInit(in, pass) }
	}
	cmds := []tea.Cmd{m.startSpin(), func() tea.Msg {
		p, err := work()
		if err == nil && p == nil {
			err = errors.New("nothing was prepared")
		}
		return preparedMsg{gen: gen, p: p, err: err}
	}}
	if m.flow == flowSetup {
		cmds = append(cmds, m.readKeys(gen, 0))
	}
	return tea.Batch(cmds...)
}

// keyPoll is how often the key progress is read while the review waits.
const keyPoll = 100 * time.Millisecond

// readKeys reads the engine's key progress after wait.
func (m *Model) readKeys(gen int, wait time.Duration) tea.Cmd {
	eng := m.eng
	read := func() tea.Msg {
		p, ok := eng.KeyProgress()
		return keyProgressMsg{gen: gen, p: p, ok: ok}
	}
	if wait == 0 {
		return read
	}
	return tea.Tick(wait, func(time.Time) tea.Msg { return read() })
}

func (m *Model) onKeyProgress(msg keyProgressMsg) tea.Cmd {
	if msg.gen != m.gen || !m.preparing {
		return nil
	}
	if msg.ok && msg.p.Type == pki.KeyType(m.a.KeyType) {
		p := msg.p
		m.keyProg = &p
	}
	if m.noAnim {
		return nil // tests send the progress they want to see
	}
	return m.readKeys(msg.gen, keyPoll)
}

func (m *Model) onPrepared(msg preparedMsg) tea.Cmd {
	if msg.gen != m.gen || m.step != stepReview {
		return nil
	}
	m.preparing = false
	m.keyProg = nil
	if fe := pki.AsFieldErrors(msg.err); fe != nil && m.flow == flowSetup {
		if s, ok := ownerStep(fe[0].Field); ok {
			m.setFieldErrors(fe)
			return m.goTo(s)
		}
	}
	if msg.err != nil {
		m.prepErr = msg.err
		return nil
	}
	m.prepared = msg.p
	m.gate.show(m.clock())
	if rp, ok := m.cur.(*reviewPage); ok {
		rp.refresh()
	}
	return nil
}

// confirmReview is Enter on the review: write, retry a failed Prepare, or
// wait (Enter while generating does nothing: nothing is shown to confirm
// yet). The write takes only an Enter the gate allows (gate.go).
func (m *Model) confirmReview() tea.Cmd {
	switch {
	case m.preparing:
		return nil
	case m.prepErr != nil:
		return m.startPrepare()
	case m.prepared == nil:
		return nil
	case m.prepared.Empty():
		m.res.Unchanged = true
		return m.goTo(stepDone)
	}
	if !m.gate.allow() {
		return nil
	}
	return m.goTo(stepWrite)
}

// startApply runs Write in a goroutine and turns its progress callback into
// messages through a channel, one message per file (the usual Bubble Tea
// pattern for a long job that reports as it goes). Write runs at most once
// per Prepare.
func (m *Model) startApply(p *setup.Prepared) tea.Cmd {
	if m.applied || m.applying || p == nil {
		return nil
	}
	m.applied, m.applying, m.written, m.applyErr = true, true, nil, nil
	eng := m.eng
	ch := make(chan applyMsg, 64)
	start := func() tea.Msg {
		go func() {
			w, err := eng.Write(p, func(path string) { ch <- applyMsg{ch: ch, path: path} })
			ch <- applyMsg{ch: ch, done: true, w: w, err: err}
		}()
		return <-ch
	}
	return tea.Batch(m.startSpin(), start)
}

func (m *Model) onApply(msg applyMsg) tea.Cmd {
	if !msg.done {
		m.written = append(m.written, msg.path)
		ch := msg.ch
		return func() tea.Msg { return <-ch }
	}
	m.applying = false
	if msg.err == nil {
		m.wrote(msg.w)
	}
	if m.quitAfterApply {
		m.res.Err = msg.err
		return m.quit()
	}
	switch m.step {
	case stepWrite:
		if msg.err != nil {
			m.applyErr = msg.err
			return nil
		}
		return m.goTo(stepDone)
	case stepMember:
		m.busy = ""
		if msg.err != nil {
			m.pageErr = "writing the bundle failed: " + msg.err.Error()
			return m.goTo(stepMember)
		}
		return m.goTo(stepMemberDone)
	case stepRemove:
		m.busy = ""
		if msg.err != nil {
			m.pageErr = "writing the removal failed: " + msg.err.Error()
			return m.goTo(stepRemove)
		}
		if msg.w.ArchiveErr != nil {
			m.recordErr = strings.TrimSpace(m.recordErr + " The removal is written, but the bundle could not be moved away: " + msg.w.ArchiveErr.Error() + "; move it by hand.")
		}
		return m.goTo(stepRemoveDone)
	}
	return nil
}

// wrote records a write in the Result: what the caller prints at the end.
func (m *Model) wrote(w *setup.Written) {
	r := &m.res
	r.Written = true
	r.Files = append(r.Files, w.Files...)
	r.Backups = append(r.Backups, w.Backups...)
	r.RecordErr = w.RecordErr
	if w.RecordErr != nil {
		m.recordErr = "This run could not be recorded for \"docker-tls apply\": " + w.RecordErr.Error()
	}
	switch m.flow {
	case flowMember:
		r.Task = TaskMember
	case flowRenew:
		r.Task = TaskRenew
	default:
		r.Task = TaskSetup
	}
	if m.prepared != nil {
		r.Member = m.prepared.Member
		r.NextSteps = m.nextSteps()
	}
}

// issueClient is the add-a-team-member work: PrepareClient (or
// PrepareSign, for the request file they sent), then Write.
func (m *Model) issueClient() tea.Cmd {
	eng := m.eng
	pass := []byte(m.mem.Passphrase)
	m.applied = false
	gen := m.gen
	busy := fmt.Sprintf("Issuing a certificate for %s…", m.mem.Name)
	var work func() (*setup.Prepared, error)
	if r := m.mem.request; m.mem.How == memberSignRequest && r != nil {
		in := setup.SignInput{CSR: r.CSR, Days: atoi(m.mem.Days)}
		busy = fmt.Sprintf("Signing the request of %s…", r.Name)
		work = func() (*setup.Prepared, error) { return eng.PrepareSign(in, pass) }
	} else {
		in := setup.ClientInput{Name: m.mem.Name, Days: atoi(m.mem.Days)}
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
func (m *Model) readRequest() tea.Cmd {
	eng, gen, path := m.eng, m.gen, strings.TrimSpace(m.mem.File)
	return tea.Batch(m.setBusy("Reading the request…"), func() tea.Msg {
		r, err := eng.ReadRequest(path)
		if err == nil && r == nil {
			err = errors.New("no request was read")
		}
		return requestReadMsg{gen: gen, r: r, err: err}
	})
}

func (m *Model) onRequestRead(msg requestReadMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.busy = ""
	m.mem.request, m.mem.requestFrom = msg.r, m.mem.File
	switch {
	case msg.err != nil:
		m.mem.request = nil
		m.fileErr(withHint(msg.err))
		return m.goTo(stepMember)
	case slices.Contains(m.taken, msg.r.Name):
		m.fileErr(m.signTakenReason(msg.r.Name))
		return m.goTo(stepMember)
	}
	return m.checkPass(m.mem.Passphrase)
}

// fileErr shows reason next to the request file, while it is the same.
func (m *Model) fileErr(reason string) {
	m.extErrs[fieldRequestFile] = extErr{reasons: []string{reason}, at: m.mem.File}
}

// signTakenReason says that a request is for a name already issued.
func (m *Model) signTakenReason(name string) string {
	return fmt.Sprintf("the request is for %s, who already has a certificate: ask them for a request with another name "+
		"(re-issue: docker-tls client sign %s --force)", name, filepath.Base(strings.TrimSpace(m.mem.File)))
}

func (m *Model) onClientPrepared(msg clientPreparedMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	if msg.err != nil {
		m.busy = ""
		// A signed request's name is the request's: errors about it go
		// next to the file.
		sign := m.mem.How == memberSignRequest && m.mem.request != nil
		fe := pki.AsFieldErrors(msg.err)
		switch {
		case sign && errors.Is(msg.err, setup.ErrIssued):
			m.fileErr(m.signTakenReason(m.mem.request.Name))
			m.taken = append(m.taken, m.mem.request.Name)
		case fe != nil:
			var other []string
			for _, e := range fe {
				switch {
				case e.Field == pki.FieldClients && sign:
					m.fileErr(e.Describe(fieldTitle))
				case e.Field == pki.FieldClients, e.Field == pki.FieldDays, e.Field == pki.FieldPassphrase:
					m.setFieldErrors(pki.FieldErrors{e})
				default:
					other = append(other, e.Describe(fieldTitle))
				}
			}
			if len(other) > 0 {
				m.pageErr = fmt.Sprint(other)
			}
		case errors.Is(msg.err, setup.ErrIssued):
			// Next to the name, and gone once the name changes.
			m.setFieldErrors(pki.FieldErrors{{Field: pki.FieldClients, Reason: m.takenReason(m.mem.Name)}})
			m.taken = append(m.taken, m.mem.Name)
		default:
			m.pageErr = withHint(msg.err)
		}
		return m.goTo(stepMember)
	}
	m.prepared = msg.p
	return tea.Batch(m.setBusy("Writing the bundle…"), m.startApply(msg.p))
}

// loadClients reads the names issued, so that the member step refuses a
// taken name as it is typed, before the passphrase is checked.
func (m *Model) loadClients() tea.Cmd {
	gen, eng := m.gen, m.eng
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

func (m *Model) onClients(msg clientsMsg) tea.Cmd {
	if msg.gen == m.gen {
		m.taken = msg.names
	}
	return nil
}

// takenReason says that a member name is taken, and what to do.
func (m *Model) takenReason(name string) string {
	return fmt.Sprintf("%s already has a certificate: choose another name (re-issue: docker-tls client add %s --force)", name, name)
}

func (m *Model) loadStatus() tea.Cmd {
	eng := m.eng
	gen := m.gen
	return tea.Batch(m.setBusy("Reading the status…"), func() tea.Msg {
		return statusMsg{gen: gen, report: eng.Status(setup.StatusInput{WarnDays: 30})}
	})
}

func (m *Model) onStatus(msg statusMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.busy = ""
	m.status = msg.report
	return m.goTo(stepStatus)
}

// applyNow restarts docker with the new configuration; the engine probes it
// and rolls back on failure. With liveRestore it first turns live-restore
// on, so that running containers keep running.
func (m *Model) applyNow(liveRestore bool) tea.Cmd {
	eng := m.eng
	m.applyingNow = true
	busy := "Restarting Docker and probing the TLS port…"
	if liveRestore {
		busy = "Turning live-restore on, then restarting Docker and probing the TLS port…"
	}
	return tea.Batch(m.setBusy(busy), func() tea.Msg {
		said := ""
		if liveRestore {
			if err := eng.EnableLiveRestore(context.Background()); err != nil {
				return applyNowMsg{err: fmt.Errorf("turning live-restore on: %w (Docker was not restarted)", err)}
			}
			said = "Live-restore is on: the containers kept running. "
		}
		a, err := eng.Apply(context.Background())
		return applyNowMsg{a: a, err: err, liveRestore: said}
	})
}

func (m *Model) onApplyNow(msg applyNowMsg) tea.Cmd {
	m.busy = ""
	m.applyingNow = false
	m.appliedNow = true
	m.applyNowErr = msg.err
	if msg.a != nil && msg.err == nil {
		m.applyNowOut = msg.liveRestore + "Docker is back and answers over mutual TLS (GET /_ping with the bundle " + msg.a.Bundle + ")."
		m.res.Applied = msg.a
		m.res.NextSteps = withoutRestart(m.res.NextSteps)
	}
	if msg.err != nil {
		m.res.Err = msg.err
	}
	if m.quitAfterApply {
		return m.quit()
	}
	return m.goTo(m.doneStep())
}

// doneStep is the last page of the current flow, where applying ends.
func (m *Model) doneStep() stepID {
	if m.flow == flowRemove {
		return stepRemoveDone
	}
	return stepDone
}
