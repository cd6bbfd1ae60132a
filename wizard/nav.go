package wizard

// Navigation: which step follows which, and where Esc leads. Pages only
// say "accepted"; the order of the flows lives here, in one place.

import (
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
)

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
	case stepRemove, stepRemoveDone:
		m.flow = flowRemove
	case stepSwitch:
		m.flow = flowSwitch
	case stepFinalize:
		m.flow = flowFinalize
	case stepConnect, stepConnectDone:
		m.flow = flowConnect
	case stepRequest, stepRequestDone:
		m.flow = flowRequest
	}
	m.gate.hide()
	m.keyProg = nil
	m.cur = m.newPage(s)
	cmds := []tea.Cmd{m.cur.init(), m.cur.resize(m.bodySize())}
	if s == stepMember {
		cmds = append(cmds, m.loadClients())
	}
	return tea.Batch(cmds...)
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
	case stepRemove:
		return m.newRemovePage()
	case stepRemoveDone:
		return m.newRemoveDonePage()
	case stepSwitch:
		return m.newSwitchPage()
	case stepFinalize:
		return m.newFinalizePage()
	case stepRestart:
		return m.newRestartPage()
	case stepConnect:
		return m.newConnectPage()
	case stepConnectDone:
		return m.newConnectDonePage()
	case stepRequest:
		return m.newRequestPage()
	case stepRequestDone:
		return m.newRequestDonePage()
	}
	if m.laptop {
		return m.newLaptopWelcomePage()
	}
	return m.newWelcomePage()
}

// backStep reports where Esc leads, if anywhere.
func (m *Model) backStep() (stepID, bool) {
	switch m.step {
	case stepCA, stepMember, stepRenew, stepStatus, stepRemove, stepSwitch, stepFinalize, stepConnect, stepRequest:
		return stepWelcome, true
	case stepServer, stepClients, stepKeys:
		return m.step - 1, true
	case stepReview:
		switch m.flow {
		case flowRenew:
			return stepRenew, true
		case flowSwitch:
			return stepSwitch, true
		case flowFinalize:
			return stepFinalize, true
		}
		return stepKeys, true
	case stepRestart:
		return m.doneStep(), true
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
		m.extErrs = map[pki.Field]extErr{}
	}
	return m.goTo(s)
}

// finish moves on when the current page is accepted.
func (m *Model) finish() tea.Cmd {
	switch m.step {
	case stepWelcome:
		if m.laptop {
			if m.choice == choiceRequest {
				return m.goTo(stepRequest)
			}
			return m.goTo(stepConnect)
		}
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
		case choiceRemove:
			return m.loadMembers()
		case choiceSwitch:
			return m.goTo(stepSwitch)
		case choiceFinalize:
			return m.goTo(stepFinalize)
		}
		return m.goTo(stepMember)
	case stepCA:
		m.clearErrs(pki.FieldCAName, pki.FieldCAOrg, pki.FieldPassphrase)
		if m.opts.Detected.ExistingCA {
			return m.checkPass(m.a.Passphrase)
		}
		return m.goTo(stepServer)
	case stepServer:
		m.clearErrs(pki.FieldFQDN, pki.FieldDNSNames, pki.FieldIPs, pki.FieldListen)
		return m.goTo(stepClients)
	case stepClients:
		m.clearErrs(pki.FieldClients)
		return m.goTo(stepKeys)
	case stepKeys:
		m.clearErrs(pki.FieldKeyType, pki.FieldCADays, pki.FieldDays)
		return tea.Batch(m.startKeys(), m.goTo(stepReview))
	case stepReview:
		return m.confirmReview()
	case stepWrite:
		if m.applyErr != nil {
			m.res.Err = m.applyErr
			return m.quit()
		}
	case stepDone, stepRemoveDone:
		if m.doneChoice == choiceApplyNow && !m.appliedNow && m.opts.CanApply {
			return m.checkRestart()
		}
		return m.quit()
	case stepRemove:
		if m.removeName == "" || !m.removeSure {
			return m.goTo(stepWelcome) // nobody to remove, or "Cancel"
		}
		m.pageErr = ""
		return m.removeMember()
	case stepSwitch:
		m.clearErrs(pki.FieldPassphrase)
		m.pageErr = ""
		return m.checkPass(m.a.Passphrase)
	case stepFinalize:
		m.clearErrs(pki.FieldPassphrase)
		m.pageErr = ""
		if m.finalizeNeedsPass() {
			return m.checkPass(m.a.Passphrase)
		}
		return m.goTo(stepReview)
	case stepRestart:
		return m.onRestartChoice()
	case stepMember:
		m.clearErrs(pki.FieldClients, fieldRequestFile, pki.FieldDays, pki.FieldPassphrase)
		m.pageErr = ""
		if m.mem.How == memberSignRequest {
			return m.readRequest()
		}
		return m.checkPass(m.mem.Passphrase)
	case stepConnect:
		m.pageErr = ""
		return m.connect()
	case stepRequest:
		m.clearErrs(pki.FieldClients, fieldReqHost, fieldReqOut)
		m.pageErr = ""
		return m.request()
	case stepConnectDone, stepRequestDone:
		return m.quit()
	case stepRenew:
		m.clearErrs(pki.FieldPassphrase)
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
// that confirming the review rarely waits. It asks every time the keys step
// is accepted: the engine keeps the keys it made when the type is the same.
func (m *Model) startKeys() tea.Cmd {
	kt := pki.KeyType(m.a.KeyType)
	n := 1 + len(m.a.plan().Clients) // the server and each client
	if !m.opts.Detected.ExistingCA || m.opts.Force {
		n++ // and a new CA
	}
	eng := m.eng
	return func() tea.Msg { eng.StartKeys(kt, n); return nil }
}
