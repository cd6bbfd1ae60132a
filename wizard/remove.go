package wizard

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// Removing a team member: two screens, like adding one. The first lists
// the members and asks for a confirmation (Enter alone cancels); the
// engine removes them (their anchor leaves what dockerd trusts, nobody
// else's files change) and the second says when it takes effect, with
// "apply now" when the host's Docker can be restarted from here.

type (
	membersMsg struct {
		gen  int
		rows []setup.ClientRow
		err  error
	}
	removePreparedMsg struct {
		gen int
		p   *setup.Prepared
		err error
	}
)

// fieldRemoveWho and fieldRemoveSure are the remove page's inputs.
const (
	fieldRemoveWho  pki.Field = "remove-who"
	fieldRemoveSure pki.Field = "remove-sure"
)

// loadMembers reads the members before the remove page opens.
func (m *Model) loadMembers() tea.Cmd {
	eng, gen := m.eng, m.gen
	m.busy = "Reading the members…"
	return tea.Batch(m.startSpin(), func() tea.Msg {
		rows, err := eng.Clients()
		return membersMsg{gen: gen, rows: rows, err: err}
	})
}

func (m *Model) onMembers(msg membersMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.busy = ""
	m.members, m.membersErr = nil, msg.err
	for _, r := range msg.rows {
		if r.RemovedAt == nil {
			m.members = append(m.members, r)
		}
	}
	m.removeName, m.removeSure = "", false
	if len(m.members) > 0 {
		m.removeName = m.members[0].Name
	}
	return m.goTo(stepRemove)
}

func (m *Model) newRemovePage() page {
	head := func(w int) string {
		var b strings.Builder
		b.WriteString(m.st.Text.Render(wrap("A member who leaves is shut out at the next restart of Docker: their anchor "+
			"leaves the list dockerd trusts, and nobody else gets a new bundle.", w)))
		if t := m.opts.Detected.Trust; t != nil && t.Switch != nil {
			b.WriteString("\n" + m.st.Warn.Render(hang("! ", "A switch to per-member trust is in progress: finish it first, or the old root still lets them in.", w)))
		}
		return b.String()
	}
	if m.membersErr != nil || len(m.members) == 0 {
		msg := "There is no member to remove."
		if m.membersErr != nil {
			msg = "Cannot read the members: " + m.membersErr.Error()
		}
		foot := func(w int) string {
			return m.st.Text.Render(wrap(msg, w)) + "\n\nPress " + m.st.Key.Render("Enter") + " to go back to the menu."
		}
		return m.newFormPage(head, foot)
	}
	var opts []huh.Option[string]
	for _, r := range m.members {
		label := fmt.Sprintf("%-16s until %s", r.Name, r.NotAfter.Format("2006-01-02"))
		if r.Problem != "" {
			label += " (" + r.Problem + ")"
		}
		opts = append(opts, huh.NewOption(label, r.Name))
	}
	who := huh.NewSelect[string]().Title("Who is leaving?").Options(opts...).Value(&m.removeName)
	sure := huh.NewConfirm().Title("Remove them?").
		Description("They lose access when Docker restarts.").
		Affirmative("Remove").Negative("Cancel").Value(&m.removeSure)
	p := m.newFormPage(head, nil,
		fieldRef{key: fieldRemoveWho, title: "Member", f: who},
		fieldRef{key: fieldRemoveSure, title: "Confirm", f: sure})
	return p
}

// removeMember is the removal's work: PrepareRemove, then Write (which
// also moves the bundle away).
func (m *Model) removeMember() tea.Cmd {
	eng, gen, name := m.eng, m.gen, m.removeName
	m.applied = false
	m.busy = fmt.Sprintf("Removing %s…", name)
	return tea.Batch(m.startSpin(), func() tea.Msg {
		p, err := eng.PrepareRemove(setup.RemoveInput{Name: name})
		return removePreparedMsg{gen: gen, p: p, err: err}
	})
}

func (m *Model) onRemovePrepared(msg removePreparedMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	if msg.err != nil {
		m.busy = ""
		m.pageErr = msg.err.Error()
		if h := hint.Of(msg.err); h != "" {
			m.pageErr += ". " + h
		}
		m.removeSure = false
		return m.goTo(stepRemove)
	}
	m.prepared = msg.p
	m.busy = "Writing…"
	return m.startApply(msg.p)
}

// newRemoveDonePage says who was removed, what changed, and when it takes
// effect; "apply now" restarts Docker from here.
func (m *Model) newRemoveDonePage() page {
	head := func(w int) string {
		s := m.st.OK.Render("✓ ") + m.st.Text.Render(wrap(fmt.Sprintf("Removed %s. Nobody else's files changed.", m.removeName), w-2))
		return s + m.applyLine(w)
	}
	body := func(w int) string {
		var parts []string
		if m.prepared != nil {
			var b strings.Builder
			for _, l := range say.Summary(m.prepared) {
				label, text := "", l
				if len(l) > 10 { // "Remove    bob: ...": the label column
					label, text = l[:10], l[10:]
				}
				b.WriteString(m.st.Dim.Render(hang(label, text, w)) + "\n")
			}
			b.WriteString(m.fileLines(m.prepared.Files(), w))
			parts = append(parts, strings.TrimRight(b.String(), "\n"))
		}
		return strings.Join(append(parts, m.doneBody(w)), "\n\n")
	}
	return m.doneTextPage(head, body)
}
