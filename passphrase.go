package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"unicode"
	"unicode/utf8"

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
		return readPassFile(e, s.file)
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

// maxPassLine is the longest passphrase line read from a file or stdin, in
// bytes: a longer one is refused, never cut.
const maxPassLine = 4096

// readPassFile opens the passphrase file: a regular file only (a FIFO or a
// device is refused before it is opened for reading, and the open does not
// block), with a warning when group or others may read it.
func readPassFile(e *env, name string) ([]byte, error) {
	fix := "Check the path given to --ca-passphrase-file."
	st, err := os.Stat(name)
	if err != nil {
		return nil, hint.With(fmt.Errorf("cannot read the CA passphrase: %w", err), fix)
	}
	if !st.Mode().IsRegular() {
		return nil, hint.With(fmt.Errorf("cannot read the CA passphrase: %s is not a regular file (%s)", name, st.Mode().Type()),
			"Give --ca-passphrase-file a regular file, or - for stdin.")
	}
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, hint.With(fmt.Errorf("cannot read the CA passphrase: %w", err), fix)
	}
	defer f.Close()
	fst, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA passphrase: %w", err)
	}
	if !fst.Mode().IsRegular() || !os.SameFile(st, fst) {
		return nil, hint.With(fmt.Errorf("cannot read the CA passphrase: %s changed while it was opened", name), fix)
	}
	if fst.Mode().Perm()&0o044 != 0 {
		fmt.Fprintf(e.stderr, "warning: %s may be read by group or others (mode %04o); run \"chmod 600 %s\"\n", name, fst.Mode().Perm(), name)
	}
	return readPassLine(f, name)
}

// readPassLine reads the first line, without its line ending, so that
// `echo pass > file` works; the rest of the passphrase is kept as typed. It
// must be printable UTF-8 and at most maxPassLine bytes: anything else is
// refused, never cut or cleaned.
func readPassLine(r io.Reader, name string) ([]byte, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxPassLine+2)).ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("cannot read the CA passphrase from %s: %w", name, err)
	}
	raw := len(line)
	ended := bytes.HasSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if len(line) == 0 {
		return nil, fmt.Errorf("the CA passphrase from %s is empty", name)
	}
	if err := printablePass(line); err != nil {
		return nil, fmt.Errorf("the CA passphrase from %s %w", name, err)
	}
	if len(line) > maxPassLine || (!ended && raw > maxPassLine) {
		return nil, fmt.Errorf("the CA passphrase from %s is longer than %d bytes: it is refused, not cut", name, maxPassLine)
	}
	return line, nil
}

// printablePass refuses what is not printable UTF-8: NUL bytes, control
// characters and random bytes make a passphrase nobody can type again.
func printablePass(p []byte) error {
	if !utf8.Valid(p) {
		return errors.New("is not valid UTF-8 text (random bytes?): give a printable passphrase")
	}
	for _, r := range string(p) {
		if !unicode.IsGraphic(r) {
			return fmt.Errorf("holds a control character (%U): give a printable passphrase", r)
		}
	}
	return nil
}
