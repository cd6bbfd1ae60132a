package wizard

// Keys that arrive while a form moves on. huh moves to the next field, and
// from the last field to the next step, through commands (nextField,
// nextGroup) that run after the Enter that asked for it. Keys typed in
// between (a paste, typing ahead, a script's send-keys) would land in the
// field just accepted: "alice⏎30" would give the name "alice30". So from
// an Enter (or Tab) that passed its field's validation until the focus has
// moved, the page has changed or burstWait has passed (a move that did not
// happen), keys are held, then replayed in order where the focus now is.

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

const burstWait = 250 * time.Millisecond

type burst struct {
	on   bool
	gen  int       // the page generation the move began on
	from huh.Field // the field the move began from
	held []heldMsg
	seq  int // tells a late burstTimeoutMsg from the current one
}

// heldMsg is a key (or paste) and when it arrived: the write's gate judges
// keys by when they were pressed, not when they are replayed.
type heldMsg struct {
	msg tea.Msg
	at  time.Time
}

type burstTimeoutMsg struct{ seq int }

func (b *burst) holding() bool                  { return b.on }
func (b *burst) hold(msg tea.Msg, at time.Time) { b.held = append(b.held, heldMsg{msg, at}) }

// focuser is a page with a form: the field that has the focus, nil when no
// form is active (or it is done), and whether it is the form's first.
type focuser interface {
	focused() (f huh.Field, first bool)
}

func (m *Model) focusedField() huh.Field {
	f, _ := m.focus()
	return f
}

func (m *Model) focus() (huh.Field, bool) {
	if f, ok := m.cur.page().(focuser); ok {
		return f.focused()
	}
	return nil, false
}

// holdIfMoving starts holding keys after msg, a key the page just got with
// the focus on field from (on page generation gen), when it set the form
// moving on: it passed the field's validation, and the move is still to
// come (a page that changed at once needs no holding).
func (m *Model) holdIfMoving(msg tea.KeyPressMsg, from huh.Field, fromFirst bool, gen int) tea.Cmd {
	switch msg.String() {
	case "enter", "tab":
	case "shift+tab":
		if fromFirst {
			return nil // nowhere to go back to: nothing will move
		}
	default:
		return nil
	}
	if from == nil || from.Error() != nil || m.gen != gen || m.focusedField() != from {
		return nil
	}
	m.burst.on, m.burst.gen, m.burst.from = true, m.gen, from
	m.burst.seq++
	if m.noAnim {
		return nil // tests: every command runs before the next key
	}
	seq := m.burst.seq
	return tea.Tick(burstWait, func(time.Time) tea.Msg { return burstTimeoutMsg{seq: seq} })
}

// settle replays the held keys once the move is over: it runs after every
// message.
func (m *Model) settle() tea.Cmd {
	if !m.burst.on {
		return nil
	}
	if f := m.focusedField(); f != nil && f == m.burst.from && m.gen == m.burst.gen {
		return nil
	}
	return m.release()
}

func (m *Model) onBurstTimeout(msg burstTimeoutMsg) tea.Cmd {
	if !m.burst.on || msg.seq != m.burst.seq {
		return nil
	}
	return m.release()
}

// release replays the held keys in order. One of them may start a new
// move: the rest wait for it.
func (m *Model) release() tea.Cmd {
	held := m.burst.held
	m.burst.on, m.burst.from, m.burst.held = false, nil, nil
	var cmds []tea.Cmd
	for i, h := range held {
		m.replayAt = h.at
		cmds = append(cmds, m.update(h.msg))
		m.replayAt = time.Time{}
		if m.burst.on {
			m.burst.held = append(m.burst.held, held[i+1:]...)
			break
		}
	}
	return tea.Batch(cmds...)
}
