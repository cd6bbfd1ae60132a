package wizard

// The two pieces of work that end several flows: writing a prepared
// operation (writer), and "apply now", restarting Docker with what was
// written (restarter), with its check of the running containers.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

type (
	// applyMsg is one event of a running Write: a file written, or the end.
	applyMsg struct {
		ch   chan applyMsg
		path string
		done bool
		w    *setup.Written
		err  error
	}
	applyNowMsg struct {
		a           *setup.Applied
		err         error
		liveRestore string // said before the result when live-restore was turned on first
	}
	restartCheckedMsg struct {
		gen    int
		impact *setup.RestartImpact
	}
)

// writer runs Write for a prepared operation, at most once per Prepare,
// and records it in the Result.
type writer struct {
	applied  bool // Write ran (once per Prepare)
	applying bool
	written  []string
	err      error
	// note is said on the done page: the run was written but not
	// recorded for apply, or a bundle not moved away.
	note string
}

func (w *writer) reset() { w.applied, w.err, w.written = false, nil, nil }

// start runs Write in a goroutine and turns its progress callback into
// messages through a channel, one message per file (the usual Bubble Tea
// pattern for a long job that reports as it goes).
func (w *writer) start(c *common, p *setup.Prepared) tea.Cmd {
	if w.applied || w.applying || p == nil {
		return nil
	}
	w.applied, w.applying, w.written, w.err = true, true, nil, nil
	eng := c.eng
	ch := make(chan applyMsg, 64)
	start := func() tea.Msg {
		go func() {
			wr, err := eng.Write(p, func(path string) { ch <- applyMsg{ch: ch, path: path} })
			ch <- applyMsg{ch: ch, done: true, w: wr, err: err}
		}()
		return <-ch
	}
	return tea.Batch(c.startSpin(), start)
}

// onApply takes one event of the write. end reports that the write is over
// and the flow goes on (with w.err); otherwise cmd reads on, or quits when
// ctrl+c waited for the write.
func (w *writer) onApply(c *common, msg applyMsg, task Task, p *setup.Prepared) (cmd tea.Cmd, end bool) {
	if !msg.done {
		w.written = append(w.written, msg.path)
		ch := msg.ch
		return func() tea.Msg { return <-ch }, false
	}
	w.applying = false
	w.err = msg.err
	if msg.err == nil {
		w.wrote(c, msg.w, task, p)
	}
	if c.stopping {
		c.res.Err = msg.err
		return tea.Quit, false
	}
	return nil, true
}

// wrote records a write in the Result: what the caller prints at the end.
func (w *writer) wrote(c *common, wr *setup.Written, task Task, p *setup.Prepared) {
	r := &c.res
	r.Written = true
	r.Files = append(r.Files, wr.Files...)
	r.Backups = append(r.Backups, wr.Backups...)
	r.RecordErr = wr.RecordErr
	if wr.RecordErr != nil {
		w.note = "This run could not be recorded for \"docker-tls apply\": " + wr.RecordErr.Error()
	}
	r.Task = task
	if p != nil {
		r.Member = p.Member
		r.NextSteps = say.NextSteps(p)
	}
}

const (
	choiceQuit     = "quit"
	choiceApplyNow = "apply"
)

// Choices of the restart page.
const (
	restartKeep   = "keep"
	restartAnyway = "anyway"
	restartNot    = "not"
)

const (
	fieldDone    pki.Field = "done"
	fieldRestart pki.Field = "restart"
)

// restarter is "apply now" on a done page: restart Docker with what was
// written; the engine probes it and rolls back on failure. When containers
// would stop, a page asks first (stepRestart).
type restarter struct {
	s        *steps
	done     stepID      // the flow's done page, where applying ends
	donePage func() page // builds it
	choice   string      // the done page's: quit, or apply now
	ran      bool        // apply now ran
	out      string
	err      error
	running  bool // Docker is being restarted: ctrl+c waits
	impact   *setup.RestartImpact
	what     string // the restart page's choice
}

// update takes the restarter's messages; ok is false for others.
func (r *restarter) update(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case restartCheckedMsg:
		return r.onChecked(msg), true
	case applyNowMsg:
		return r.onApplied(msg), true
	}
	return nil, false
}

func (r *restarter) showDone() tea.Cmd { return r.s.show(r.done, r.donePage) }

// finishDone is Enter on the done page: apply now, or quit.
func (r *restarter) finishDone() (tea.Cmd, dest) {
	if r.choice == choiceApplyNow && !r.ran && r.s.c.opts.CanApply {
		return r.check(), stay
	}
	return nil, toQuit
}

// check asks the engine what restarting Docker would do to running
// containers before "apply now" restarts it.
func (r *restarter) check() tea.Cmd {
	c := r.s.c
	eng, gen := c.eng, c.gen
	c.wait.label = "Checking the running containers…"
	return tea.Batch(c.startSpin(), func() tea.Msg {
		return restartCheckedMsg{gen: gen, impact: eng.CheckRestart(context.Background())}
	})
}

func (r *restarter) onChecked(msg restartCheckedMsg) tea.Cmd {
	if msg.gen != r.s.c.gen {
		return nil
	}
	r.s.c.idle()
	if msg.impact == nil || !msg.impact.StopsContainers() {
		return r.apply(false)
	}
	r.impact = msg.impact
	r.what = restartKeep
	if !r.impact.CanKeepContainers() {
		r.what = restartNot
	}
	return r.s.show(stepRestart, r.restartPage)
}

// apply restarts docker with the new configuration. With liveRestore it
// first turns live-restore on, so that running containers keep running.
func (r *restarter) apply(liveRestore bool) tea.Cmd {
	c := r.s.c
	eng := c.eng
	r.running = true
	busy := "Restarting Docker and probing the TLS port…"
	if liveRestore {
		busy = "Turning live-restore on, then restarting Docker and probing the TLS port…"
	}
	return tea.Batch(c.setBusy(busy), func() tea.Msg {
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

func (r *restarter) onApplied(msg applyNowMsg) tea.Cmd {
	c := r.s.c
	c.idle()
	r.running, r.ran, r.err = false, true, msg.err
	if msg.a != nil && msg.err == nil {
		r.out = msg.liveRestore + "Docker is back and answers over mutual TLS (GET /_ping with the bundle " + msg.a.Bundle + ")."
		c.res.Applied = msg.a
		c.res.NextSteps = withoutRestart(c.res.NextSteps)
	}
	if msg.err != nil {
		c.res.Err = msg.err
	}
	if c.stopping {
		return tea.Quit
	}
	return r.showDone()
}

// withoutRestart drops the steps that restart Docker, once "apply now" has.
func withoutRestart(steps []say.Step) []say.Step {
	return slices.DeleteFunc(slices.Clone(steps), func(s say.Step) bool { return s.Restart })
}

// restartPage: containers would stop. Turn live-restore on first (the
// default when it can work), restart anyway, or not now.
func (r *restarter) restartPage() page {
	c, imp := r.s.c, r.impact
	n := fmt.Sprintf("%d containers are running", imp.Running)
	if imp.Running == 1 {
		n = "1 container is running"
	}
	head := func(w int) string {
		if !imp.CanKeepContainers() {
			return c.st.Warn.Render(hang("! ", n+" and this node is in swarm mode, where live-restore does not work: restarting Docker stops them.", w))
		}
		return c.st.Warn.Render(hang("! ", n+" and live-restore is off: restarting Docker stops them.", w)) + "\n\n" +
			c.st.Text.Render(wrap("Live-restore keeps containers running while dockerd restarts. It is a daemon.json setting "+
				"that dockerd reloads without a restart.", w))
	}
	var opts []huh.Option[string]
	if imp.CanKeepContainers() {
		opts = append(opts, huh.NewOption("Turn live-restore on, then restart (they keep running)", restartKeep))
	}
	opts = append(opts,
		huh.NewOption("Restart anyway (they stop)", restartAnyway),
		huh.NewOption("Not now", restartNot))
	sel := huh.NewSelect[string]().Title("Restart Docker?").Options(opts...).Value(&r.what)
	return r.s.newFormPage(head, nil, fieldRef{key: fieldRestart, title: "Restart", f: sel})
}

// onChoice is Enter on the restart page.
func (r *restarter) onChoice() tea.Cmd {
	switch r.what {
	case restartKeep:
		return r.apply(true)
	case restartAnyway:
		return r.apply(false)
	}
	return r.showDone()
}

// applyLine is the outcome of "apply now", under a done page's heading.
func (r *restarter) applyLine(w int) string {
	if !r.ran {
		return ""
	}
	if r.err != nil {
		return "\n" + r.s.c.errLine("Applying failed: "+r.err.Error(), w)
	}
	return "\n" + r.s.c.okLine("Applied: Docker restarted with TLS.", w)
}

// doneBody is what a done page says under its heading: the apply's
// output, the writer's note, and the next steps.
func (r *restarter) doneBody(note string, w int) string {
	c := r.s.c
	var parts []string
	if r.ran && r.out != "" {
		parts = append(parts, c.st.Text.Render(wrap(r.out, w)))
	}
	if note != "" {
		parts = append(parts, c.st.Warn.Render(hang("! ", note, w)))
	}
	if len(c.res.NextSteps) > 0 {
		parts = append(parts, c.st.Heading.Render("Next steps")+"\n"+c.stepsText(c.res.NextSteps, w))
	}
	return strings.Join(parts, "\n\n")
}

// donePageOf is a done page: heading, body, and Enter to quit, or the
// choice to apply now when Docker can be restarted from here.
func (r *restarter) donePageOf(head, body func(w int) string) page {
	c := r.s.c
	prompt := func(w int) string {
		if !c.res.Written {
			return "Press " + c.st.Key.Render("Enter") + " to quit."
		}
		return c.printedAgain(w)
	}
	p := newTextPage(c, head, body, prompt, c.km.Quit)
	if c.opts.CanApply && c.res.Written && !r.ran {
		r.choice = choiceQuit
		sel := huh.NewSelect[string]().
			Title("What now?").
			Options(
				huh.NewOption("Quit (the next steps are printed again)", choiceQuit),
				huh.NewOption("Apply now: restart Docker, probe, roll back on failure", choiceApplyNow),
			).
			Value(&r.choice)
		p.sel = r.s.newFormPage(nil, nil, fieldRef{key: fieldDone, title: "What now", f: sel})
	}
	return p
}
