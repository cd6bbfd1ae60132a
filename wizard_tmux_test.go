package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// The real binary in a real terminal: tmux at 80x24 and 60x20. This is what
// a user sees, escape codes, input parser and all; the teatest tests in
// wizard/ drive the model, these drive the program.

// tmuxSession is one detached tmux server of our own (-L), so that a user's
// tmux, or another test's, is never touched.
type tmuxSession struct {
	t      *testing.T
	socket string
	w, h   int
}

func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("DOCKER_TLS_E2E") == "1" {
			t.Fatal("DOCKER_TLS_E2E=1 but tmux is not installed: apt-get install tmux")
		}
		t.Skip("skipping the terminal test: tmux is not installed (apt-get install tmux)")
	}
}

func startTmux(t *testing.T, command string) *tmuxSession { return startTmuxSize(t, 80, 24, command) }

func startTmuxSize(t *testing.T, w, h int, command string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("dtls-test-%d-%d", os.Getpid(), time.Now().UnixNano()), w: w, h: h}
	// The trailing sleep keeps the pane, so that its last screen can be read.
	s.run("new-session", "-d", "-s", "w", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), command+"; echo EXIT=$?; sleep 120")
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.run("capture-pane", "-p", "-t", "w") }

// history is the pane's scrollback and screen: what is left in the
// terminal once the program ended.
func (s *tmuxSession) history() string { return s.run("capture-pane", "-p", "-S", "-", "-t", "w") }

func (s *tmuxSession) keys(k ...string) { s.run(append([]string{"send-keys", "-t", "w"}, k...)...) }

// waitFor polls the screen until cond holds; the deadline only bounds a hang.
func (s *tmuxSession) waitFor(what string, cond func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := s.screen()
		if cond(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s; the screen is:\n%s", what, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *tmuxSession) waitText(text string) string {
	s.t.Helper()
	return s.waitFor(fmt.Sprintf("%q", text), func(scr string) bool { return strings.Contains(scr, text) })
}

// settle waits until the screen stops changing (huh moves between fields
// and steps through its own commands, so a screen can change more than
// once after one key).
func (s *tmuxSession) settle() string {
	s.t.Helper()
	last := ""
	return s.waitFor("the screen to settle", func(scr string) bool {
		settled := scr == last
		last = scr
		time.Sleep(150 * time.Millisecond)
		return settled
	})
}

// enter presses Enter and waits until the screen shows its effect and has
// settled. Waiting also makes the pause a person makes between keys.
func (s *tmuxSession) enter() string {
	s.t.Helper()
	before := s.screen()
	s.keys("Enter")
	s.waitFor("the screen to change after Enter", func(scr string) bool { return scr != before })
	return s.settle()
}

// hintsShown checks a screen of the wizard: its key hints, ctrl+c among
// them, on the last line.
func (s *tmuxSession) hintsShown(scr string) {
	s.t.Helper()
	lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	if len(lines) != s.h || !strings.Contains(lines[len(lines)-1], "ctrl+c") {
		s.t.Errorf("%dx%d: the key hints are not on the last line:\n%s", s.w, s.h, scr)
	}
}

func wizardFixture(t *testing.T) (bin, root, passFile string) {
	t.Helper()
	needTmux(t)
	bin = dockerTLSBinary(t)
	root = fixtureRoot(t)
	passFile = filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(passFile, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return bin, root, passFile
}

// walkToReview presses Enter, at a person's pace, until the review is
// ready, checking each screen on the way.
func (s *tmuxSession) walkToReview() string {
	s.t.Helper()
	for range 20 {
		scr := s.settle()
		s.hintsShown(scr)
		if strings.Contains(scr, "Step 6/8") {
			return s.waitText("Enter to write")
		}
		s.enter()
	}
	s.t.Fatalf("the review never came:\n%s", s.screen())
	return ""
}

// TestWizardInTmuxEnterAllTheWay: from the first screen, Enter at a
// person's pace with a passphrase file walks every step with the defaults;
// the review's first screen shows the host's changes; the write gives
// files that openssl accepts; the wizard used the alternate screen, and
// what it wrote and the next steps are printed once when it ends.
func TestWizardInTmuxEnterAllTheWay(t *testing.T) {
	bin, root, passFile := wizardFixture(t)
	s := startTmux(t, fmt.Sprintf("%s --root %s --ca-passphrase-file %s --fqdn docker.example.com --san-ip 127.0.0.1", bin, root, passFile))
	s.waitText("Welcome")
	review := s.walkToReview()
	for _, want := range []string{"/etc/docker/daemon.json", "override.conf", `"tlsverify": true`, "+ExecStart=/usr/sbin/dockerd $DOCKER_OPTS"} {
		if !strings.Contains(review, want) {
			t.Errorf("the review's first screen lacks %q:\n%s", want, review)
		}
	}
	s.keys("End")
	if scr := s.settle(); !strings.Contains(scr, "# Managed by docker-tls") {
		t.Errorf("End did not reach the override's diff:\n%s", scr)
	}
	time.Sleep(time.Second) // the review has been read
	s.keys("Enter")
	done := s.waitText("Wrote 17 files.")
	if !strings.Contains(done, "Next steps") {
		t.Errorf("the done screen has no next steps:\n%s", done)
	}
	s.keys("Enter") // the default on the done screen is to quit
	s.waitText("EXIT=0")
	hist := s.history()
	if strings.Contains(hist, "Step ") || strings.Count(hist, "Next steps:") != 1 || !strings.Contains(hist, "Wrote 17 files:") {
		t.Errorf("want the outcome once and no frame of the wizard left in the terminal:\n%s", hist)
	}
	if !strings.Contains(hist, "docker-tls client archive client client.tar.gz") {
		t.Errorf("the next steps do not say how to pack one file:\n%s", hist)
	}

	tls := filepath.Join(root, "etc/docker/tls")
	for _, c := range []struct{ purpose, cert string }{
		{"sslserver", "server-cert.pem"},
		{"sslclient", "clients/client/cert.pem"},
	} {
		// -untrusted: a member's cert.pem carries their anchor after the certificate.
		out, err := exec.Command("openssl", "verify", "-CAfile", filepath.Join(tls, "ca.pem"), "-purpose", c.purpose,
			"-untrusted", filepath.Join(tls, c.cert), filepath.Join(tls, c.cert)).CombinedOutput()
		if err != nil {
			t.Errorf("openssl verify -purpose %s %s: %v\n%s", c.purpose, c.cert, err, out)
		}
	}
	wantMode(t, root, "etc/docker/tls/ca/ca-key.pem", 0o400)
	wantMode(t, root, "etc/docker/tls/ca", 0o700)
}

// TestWizardInTmuxHeldEnter: Enter held from the first screen (14 presses
// 60 ms apart) reaches the review and writes nothing; an Enter after a
// pause writes.
func TestWizardInTmuxHeldEnter(t *testing.T) {
	bin, root, passFile := wizardFixture(t)
	before := snapshot(t, root)
	s := startTmux(t, fmt.Sprintf("%s --root %s --ca-passphrase-file %s --fqdn docker.example.com", bin, root, passFile))
	s.waitText("Welcome")
	for range 14 {
		s.keys("Enter")
		time.Sleep(60 * time.Millisecond)
	}
	// The last Enters come while the review is prepared (nothing to
	// confirm yet) or once it shows (ignored, and it says so): either way
	// nothing is written.
	scr := s.waitText("Enter")
	if !strings.Contains(scr, "Step 6/8") {
		t.Errorf("the held Enter should stop on the review:\n%s", scr)
	}
	sameTree(t, before, snapshot(t, root))
	time.Sleep(time.Second)
	s.keys("Enter")
	s.waitText("Wrote 17 files.")
	s.keys("Enter")
	s.waitText("EXIT=0")
}

// TestWizardInTmuxCtrlCWritesNothing: ctrl+c in the middle leaves the root as
// it was and the terminal usable, with one message and exit 130.
func TestWizardInTmuxCtrlCWritesNothing(t *testing.T) {
	bin, root, passFile := wizardFixture(t)
	before := snapshot(t, root)
	s := startTmux(t, fmt.Sprintf("%s --root %s --ca-passphrase-file %s", bin, root, passFile))
	s.waitText("Welcome")
	s.enter()
	s.waitText("Step 2/8")
	s.enter()
	s.keys("C-c")
	scr := s.waitText("EXIT=")
	if !strings.Contains(scr, "EXIT=130") {
		t.Errorf("ctrl+c should exit 130:\n%s", scr)
	}
	if hist := s.history(); strings.Count(hist, "nothing was written") != 1 || strings.Contains(hist, "Step ") {
		t.Errorf("want one message and no frame left:\n%s", hist)
	}
	sameTree(t, before, snapshot(t, root))
}

// TestWizardInTmuxCtrlCAfterWrite: ctrl+c on the done screen says what was
// written, and exits 0: the work is done.
func TestWizardInTmuxCtrlCAfterWrite(t *testing.T) {
	bin, root, passFile := wizardFixture(t)
	s := startTmux(t, fmt.Sprintf("%s --root %s --ca-passphrase-file %s --fqdn docker.example.com", bin, root, passFile))
	s.waitText("Welcome")
	s.walkToReview()
	time.Sleep(time.Second)
	s.keys("Enter")
	s.waitText("Wrote 17 files.")
	s.keys("C-c")
	scr := s.waitText("EXIT=")
	hist := s.history()
	if !strings.Contains(scr, "EXIT=0") || !strings.Contains(hist, "Stopped with ctrl+c after writing") ||
		!strings.Contains(hist, "Wrote 17 files:") || strings.Contains(hist, "nothing was written") {
		t.Errorf("ctrl+c after the write:\n%s", hist)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/docker/tls/server-key.pem")); err != nil {
		t.Errorf("the files written before ctrl+c are gone: %v", err)
	}
}

// TestWizardInTmuxSmallTerminal: at 60x20 every screen keeps its key hints
// (ctrl+c too) on the last line, the keys step shows all its fields, and
// the done screen's commands are split with shell continuations only.
func TestWizardInTmuxSmallTerminal(t *testing.T) {
	bin, root, passFile := wizardFixture(t)
	s := startTmuxSize(t, 60, 20, fmt.Sprintf("%s --root %s --ca-passphrase-file %s --fqdn docker.example.com", bin, root, passFile))
	s.waitText("Welcome")
	for range 20 {
		scr := s.settle()
		s.hintsShown(scr)
		if strings.Contains(scr, "Keys and validity") && !strings.Contains(scr, "Server and client certificates valid for") {
			t.Errorf("a field of the keys step is hidden at 60x20:\n%s", scr)
		}
		if strings.Contains(scr, "Step 6/8") {
			break
		}
		s.enter()
	}
	s.waitText("Enter to write")
	time.Sleep(time.Second)
	s.keys("Enter")
	s.waitText("Wrote 17 files.")
	s.keys("End")
	done := s.settle()
	s.hintsShown(done)
	// Each line of a command ends with " \" or ",\" (inside the quotes),
	// or is the command's last.
	lines := strings.Split(done, "\n")
	for i, l := range lines {
		if strings.Contains(l, "docker context create") {
			for _, c := range lines[i : i+3] {
				if !strings.HasSuffix(c, `\`) {
					t.Errorf("a command is broken without a continuation: %q\n%s", c, done)
				}
			}
		}
	}
	s.keys("Enter")
	s.waitText("EXIT=0")
}

// TestWizardInTmuxEscKeepsAnswers: Esc goes back a step, and what was typed is still there.
func TestWizardInTmuxEscKeepsAnswers(t *testing.T) {
	bin, root, passFile := wizardFixture(t)
	s := startTmux(t, fmt.Sprintf("%s --root %s --ca-passphrase-file %s", bin, root, passFile))
	s.waitText("Welcome")
	s.enter()
	s.waitText("Step 2/8")
	s.keys("C-u") // clear the CA name field
	s.keys("-l", "Example Ops CA")
	s.waitText("Example Ops CA")
	s.enter() // to the organisation field
	s.enter() // to the server step
	s.waitText("Step 3/8")
	s.keys("Escape")
	scr := s.waitText("Step 2/8")
	if !strings.Contains(scr, "Example Ops CA") {
		t.Errorf("Esc lost the typed CA name:\n%s", scr)
	}
	s.keys("C-c")
	s.waitText("EXIT=")
}

// TestWizardInTmuxTypedAhead: a name, Enter and the next name sent in one
// burst (as a paste or a script does) land in their own fields.
func TestWizardInTmuxTypedAhead(t *testing.T) {
	bin, root, passFile := wizardFixture(t)
	s := startTmux(t, fmt.Sprintf("%s --root %s --ca-passphrase-file %s --fqdn docker.example.com", bin, root, passFile))
	s.waitText("Welcome")
	s.enter()
	s.enter()
	s.enter()
	s.waitText("Step 3/8")
	s.run("send-keys", "-t", "w", "C-u", ";", "send-keys", "-t", "w", "-l", "x.example.com", ";",
		"send-keys", "-t", "w", "Enter", ";", "send-keys", "-t", "w", "-l", "y.example.com")
	scr := s.settle()
	if !strings.Contains(scr, "> x.example.com\n") || !strings.Contains(scr, "> y.example.com") {
		t.Errorf("typed-ahead keys landed in the wrong field:\n%s", scr)
	}
	s.keys("C-c")
	s.waitText("EXIT=")
}

// TestWizardInTmuxLaptop: on a member's machine (a root without
// docker.service, their own DOCKER_CONFIG) the real binary offers to
// connect: "I need a certificate" makes the key and the request and prints
// the line to send once; the admin signs it; "I received a file", at
// 60x20, installs it, and the daemon (nothing listens) does not answer:
// exit 1, with the reason and the hint printed once.
func TestWizardInTmuxLaptop(t *testing.T) {
	needTmux(t)
	bin := dockerTLSBinary(t)
	t.Setenv(setup.PassphraseEnv, testPass)
	port := freePort(t) // nothing listens there
	admin := fixtureRoot(t)
	mustRun(t, 0, "init", "--root", admin, "--fqdn", "localhost", "--san-ip", "127.0.0.1",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--yes")
	laptop := t.TempDir() // no docker.service, no CA
	cfg := filepath.Join(t.TempDir(), "docker")
	work := t.TempDir()
	command := fmt.Sprintf("cd %s && DOCKER_CONFIG=%s %s --root %s", work, cfg, bin, laptop)

	s := startTmux(t, command)
	s.waitText("Connect to a Docker host")
	s.hintsShown(s.settle())
	s.keys("Down")
	s.settle()
	s.enter()
	s.waitText("I need a certificate · 1/2")
	s.keys("-l", fmt.Sprintf("localhost:%d", port))
	s.enter()
	s.keys("-l", "erin")
	s.waitText("default: erin.csr")
	s.enter()
	s.enter() // the request's file: the default
	s.hintsShown(s.waitText("Made your key and a request for erin."))
	s.keys("Enter")
	s.waitText("EXIT=0")
	hist := s.history()
	if strings.Count(hist, "docker-tls client sign erin.csr --archive erin.tar.gz") != 1 || strings.Contains(hist, "I need a certificate · ") {
		t.Errorf("want the line to send once and no frame of the wizard left:\n%s", hist)
	}
	wantMode(t, cfg, "tls/localhost/key.pem", 0o600)

	archive := filepath.Join(work, "erin.tar.gz")
	mustRun(t, 0, "client", "sign", filepath.Join(work, "erin.csr"), "--yes", "--archive", archive, "--root", admin)

	s = startTmuxSize(t, 60, 20, command)
	s.waitText("Connect to a Docker host")
	s.hintsShown(s.settle())
	s.enter()
	s.waitText("I received a file · 1/2")
	s.keys("-l", "erin.tar.gz")
	s.waitText("> erin.tar.gz")
	s.enter()
	s.hintsShown(s.waitText("Installed, but the daemon"))
	s.keys("Enter")
	scr := s.waitText("EXIT=")
	hist = s.history()
	if !strings.Contains(scr, "EXIT=1") || strings.Contains(hist, "I received a file · ") {
		t.Errorf("want exit 1 and no frame of the wizard left:\n%s", hist)
	}
	// -J joins the lines the terminal wrapped.
	flat := strings.Join(strings.Fields(s.run("capture-pane", "-p", "-J", "-S", "-", "-t", "w")), " ")
	for _, want := range []string{`Checked the bundle of "erin"`, fmt.Sprintf("ERROR: the daemon at tcp://localhost:%d did not answer over TLS", port),
		fmt.Sprintf("Nothing listens on localhost port %d", port), "docker --context localhost version"} {
		if strings.Count(flat, want) != 1 {
			t.Errorf("the outcome should say %q once:\n%s", want, hist)
		}
	}
	for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
		if _, err := os.Stat(filepath.Join(cfg, "tls", "localhost", f)); err != nil {
			t.Errorf("%s not installed: %v", f, err)
		}
	}
}

// TestWizardInTmuxRenewExpiring: on a host whose server certificate and a
// member's end within 30 days, the welcome names both and offers to renew
// them, the server's first (the default); renewing the member from there
// re-issues their certificate with the same lifetime, and the outcome
// names them once the wizard ends.
func TestWizardInTmuxRenewExpiring(t *testing.T) {
	bin, _, passFile := wizardFixture(t)
	root := initRoot(t, "--days", "20")
	mustRun(t, 0, "client", "add", "dave", "--days", "10", "--root", root)
	certPath := filepath.Join(root, "etc/docker/tls/clients/dave/cert.pem")
	before := readRootFile(t, root, "etc/docker/tls/clients/dave/cert.pem")

	s := startTmux(t, fmt.Sprintf("%s --root %s --ca-passphrase-file %s", bin, root, passFile))
	scr := s.waitText("What would you like to do?")
	flat := strings.Join(strings.Fields(scr), " ")
	for _, want := range []string{"ends soon server " + testFQDN + " on ", "ends soon client dave on ",
		"> Renew the server certificate (ends in ", "Renew dave's certificate (ends in "} {
		if !strings.Contains(flat, want) {
			t.Errorf("the welcome lacks %q:\n%s", want, scr)
		}
	}
	s.hintsShown(s.settle())
	s.keys("Down")
	s.settle()
	s.enter()
	scr = s.waitText("Renew dave's certificate · 1/4")
	if !strings.Contains(strings.Join(strings.Fields(scr), " "), "dave's certificate ends ") {
		t.Errorf("the renew screen does not say when dave's certificate ends:\n%s", scr)
	}
	s.enter()
	s.waitText("Enter to write")
	time.Sleep(time.Second) // the review has been read
	s.keys("Enter")
	s.waitText("Wrote ")
	s.keys("Enter")
	s.waitText("EXIT=0")
	if hist := s.history(); !strings.Contains(hist, `Issued "dave"`) {
		t.Errorf("the outcome does not name dave:\n%s", hist)
	}
	after, err := os.ReadFile(certPath)
	if err != nil || bytes.Equal(before, after) {
		t.Fatalf("dave's certificate was not renewed (err %v)", err)
	}
	if left := certDaysLeft(t, after); left < 9 || left > 10 {
		t.Errorf("dave's renewed certificate has %d days left, want his 10-day lifetime", left)
	}
}

func certDaysLeft(t *testing.T, certPEM []byte) int {
	t.Helper()
	info, err := pki.Inspect(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return info.DaysLeft(time.Now())
}
