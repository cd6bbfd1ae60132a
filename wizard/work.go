package wizard

import (
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
)

// The work the flows ask for runs in tea.Cmds (never in Update) and comes
// back as messages. gen is the page generation the work started on: a
// result for a page the user has left is dropped.

type checkedMsg struct {
	gen  int
	pass string
	err  error
}

// checkPass checks the CA passphrase in the background (the key derivation
// is deliberately slow), then goes on with then. A passphrase accepted once
// is not checked again.
func (c *common) checkPass(pass string, then func() tea.Cmd) tea.Cmd {
	if pass != "" && pass == c.pass.ok {
		return then()
	}
	gen, eng := c.gen, c.eng
	return tea.Batch(c.setBusy("Checking the CA passphrase…"), func() tea.Msg {
		return checkedMsg{gen: gen, pass: pass, err: eng.CheckPassphrase([]byte(pass))}
	})
}

// onChecked is the check's result: on to then, or the flow's step again
// (retry) with the reason next to the passphrase, cleared (forget): retyping
// is easier than editing a masked field. A refused passphrase from the
// file is asked for instead.
func (c *common) onChecked(msg checkedMsg, forget func(), retry, then func() tea.Cmd) tea.Cmd {
	if msg.gen != c.gen {
		return nil
	}
	c.idle()
	if msg.err != nil {
		reason := msg.err.Error()
		if c.pass.fromFile {
			c.refusePassFile("the passphrase from the file: " + reason)
		} else {
			forget()
			c.errs.byField[pki.FieldPassphrase] = extErr{reasons: []string{reason}, at: ""}
		}
		return retry()
	}
	c.pass.ok = msg.pass
	return then()
}

// withHint is an engine error and its advice, as one line.
func withHint(err error) string {
	s := err.Error()
	if h := hint.Of(err); h != "" {
		s += ". " + h
	}
	return s
}
