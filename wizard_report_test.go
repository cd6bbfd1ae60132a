package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/docker-tls/docker-tls/wizard"
)

// TestReportWizard: the wizard's screens are on the alternate screen and
// gone when it ends; each ending prints one outcome, with the exit code
// that goes with it.
func TestReportWizard(t *testing.T) {
	steps := []say.Step{{Text: "Restart Docker:", Commands: []string{"systemctl daemon-reload && systemctl restart docker"}}}
	files := []string{"/etc/docker/tls/ca.pem", "/etc/docker/daemon.json"}
	alice := &setup.Member{Name: "alice", Serial: "1f", NotAfter: time.Date(2027, 11, 22, 0, 0, 0, 0, time.UTC), Dir: "/etc/docker/tls/clients/alice"}
	signed := *alice
	signed.Files = &member.Bundle{CA: []byte("ca"), Cert: []byte("cert")} // no key: it stayed with them
	connected := &member.Connected{Name: "alice", Context: "docker1", Dir: "/home/alice/.docker/tls/docker1", Host: "tcp://docker1:2376",
		NotAfter: alice.NotAfter, ByCLI: true, Version: "20.10.24"}
	unanswered := *connected
	unanswered.Version, unanswered.ProbeError = "", hint.With(errors.New("dial tcp 10.0.0.5:2376: connect: connection refused"), "Nothing listens on docker1 port 2376.")
	requested := &member.Requested{Name: "alice", KeyPath: "/home/alice/.docker/tls/docker1/key.pem", Context: "docker1", Out: "alice.csr"}
	for _, tc := range []struct {
		name  string
		res   wizard.Result
		code  int
		want  []string
		never []string
	}{
		{"written", wizard.Result{Written: true, Files: files, Backups: []string{"/etc/docker/daemon.json.bak"}, NextSteps: steps}, 0,
			[]string{"Wrote 2 files:\n  /etc/docker/tls/ca.pem\n", "backup: /etc/docker/daemon.json.bak", "Next steps:\n  Restart Docker:\n    systemctl daemon-reload && systemctl restart docker\n"},
			[]string{"ERROR", "nothing was written"}},
		{"ctrlCAfterWrite", wizard.Result{Written: true, Aborted: true, Files: files, NextSteps: steps}, 0,
			[]string{"Stopped with ctrl+c after writing: what was written stands.", "Wrote 2 files:", "Next steps:"},
			[]string{"ERROR", "nothing was written"}},
		{"ctrlCBeforeWrite", wizard.Result{Aborted: true}, 130,
			[]string{"Aborted: nothing was written.\n"}, []string{"ERROR", "Wrote", "Next steps"}},
		{"member", wizard.Result{Written: true, Task: wizard.TaskMember, Member: alice, Files: files[:1], NextSteps: steps}, 0,
			[]string{`Issued "alice": serial 1f, valid until 2027-11-22.`, "Bundle:  /etc/docker/tls/clients/alice/{ca.pem,cert.pem,key.pem}", "Next steps:"}, nil},
		{"renew", wizard.Result{Written: true, Task: wizard.TaskRenew, Files: files[:1]}, 0,
			[]string{"Renewed the server certificate.\nWrote 1 file:"}, []string{"Next steps"}},
		{"appliedNow", wizard.Result{Written: true, Files: files, Applied: &setup.Applied{Bundle: "/etc/docker/tls/clients/client"}}, 0,
			[]string{"Applied: Docker restarted and answers over mutual TLS (probed with the bundle /etc/docker/tls/clients/client)."}, nil},
		{"applyNowFailed", wizard.Result{Written: true, Files: files, Err: errors.New("docker did not come back: rolled back")}, 1,
			[]string{"Wrote 2 files:", "ERROR: docker did not come back: rolled back"}, nil},
		{"writeFailed", wizard.Result{Err: errors.New("disk full (rolled back)")}, 1,
			[]string{"ERROR: disk full (rolled back)\n"}, []string{"Wrote"}},
		{"signed", wizard.Result{Written: true, Task: wizard.TaskMember, Member: &signed, Files: files[:1]}, 0,
			[]string{"Bundle:  /etc/docker/tls/clients/alice/{ca.pem,cert.pem}\n"}, []string{"key.pem"}},
		{"connected", wizard.Result{Task: wizard.TaskConnect, Connected: connected}, 0,
			[]string{`Checked the bundle of "alice"`, "Installed: /home/alice/.docker/tls/docker1/{ca.pem,cert.pem,key.pem}",
				`Made the docker context "docker1" for tcp://docker1:2376, with the docker CLI.`, "Docker 20.10.24", "docker --context docker1 ps"},
			[]string{"ERROR", "Wrote"}},
		{"connectedNoAnswer", wizard.Result{Task: wizard.TaskConnect, Connected: &unanswered}, 1,
			[]string{`Checked the bundle of "alice"`, "docker --context docker1 version",
				"ERROR: the daemon at tcp://docker1:2376 did not answer over TLS: dial tcp", "  Nothing listens on docker1 port 2376.\n"},
			[]string{"Wrote"}},
		{"ctrlCAfterConnecting", wizard.Result{Task: wizard.TaskConnect, Connected: connected, Aborted: true}, 0,
			[]string{"Stopped with ctrl+c after connecting: what was installed stands.", `Checked the bundle of "alice"`},
			[]string{"ERROR", "nothing was written"}},
		{"requested", wizard.Result{Task: wizard.TaskRequest, Requested: requested}, 0,
			[]string{"Your key: /home/alice/.docker/tls/docker1/key.pem (0600; it stays on this machine)\nYour request: alice.csr\n",
				"docker-tls client sign alice.csr --archive alice.tar.gz", "docker-tls connect alice.tar.gz"},
			[]string{"ERROR", "Wrote"}},
		{"unchanged", wizard.Result{Unchanged: true}, 0,
			[]string{"Nothing was written: the files already match these answers.\n"}, []string{"ERROR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := newEnv(nil, &out, &errb)
			err := reportWizard(e, "/", tc.res)
			if err != nil {
				printError(&errb, err, "/")
			}
			all := out.String() + errb.String()
			if code := exitCode(err); code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(all, n) {
					t.Errorf("output has %q:\n%s", n, all)
				}
			}
			if strings.Count(all, "ERROR") > 1 {
				t.Errorf("more than one message:\n%s", all)
			}
		})
	}
}

// TestAbortMessage: a deliberate no or ctrl+c before writing is not an
// error: one line, "Aborted: nothing was written.", and exit 130, whichever
// prompt (y/N, huh, Bubble Tea) saw it.
func TestAbortMessage(t *testing.T) {
	for _, err := range []error{errAborted, huh.ErrUserAborted, tea.ErrInterrupted, fmt.Errorf("passphrase: %w", huh.ErrUserAborted)} {
		var b bytes.Buffer
		printError(&b, err, "/")
		if got := b.String(); got != "Aborted: nothing was written.\n" {
			t.Errorf("%v prints %q, want %q", err, got, "Aborted: nothing was written.\n")
		}
		if code := exitCode(err); code != 130 {
			t.Errorf("%v: exit %d, want 130", err, code)
		}
	}
	// No to a restart that stops containers: init --apply has written its
	// files by then, so it must not say that nothing was.
	var b bytes.Buffer
	printError(&b, errNotRestarted, "/")
	if got := b.String(); got != "Aborted: Docker was not restarted.\n" || exitCode(errNotRestarted) != 130 {
		t.Errorf("no to the restart prints %q, exit %d", got, exitCode(errNotRestarted))
	}
}

// TestReportWrapsCommandsWhole: the summary printed once the wizard ends
// wraps a long command as the done screen does, at spaces with " \", never
// inside a word (issue 24).
func TestReportWrapsCommandsWhole(t *testing.T) {
	steps := []say.Step{{Text: "Check it:", Commands: []string{"DOCKER_CERT_PATH=/etc/docker/tls/clients/client DOCKER_TLS_VERIFY=1 docker -H tcp://docker1.example.com:2376 version"}}}
	out := formatStepsWidth(steps, "  ", 60)
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n")[1:] {
		if len(l) > 60 {
			t.Errorf("line wider than 60: %q", l)
		}
	}
	if !strings.Contains(out, " \\\n") || !strings.Contains(out, "docker -H") {
		t.Errorf("not wrapped at a space with a continuation:\n%s", out)
	}
}
