package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestFlagValueErrors: a bad flag value is a sentence in the tool's words,
// with what to give instead, and exit 2; pflag's and strconv's words never
// reach the user.
func TestFlagValueErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"init", "--ca-days", "abc"}, `ERROR: --ca-days "abc": must be a whole number, e.g. --ca-days 3650`},
		{[]string{"init", "--days", "99999999999999999999"}, `ERROR: --days "99999999999999999999": is too large, e.g. --days 365`},
		{[]string{"client", "add", "bob", "--days", "1.5"}, `ERROR: --days "1.5": must be a whole number, e.g. --days 365`},
		{[]string{"status", "--warn-days", "x"}, `ERROR: --warn-days "x": must be a whole number, e.g. --warn-days 30`},
		{[]string{"init", "--yes=maybe"}, `ERROR: --yes "maybe": must be true or false (or just --yes)`},
		{[]string{"init", "--fqdn"}, `ERROR: --fqdn needs a value: --fqdn FQDN`},
	} {
		r := runCLI(t, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("want exit 2 and %q:\n%s", tc.want, r)
		}
		if strings.Contains(r.stderr, "strconv") || strings.Contains(r.stderr, "invalid argument") {
			t.Errorf("library words in the message:\n%s", r)
		}
	}
}

// TestHelpAt80Columns: every help screen fits 80 columns, and no word of a
// flag's text or a command's summary is broken across lines (fang does not
// wrap them; the terminal would, mid-word).
func TestHelpAt80Columns(t *testing.T) {
	bin := dockerTLSBinary(t)
	root := newRootCmd(newEnv(nil, nil, nil))
	placeholders(root, false) // the texts as help shows them: no backquotes
	var texts []string
	var paths [][]string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		paths = append(paths, strings.Fields(strings.TrimPrefix(c.CommandPath(), "docker-tls")))
		if c.HasParent() { // the root's help shows its Long
			texts = append(texts, c.Short)
		}
		c.Flags().VisitAll(func(f *pflag.Flag) { texts = append(texts, f.Usage) })
		for _, sc := range c.Commands() {
			walk(sc)
		}
	}
	walk(root)
	var out strings.Builder
	for _, p := range paths {
		cmd := exec.Command(bin, append(p, "--help")...)
		cmd.Env = append(os.Environ(), "__FANG_TEST_WIDTH=80", "NO_COLOR=1")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v --help: %v\n%s", p, err, b)
		}
		help := ansi.Strip(string(b))
		for _, l := range strings.Split(help, "\n") {
			if n := ansi.StringWidth(strings.TrimRight(l, " ")); n > 80 {
				t.Errorf("%v --help: a line of %d columns: %q", p, n, l)
			}
			if strings.Contains(l, "…") {
				t.Errorf("%v --help: a line cut short: %q", p, l)
			}
		}
		out.WriteString(help)
	}
	// Every word of every text is whole somewhere in the help.
	words := map[string]bool{}
	for _, w := range strings.Fields(out.String()) {
		words[strings.ToLower(w)] = true
	}
	for _, text := range texts {
		for _, w := range strings.Fields(text) {
			if !words[strings.ToLower(w)] {
				t.Errorf("the word %q of %q is not whole in the help", w, text)
			}
		}
	}
}

// TestStatusOnATerminal: on a terminal status has colour, and its long
// lines wrap at spaces with their indent, never mid-word.
func TestStatusOnATerminal(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	r := &setup.Report{
		Root: "/", Unit: "/lib/systemd/system/docker.service", ExecStart: "/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS",
		Hosts: []string{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"},
		Certificates: []setup.CertStatus{
			{Kind: "ca", Name: "docker-tls CA", Path: "/etc/docker/tls/ca/ca.pem", NotAfter: now.AddDate(10, 0, 0), DaysLeft: 3650},
			{Kind: "server", Name: "docker1.example.com", Path: "/etc/docker/tls/server-cert.pem", NotAfter: now.AddDate(0, 0, 12), DaysLeft: 12},
		},
		Findings: []setup.Finding{{Message: "the server certificate /etc/docker/tls/server-cert.pem expires in 12 days: renew it with \"docker-tls renew\" and restart Docker"}},
	}
	var b bytes.Buffer
	printStatus(&b, r, statusLook{color: true, width: 60, warnDays: 30})
	out := b.String()
	if !strings.Contains(out, "\x1b[") {
		t.Errorf("no colour on a terminal:\n%s", out)
	}
	plain := ansi.Strip(out)
	for _, l := range strings.Split(plain, "\n") {
		if ansi.StringWidth(l) > 60 {
			t.Errorf("a line of %d columns: %q", ansi.StringWidth(l), l)
		}
	}
	for _, w := range strings.Fields(r.Findings[0].Message + " " + r.ExecStart) {
		if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(w) + `(\s|$)`).MatchString(plain) {
			t.Errorf("the word %q is broken:\n%s", w, plain)
		}
	}
	if !strings.Contains(plain, "    expires in 12 days") && !strings.Contains(plain, "\n    ") {
		t.Errorf("a wrapped finding keeps its indent:\n%s", plain)
	}
	// In a pipe: no colour, lines whole.
	b.Reset()
	printStatus(&b, r, statusLook{warnDays: 30})
	if strings.Contains(b.String(), "\x1b[") || !strings.Contains(b.String(), "  ! "+r.Findings[0].Message+"\n") {
		t.Errorf("piped status:\n%s", b.String())
	}
}

// TestWrongPassphraseHintFitsTheCommand: client add's --force re-issues a
// name; the hint for a wrong passphrase must not offer it "to make a new CA".
func TestWrongPassphraseHintFitsTheCommand(t *testing.T) {
	root := initRoot(t)
	t.Setenv(setup.PassphraseEnv, "a wrong passphrase, long enough")
	for _, args := range [][]string{{"client", "add", "bob"}, {"renew", "--yes"}} {
		r := runCLI(t, "", append(args, "--root", root)...)
		if r.code != 1 || !strings.Contains(r.stderr, `"docker-tls init --force --root `+root+`" makes one`) ||
			regexp.MustCompile(`(^|[^-\w])--force to make`).MatchString(r.stderr) {
			t.Errorf("%v:\n%s", args, r)
		}
	}
}

// TestHelpPipedHasNoTrailingSpaces: help on a pipe or in a file is plain
// text: no line padded with spaces to the width fang lays it out at.
func TestHelpPipedHasNoTrailingSpaces(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"init", "--help"}, {"client", "add", "--help"}, {"status", "-h"}} {
		r := mustRun(t, 0, args...)
		if !strings.Contains(r.stdout, "USAGE") {
			t.Fatalf("no help:\n%s", r)
		}
		for i, l := range strings.Split(r.stdout, "\n") {
			if strings.HasSuffix(l, " ") {
				t.Errorf("%v: line %d ends with spaces: %q", args, i+1, l)
				break
			}
		}
	}
}

// TestBareHostNameNote: a host name without a dot is accepted, with a note
// that clients elsewhere need a name they can resolve.
func TestBareHostNameNote(t *testing.T) {
	root := fixtureRoot(t)
	r := mustRun(t, 0, "init", "--fqdn", "docker1", "--dry-run", "--root", root)
	if !strings.Contains(r.stdout, `Note: "docker1" has no domain`) || !strings.Contains(r.stdout, "Dry run: nothing was written.") {
		t.Errorf("no note for a bare host name:\n%s", r)
	}
	r = mustRun(t, 0, "init", "--fqdn", "docker1.lan", "--dry-run", "--root", root)
	if strings.Contains(r.stdout, "Note:") {
		t.Errorf("a note for a full name:\n%s", r)
	}
}

// TestHelpFlagPlaceholders: a flag that takes a value shows what value, as
// pflag reads it from the backquotes of its text: "--days N",
// "--listen HOST:PORT". The flags still parse, complete and report
// errors by their names.
func TestHelpFlagPlaceholders(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"init", "--help"}, []string{"--days N ", "--listen HOST:PORT ", "--root DIR ", "--fqdn NAME ", "--ca-passphrase-file FILE ", "--client NAME ", "--key-type TYPE "}},
		{[]string{"client", "add", "--days", "30", "--help"}, []string{"--days N ", "--archive FILE "}},
		{[]string{"status", "-h"}, []string{"--warn-days N ", "--metrics FILE "}},
		{[]string{"help", "connect"}, []string{"--host HOST[:PORT] ", "--context NAME "}},
	} {
		r := mustRun(t, 0, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: no %q:\n%s", tc.args, w, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "`") || strings.Contains(r.stdout, "--dry-run ") && strings.Contains(r.stdout, "--dry-run BOOL") {
			t.Errorf("%v: a backquote or a placeholder for a switch:\n%s", tc.args, r.stdout)
		}
	}
	r := mustRun(t, 0, "__complete", "init", "--da")
	if !strings.Contains(r.stdout, "--days\t") {
		t.Errorf("completion of --da:\n%s", r.stdout)
	}
	if r := runCLI(t, "", "init", "--days", "x"); !strings.Contains(r.stderr, `ERROR: --days "x": must be a whole number`) {
		t.Errorf("a bad value:\n%s", r)
	}
}
