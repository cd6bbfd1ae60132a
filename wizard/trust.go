package wizard

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// The switch of a CA-wide setup to per-member trust, its end, and the check
// before a restart: pages that only show what the engine found and ask.

// newSwitchPage explains the switch and asks for the CA passphrase; the
// review then shows every file (each member's new bundle).
func (m *Model) newSwitchPage() page {
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
	return m.passphrasePage(head)
}

// finalizeNeedsPass: finishing a switch that made a new root renews the
// server certificate from it.
func (m *Model) finalizeNeedsPass() bool {
	t := m.opts.Detected.Trust
	return t != nil && t.Switch != nil && t.Switch.NewRoot
}

// newFinalizePage explains what finishing the switch does.
func (m *Model) newFinalizePage() page {
	head := func(w int) string {
		s := "Finishing the switch stops trusting the old root as a whole, from the next restart of Docker: " +
			"members still on a bundle from before the switch are refused then. Do it once everyone has their new bundle."
		if m.finalizeNeedsPass() {
			s += " The server certificate is renewed from the new root, which needs the CA passphrase."
		}
		return m.st.Text.Render(wrap(s, w))
	}
	if !m.finalizeNeedsPass() {
		foot := func(int) string { return "Press " + m.st.Key.Render("Enter") + " to see what changes." }
		return m.newFormPage(head, foot)
	}
	return m.passphrasePage(head)
}

// passphrasePage is head, then the CA passphrase (or where it came from).
func (m *Model) passphrasePage(head func(w int) string) page {
	var fields []fieldRef
	if !m.passFromFile {
		fields = append(fields, password(pki.FieldPassphrase, "CA passphrase", &m.a.Passphrase, notEmpty("enter the CA's passphrase")))
	}
	foot := func(int) string {
		if m.passFromFile {
			return m.st.Dim.Render("CA passphrase: ") + m.passSource() + "\n\nPress " + m.st.Key.Render("Enter") + " to continue."
		}
		return ""
	}
	return m.newFormPage(head, foot, fields...)
}

type restartCheckedMsg struct {
	gen    int
	impact *setup.RestartImpact
}

// Choices of the restart page.
const (
	restartKeep   = "keep"
	restartAnyway = "anyway"
	restartNot    = "not"
)

// checkRestart asks the engine what restarting Docker would do to running
// containers before "apply now" restarts it.
func (m *Model) checkRestart() tea.Cmd {
	eng, gen := m.eng, m.gen
	m.busy = "Checking the running containers…"
	return tea.Batch(m.startSpin(), func() tea.Msg {
		return restartCheckedMsg{gen: gen, impact: eng.CheckRestart(context.Background())}
	})
}

func (m *Model) onRestartChecked(msg restartCheckedMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.busy = ""
	if msg.impact == nil || !msg.impact.StopsContainers() {
		return m.applyNow(false)
	}
	m.impact = msg.impact
	m.restartWhat = restartKeep
	if !m.impact.CanKeepContainers() {
		m.restartWhat = restartNot
	}
	return m.goTo(stepRestart)
}

// newRestartPage: containers would stop. Turn live-restore on first (the
// default when it can work), restart anyway, or not now.
func (m *Model) newRestartPage() page {
	r := m.impact
	n := fmt.Sprintf("%d containers are running", r.Running)
	if r.Running == 1 {
		n = "1 container is running"
	}
	head := func(w int) string {
		if !r.CanKeepContainers() {
			return m.st.Warn.Render(hang("! ", n+" and this node is in swarm mode, where live-restore does not work: restarting Docker stops them.", w))
		}
		return m.st.Warn.Render(hang("! ", n+" and live-restore is off: restarting Docker stops them.", w)) + "\n\n" +
			m.st.Text.Render(wrap("Live-restore keeps containers running while dockerd restarts. It is a daemon.json setting "+
				"that dockerd reloads without a restart.", w))
	}
	var opts []huh.Option[string]
	if r.CanKeepContainers() {
		opts = append(opts, huh.NewOption("Turn live-restore on, then restart (they keep running)", restartKeep))
	}
	opts = append(opts,
		huh.NewOption("Restart anyway (they stop)", restartAnyway),
		huh.NewOption("Not now", restartNot))
	sel := huh.NewSelect[string]().Title("Restart Docker?").Options(opts...).Value(&m.restartWhat)
	return m.newFormPage(head, nil, fieldRef{key: fieldRestart, title: "Restart", f: sel})
}

const fieldRestart pki.Field = "restart"

func (m *Model) onRestartChoice() tea.Cmd {
	switch m.restartWhat {
	case restartKeep:
		return m.applyNow(true)
	case restartAnyway:
		return m.applyNow(false)
	}
	return m.goTo(m.doneStep())
}
