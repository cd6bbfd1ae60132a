package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The real binary in a real terminal: tmux at 80x24. This is what a user
// sees, escape codes, input parser and all; the teatest tests in wizard/
// drive the model, this drives the program.

// tmuxSession is one detached tmux server of our own (-L), so that a user's
// tmux, or another test's, is never touched.
type tmuxSession struct {
	t      *testing.T
	socket string
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

func startTmux(t *testing.T, command string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("dtls-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	// The trailing sleep keeps the pane, so that its last screen can be read.
	s.run("new-session", "-d", "-s", "w", "-x", "80", "-y", "24", command+"; echo EXIT=$?; sleep 120")
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

// enter presses Enter and waits until the screen shows its effect and has
// settled (huh moves between fields and steps through its own commands, so
// a screen can change more than once after one key).
func (s *tmuxSession) enter() string {
	s.t.Helper()
	before := s.screen()
	s.keys("Enter")
	s.waitFor("the screen to change after Enter", func(scr string) bool { return scr != before })
	last := ""
	return s.waitFor("the screen to settle", func(scr string) bool {
		settled := scr == last
		last = scr
		time.Sleep(150 * time.Millisecond)
		return settled
	})
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

// TestWizardInTmuxEnterAllTheWay: from the first screen, repeated Enter with a
// passphrase file walks every step with the defaults, shows the diffs, and
// writes files that openssl accepts.
func TestWizardInTmuxEnterAllTheWay(t *testing.T) {
	bin, root, passFile := wizardFixture(t)
	s := startTmux(t, fmt.Sprintf("%s --root %s --ca-passphrase-file %s --fqdn docker.example.com --san-ip 127.0.0.1", bin, root, passFile))
	s.waitText("Welcome")

	seen := map[string]bool{}
	var review string
	for i := 0; i < 40; i++ {
		scr := s.screen()
		for _, step := range []string{"Step 1/8", "Step 2/8", "Step 3/8", "Step 4/8", "Step 5/8", "Step 6/8", "Step 8/8"} {
			if strings.Contains(scr, step) {
				seen[step] = true
			}
		}
		if strings.Contains(scr, "Step 6/8") && strings.Contains(scr, "Enter to write") && review == "" {
			// Scroll the review to read the diffs, as a user would.
			review = scr
			for range 6 {
				s.keys("PageDown")
				time.Sleep(100 * time.Millisecond)
				review += s.screen()
			}
		}
		if strings.Contains(scr, "Step 8/8") {
			break
		}
		if strings.Contains(scr, "Step 7/8") {
			// Writing: nothing to confirm. An Enter now would reach the done
			// screen and quit it.
			s.waitText("Step 8/8")
			continue
		}
		if strings.Contains(scr, "Step 6/8") && !strings.Contains(scr, "Enter to write") {
			s.waitText("Enter to write") // the plan is still being prepared
			continue
		}
		s.enter()
	}
	for _, step := range []string{"Step 1/8", "Step 2/8", "Step 3/8", "Step 4/8", "Step 5/8", "Step 6/8", "Step 8/8"} {
		if !seen[step] {
			t.Errorf("never saw %s", step)
		}
	}
	for _, want := range []string{"/etc/docker/daemon.json", "override.conf", `"tlsverify": true`, "ExecStart=", "0600"} {
		if !strings.Contains(review, want) {
			t.Errorf("the review never showed %q:\n%s", want, review)
		}
	}
	done := s.waitText("Wrote")
	if !strings.Contains(done, "docker context create") && !strings.Contains(done, "systemctl") {
		t.Errorf("the done screen has no next steps:\n%s", done)
	}
	s.keys("Enter") // the default on the done screen is to quit
	s.waitText("EXIT=0")

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
	wantMode(t, root, "etc/docker/tls/ca/ca-key.pem", 0o600)
	wantMode(t, root, "etc/docker/tls/ca", 0o700)
}

// TestWizardInTmuxCtrlCWritesNothing: ctrl+c in the middle leaves the root as
// it was and the terminal usable.
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
	sameTree(t, before, snapshot(t, root))
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
