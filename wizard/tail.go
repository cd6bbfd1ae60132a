package wizard

// The end the setup and the passphrase flows (renew, switch, finalize)
// share: the review (Prepare, with the keys being made), the write, the
// done page and "apply now".

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

type (
	preparedMsg struct {
		gen int
		p   *setup.Prepared
		err error
	}
	// keyProgressMsg is the engine's key generation, polled while the
	// review is prepared.
	keyProgressMsg struct {
		gen int
		p   pki.KeyProgress
		ok  bool
	}
)

// tail is the review, write and done steps of a flow that prepares host
// changes.
type tail struct {
	s      *steps
	goTo   func(stepID) tea.Cmd // the owner's: builds any of its steps
	before stepID               // the step Esc on the review leads back to
	task   Task
	// prepare is the owner's Prepare, with its answers as they are now.
	prepare func() func() (*setup.Prepared, error)
	// keyType is the key type being made (the setup), for the progress
	// shown while the review waits; nil: no key progress.
	keyType func() pki.KeyType

	preparing bool
	prepared  *setup.Prepared
	prepErr   error
	keyProg   *pki.KeyProgress // the engine's keys, while the review is prepared
	w         writer
	r         restarter
}

func newTail(s *steps, task Task, before stepID) *tail {
	t := &tail{s: s, task: task, before: before}
	t.r = restarter{s: s, done: stepDone, donePage: t.donePage}
	return t
}

func (t *tail) newPage(id stepID) page {
	switch id {
	case stepReview:
		return &reviewPage{t: t, c: t.s.c, vp: viewport.New()}
	case stepWrite:
		return &writePage{t: t}
	case stepRestart:
		return t.r.restartPage()
	}
	return t.donePage()
}

// update takes the messages of the tail's work; ok is false for others.
func (t *tail) update(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case keyProgressMsg:
		return t.onKeyProgress(msg), true
	case preparedMsg:
		return t.onPrepared(msg), true
	case applyMsg:
		return t.onApply(msg), true
	}
	return t.r.update(msg)
}

// finish is Enter on one of the tail's pages.
func (t *tail) finish() (tea.Cmd, dest) {
	switch t.s.step {
	case stepReview:
		return t.confirmReview(), stay
	case stepWrite:
		if t.w.err != nil {
			t.s.c.res.Err = t.w.err
			return nil, toQuit
		}
	case stepDone:
		return t.r.finishDone()
	case stepRestart:
		return t.r.onChoice(), stay
	}
	return nil, stay
}

// backStep is where Esc leads from one of the tail's pages, if anywhere.
func (t *tail) backStep() (stepID, bool) {
	switch t.s.step {
	case stepReview:
		return t.before, true
	case stepRestart:
		return stepDone, true
	case stepWrite:
		return stepReview, t.w.err != nil
	}
	return 0, false
}

func (t *tail) back() tea.Cmd {
	to, _ := t.backStep()
	if to == stepReview {
		t.w.reset()
	}
	return t.goTo(to)
}

func (t *tail) working() bool { return t.w.applying || t.r.running }
func (t *tail) waiting() bool { return t.preparing || t.w.applying }

// startPrepare runs the owner's Prepare for the review. Key generation was
// started when the key type was chosen, so this is mostly signing and
// computing the diffs; the keys still being made are shown one by one,
// with their times.
func (t *tail) startPrepare() tea.Cmd {
	c := t.s.c
	c.gen++
	gen := c.gen
	t.preparing, t.prepared, t.prepErr = true, nil, nil
	t.w.reset()
	c.wait.since = c.clock()
	t.keyProg = nil
	c.gate.hide()
	work := t.prepare()
	cmds := []tea.Cmd{c.startSpin(), func() tea.Msg {
		p, err := work()
		if err == nil && p == nil {
			err = errors.New("nothing was prepared")
		}
		return preparedMsg{gen: gen, p: p, err: err}
	}}
	if t.keyType != nil {
		cmds = append(cmds, t.readKeys(gen, 0))
	}
	return tea.Batch(cmds...)
}

// keyPoll is how often the key progress is read while the review waits.
const keyPoll = 100 * time.Millisecond

// readKeys reads the engine's key progress after wait.
func (t *tail) readKeys(gen int, wait time.Duration) tea.Cmd {
	eng := t.s.c.eng
	read := func() tea.Msg {
		p, ok := eng.KeyProgress()
		return keyProgressMsg{gen: gen, p: p, ok: ok}
	}
	if wait == 0 {
		return read
	}
	return tea.Tick(wait, func(time.Time) tea.Msg { return read() })
}

func (t *tail) onKeyProgress(msg keyProgressMsg) tea.Cmd {
	if msg.gen != t.s.c.gen || !t.preparing {
		return nil
	}
	if msg.ok && t.keyType != nil && msg.p.Type == t.keyType() {
		p := msg.p
		t.keyProg = &p
	}
	if t.s.c.noAnim {
		return nil // tests send the progress they want to see
	}
	return t.readKeys(msg.gen, keyPoll)
}

func (t *tail) onPrepared(msg preparedMsg) tea.Cmd {
	if msg.gen != t.s.c.gen || t.s.step != stepReview {
		return nil
	}
	t.preparing = false
	t.keyProg = nil
	if msg.err != nil {
		t.prepErr = msg.err
		return nil
	}
	t.prepared = msg.p
	t.s.c.gate.show(t.s.c.clock())
	if rp, ok := t.s.cur.(*reviewPage); ok {
		rp.refresh()
	}
	return nil
}

// confirmReview is Enter on the review: write, retry a failed Prepare, or
// wait (Enter while generating does nothing: nothing is shown to confirm
// yet). The write takes only an Enter the gate allows (gate.go).
func (t *tail) confirmReview() tea.Cmd {
	switch {
	case t.preparing:
		return nil
	case t.prepErr != nil:
		return t.startPrepare()
	case t.prepared == nil:
		return nil
	case t.prepared.Empty():
		t.s.c.res.Unchanged = true
		return t.goTo(stepDone)
	}
	if !t.s.c.gate.allow() {
		return nil
	}
	return t.goTo(stepWrite)
}

func (t *tail) onApply(msg applyMsg) tea.Cmd {
	cmd, end := t.w.onApply(t.s.c, msg, t.task, t.prepared)
	if !end || t.s.step != stepWrite || t.w.err != nil {
		return cmd
	}
	return t.goTo(stepDone)
}

// donePage ends the flow: what was written, the next steps, and Enter to
// quit. Restarting docker is offered, never the default, and only when
// Options.CanApply (--root is "/").
func (t *tail) donePage() page {
	c := t.s.c
	head := func(w int) string {
		var s string
		switch {
		case c.res.Written:
			txt := fmt.Sprintf("Wrote %d files.", len(t.w.written))
			if c.opts.CanApply && !t.r.ran {
				txt += " Docker still runs with its old configuration."
			}
			s = c.okLine(txt, w)
		default:
			s = c.okLine("Nothing was written: the host already matches these answers.", w)
		}
		return s + t.r.applyLine(w)
	}
	body := func(w int) string {
		b := t.r.doneBody(t.w.note, w)
		if s := t.timerText(w); s != "" {
			b = strings.TrimSuffix(s+"\n\n"+b, "\n\n")
		}
		return b
	}
	return t.r.donePageOf(head, body)
}

// timerText says, after a write that installed the renewal timer (a first
// setup: Outline.Timer), when it checks the server certificate next and
// what starts it.
func (t *tail) timerText(w int) string {
	c := t.s.c
	if !c.res.Written || t.prepared == nil || t.prepared.Outline.Timer == nil {
		return ""
	}
	now := c.now()
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, now.Location())
	start := "it starts when Docker is restarted with \"docker-tls apply\", and at every boot."
	if c.res.Applied != nil {
		start = "applying started it, and it starts at every boot."
	}
	return c.st.Text.Render(wrap(fmt.Sprintf("docker-tls-renew.timer checks the server certificate daily "+
		"(OnCalendar=daily, up to an hour later), next on %s between 00:00 and 01:00; %s", next.Format(time.DateOnly), start), w))
}
