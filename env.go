package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/docker-tls/docker-tls/setup"
)

// env is what commands read and write besides files: the streams, whether
// they are terminals, and the clock. Tests build one with buffers.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	getenv         func(string) string
	hosts          []*setup.Host // closed when the command ends, releasing their locks
	root           string        // the --root of the last host opened: printed commands carry it
}

func newEnv(stdin io.Reader, stdout, stderr io.Writer) *env {
	return &env{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, getenv: os.Getenv}
}

// isTerminal reports whether w (or r) is an interactive terminal.
func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}

// interactive: both stdin and stdout are terminals, so we may prompt.
func (e *env) interactive() bool { return isTerminal(e.stdin) && isTerminal(e.stdout) }

// terminalUI: stdin, stdout and stderr are all terminals. The wizard draws on
// stderr, so a redirected stderr would hide it and fill a log with escape codes.
func (e *env) terminalUI() bool { return e.interactive() && isTerminal(e.stderr) }

// color: colour diffs only on a terminal and when NO_COLOR is unset
// (https://no-color.org: any non-empty value disables colour).
func (e *env) color() bool { return isTerminal(e.stdout) && e.getenv("NO_COLOR") == "" }

// width is the terminal's width for stdout, or 0 when stdout is not a
// terminal (a pipe or a file gets long lines whole).
func (e *env) width() int {
	f, ok := e.stdout.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(f.Fd()) {
		return 0
	}
	w, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return w
}

// host is the engine for --root, on this env's clock. What it waits for
// (another run holding the lock) and what it finished for an interrupted
// run are said on stderr.
func (e *env) host(root string) *setup.Host {
	e.root = root
	return e.keep(setup.New(root, setup.WithNow(e.now), setup.WithNotify(func(msg string) {
		fmt.Fprintf(e.stderr, "docker-tls: %s\n", msg)
	})))
}

// wizardHost is host for the wizard, which draws on stderr: what host says
// there, the wizard shows in its notes and errors instead.
func (e *env) wizardHost(root string) *setup.Host {
	e.root = root
	return e.keep(setup.New(root, setup.WithNow(e.now)))
}

func (e *env) keep(h *setup.Host) *setup.Host {
	e.hosts = append(e.hosts, h)
	return h
}

// close releases what the command's hosts hold.
func (e *env) close() {
	for _, h := range e.hosts {
		h.Close()
	}
	e.hosts = nil
}
