package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/x/term"
	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// passphraseSource remembers where the CA passphrase comes from.
type passphraseSource struct {
	file string // --ca-passphrase-file; "-" is stdin
}

// given reports whether the passphrase comes without a prompt (a file or the environment).
func (s passphraseSource) given(e *env) bool {
	return s.file != "" || e.getenv(setup.PassphraseEnv) != ""
}

// read returns the passphrase: from the file (or stdin), then the
// environment, then a prompt on a terminal (twice when confirm is set, for a
// new CA). Without any of these it fails and says how to pass one.
func (s passphraseSource) read(e *env, confirm bool) ([]byte, error) {
	switch {
	case s.file == "-" && !isTerminal(e.stdin):
		return readPassLine(e.stdin, "standard input")
	case s.file == "-":
		// "-" on a terminal: someone is typing it, so ask without echo.
		return s.prompt(e, confirm)
	case s.file != "":
		f, err := os.Open(s.file)
		if err != nil {
			return nil, hint.With(fmt.Errorf("cannot read the CA passphrase: %w", err), "Check the path given to --ca-passphrase-file.")
		}
		defer f.Close()
		return readPassLine(f, s.file)
	case e.getenv(setup.PassphraseEnv) != "":
		return []byte(e.getenv(setup.PassphraseEnv)), nil
	}
	return s.prompt(e, confirm)
}

// prompt asks on the terminal without echo, twice for a new CA.
func (s passphraseSource) prompt(e *env, confirm bool) ([]byte, error) {
	in, ok := e.stdin.(*os.File)
	if !ok || !isTerminal(in) {
		return nil, hint.With(fmt.Errorf("the CA passphrase is needed and there is no terminal to ask it on"),
			"Pass it with --ca-passphrase-file FILE (or - for stdin) or the environment variable "+setup.PassphraseEnv+".")
	}
	fmt.Fprint(e.stderr, "CA passphrase: ")
	p, err := term.ReadPassword(in.Fd())
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the CA passphrase: %w", err)
	}
	if !confirm {
		return p, nil
	}
	if err := pki.ValidatePassphrase(string(p)); err != nil {
		return nil, err
	}
	fmt.Fprint(e.stderr, "CA passphrase again: ")
	p2, err := term.ReadPassword(in.Fd())
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the CA passphrase: %w", err)
	}
	if !bytes.Equal(p, p2) {
		return nil, fmt.Errorf("the two passphrases differ: nothing was written")
	}
	return p, nil
}

// readPassLine reads the first line, without its line ending, so that
// `echo pass > file` works; the rest of the passphrase is kept as typed.
func readPassLine(r io.Reader, name string) ([]byte, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("cannot read the CA passphrase from %s: %w", name, err)
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if len(line) == 0 {
		return nil, fmt.Errorf("the CA passphrase from %s is empty", name)
	}
	return line, nil
}
