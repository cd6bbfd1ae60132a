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

// removeFlow is removing a team member: the members are read first (the
// menu stays on screen meanwhile), then who and a confirmation, then the
// done page with "apply now".
type removeFlow struct {
	steps
	prev    flow // on screen while the members are read
	members []setup.ClientRow
	err     error // the members could not be read
	name    string
	sure    bool
	// asked is the member sure is about: another member chosen after
	// "Remove" was picked asks again, from Cancel.
	asked string
	p     *setup.Prepared
	w     writer
	r     restarter
}

func newRemoveFlow(c *common, value valueFunc) *removeFlow {
	f := &removeFlow{steps: steps{c: c, value: value}}
	f.r = restarter{s: &f.steps, done: stepRemoveDone, donePage: f.newRemoveDonePage}
	return f
}

// start reads the members before the remove page opens.
func (f *removeFlow) start(prev flow) tea.Cmd {
	f.prev = prev
	c := f.c
	eng, gen := c.eng, c.gen
	c.wait.label = "Reading the members…"
	return tea.Batch(c.startSpin(), func() tea.Msg {
		rows, err := eng.Clients()
		return membersMsg{gen: gen, rows: rows, err: err}
	})
}

func (f *removeFlow) goTo(id stepID) tea.Cmd {
	return f.show(id, func() page {
		switch id {
		case stepRemove:
			return f.newRemovePage()
		case stepRestart:
			return f.r.restartPage()
		}
		return f.newRemoveDonePage()
	})
}

func (f *removeFlow) update(msg tea.Msg) (tea.Cmd, dest) {
	switch msg := msg.(type) {
	case membersMsg:
		return f.onMembers(msg), stay
	case removePreparedMsg:
		return f.onPrepared(msg), stay
	case applyMsg:
		return f.onApply(msg), stay
	}
	if cmd, ok := f.r.update(msg); ok {
		return cmd, stay
	}
	cmd, d := f.accept(msg, f.finish)
	if d == stay && f.step == stepRemove && f.name != f.asked {
		f.asked = f.name
		if f.sure {
			// huh keeps the cursor on "Remove": a new page starts at Cancel.
			f.sure = false
			return tea.Batch(cmd, f.goTo(stepRemove)), d
		}
	}
	return cmd, d
}

func (f *removeFlow) finish() (tea.Cmd, dest) {
	switch f.step {
	case stepRemove:
		if f.name == "" {
			return nil, toMenu // nobody to remove
		}
		if !f.sure {
			f.c.notice = fmt.Sprintf("Nothing was removed: %s keeps their access.", f.name)
			return nil, toMenu
		}
		f.c.errs.page = ""
		return f.remove(), stay
	case stepRestart:
		return f.r.onChoice(), stay
	}
	return f.r.finishDone()
}

func (f *removeFlow) page() page {
	if f.prev != nil {
		return f.prev.page()
	}
	return f.cur
}

func (f *removeFlow) title() string {
	switch {
	case f.prev != nil:
		return f.prev.title()
	case f.step == stepRestart:
		return "Restart Docker"
	}
	return flowTitle("Remove a team member", f.step, stepRemove, stepRemoveDone)
}

func (f *removeFlow) canBack() bool {
	return f.prev == nil && (f.step == stepRemove || f.step == stepRestart)
}

func (f *removeFlow) back() (tea.Cmd, dest) {
	if f.step == stepRestart {
		return f.r.showDone(), stay
	}
	return nil, backMenu
}

func (f *removeFlow) working() bool { return f.w.applying || f.r.running }
func (f *removeFlow) waiting() bool { return f.w.applying }

func (f *removeFlow) onMembers(msg membersMsg) tea.Cmd {
	if msg.gen != f.c.gen {
		return nil
	}
	f.c.idle()
	f.prev = nil
	f.members, f.err = nil, msg.err
	for _, r := range msg.rows {
		if r.RemovedAt == nil {
			f.members = append(f.members, r)
		}
	}
	f.name, f.sure = "", false
	if len(f.members) > 0 {
		f.name = f.members[0].Name
	}
	f.asked = f.name
	return f.goTo(stepRemove)
}

func (f *removeFlow) newRemovePage() page {
	m := f.c
	head := func(w int) string {
		var b strings.Builder
		b.WriteString(m.st.Text.Render(wrap("A member who leaves is shut out at the next restart of Docker: their anchor "+
			"leaves the list dockerd trusts, and nobody else gets a new bundle.", w)))
		if t := m.opts.Detected.Trust; t != nil && t.Switch != nil {
			b.WriteString("\n" + m.st.Warn.Render(hang("! ", "A switch to per-member trust is in progress: finish it first, or the old root still lets them in.", w)))
		}
		return b.String()
	}
	if f.err != nil || len(f.members) == 0 {
		msg := "There is no member to remove."
		if f.err != nil {
			msg = "Cannot read the members: " + f.err.Error()
		}
		foot := func(w int) string {
			return m.st.Text.Render(wrap(msg, w)) + "\n\nPress " + m.st.Key.Render("Enter") + " to go back to the menu."
		}
		return f.newFormPage(head, foot)
	}
	var opts []huh.Option[string]
	for _, r := range f.members {
		label := fmt.Sprintf("%-16s until %s", r.Name, r.NotAfter.Format("2006-01-02"))
		if r.Problem != "" {
			label += " (" + r.Problem + ")"
		}
		opts = append(opts, huh.NewOption(label, r.Name))
	}
	who := huh.NewSelect[string]().Title("Who is leaving?").Options(opts...).Value(&f.name)
	// A select, not a huh.Confirm: its cursor shows the choice without
	// colour (NO_COLOR), and Cancel comes first, so Enter alone cancels.
	sure := huh.NewSelect[bool]().
		TitleFunc(func() string { return fmt.Sprintf("Remove %s?", f.name) }, &f.name).
		Description("They lose access when Docker restarts.").
		OptionsFunc(func() []huh.Option[bool] {
			return []huh.Option[bool]{
				huh.NewOption("Cancel: nothing is removed", false),
				huh.NewOption("Remove "+f.name, true),
			}
		}, &f.name).
		Height(4).
		Value(&f.sure)
	p := f.newFormPage(head, nil,
		fieldRef{key: fieldRemoveWho, title: "Member", f: who},
		fieldRef{key: fieldRemoveSure, title: "Confirm", f: sure})
	return p
}

// remove is the removal's work: PrepareRemove, then Write (which also
// moves the bundle away).
func (f *removeFlow) remove() tea.Cmd {
	c := f.c
	eng, gen, name := c.eng, c.gen, f.name
	f.w.applied = false
	c.wait.label = fmt.Sprintf("Removing %s…", name)
	return tea.Batch(c.startSpin(), func() tea.Msg {
		p, err := eng.PrepareRemove(setup.RemoveInput{Name: name})
		return removePreparedMsg{gen: gen, p: p, err: err}
	})
}

func (f *removeFlow) onPrepared(msg removePreparedMsg) tea.Cmd {
	c := f.c
	if msg.gen != c.gen {
		return nil
	}
	if msg.err != nil {
		c.idle()
		c.errs.page = msg.err.Error()
		if h := hint.Of(msg.err); h != "" {
			c.errs.page += ". " + h
		}
		f.sure = false
		return f.goTo(stepRemove)
	}
	f.p = msg.p
	c.wait.label = "Writing…"
	return f.w.start(c, msg.p)
}

func (f *removeFlow) onApply(msg applyMsg) tea.Cmd {
	c := f.c
	cmd, end := f.w.onApply(c, msg, TaskSetup, f.p)
	if !end || f.step != stepRemove {
		return cmd
	}
	c.idle()
	if msg.err != nil {
		c.errs.page = "writing the removal failed: " + msg.err.Error()
		return f.goTo(stepRemove)
	}
	if msg.w.ArchiveErr != nil {
		f.w.note = strings.TrimSpace(f.w.note + " The removal is written, but the bundle could not be moved away: " + msg.w.ArchiveErr.Error() + "; move it by hand.")
	}
	return f.goTo(stepRemoveDone)
}

// newRemoveDonePage says who was removed, what changed, and when it takes
// effect; "apply now" restarts Docker from here.
func (f *removeFlow) newRemoveDonePage() page {
	m := f.c
	head := func(w int) string {
		s := m.st.OK.Render("✓ ") + m.st.Text.Render(wrap(fmt.Sprintf("Removed %s. Nobody else's files changed.", f.name), w-2))
		return s + f.r.applyLine(w)
	}
	body := func(w int) string {
		var parts []string
		if f.p != nil {
			var b strings.Builder
			for _, l := range say.Summary(f.p) {
				label, text := "", l
				if len(l) > 10 { // "Remove    bob: ...": the label column
					label, text = l[:10], l[10:]
				}
				b.WriteString(m.st.Dim.Render(hang(label, text, w)) + "\n")
			}
			b.WriteString(m.fileLines(f.p.Files(), w))
			parts = append(parts, strings.TrimRight(b.String(), "\n"))
		}
		return strings.Join(append(parts, f.r.doneBody(f.w.note, w)), "\n\n")
	}
	return f.r.donePageOf(head, body)
}
