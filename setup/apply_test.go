package setup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChildProcessesGetNoPassphrase: systemctl and journalctl run with our
// environment, less the CA passphrase (a child's environment is readable in
// /proc).
func TestChildProcessesGetNoPassphrase(t *testing.T) {
	dir := t.TempDir()
	script := func(name string) string {
		p := filepath.Join(dir, name)
		body := "#!/bin/sh\nenv > " + filepath.Join(dir, name+".env") + "\necho 'a journal line'\n"
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const secret = "the secret passphrase, never passed on"
	t.Setenv(PassphraseEnv, secret)
	t.Setenv("DOCKER_TLS_TEST_MARKER", "inherited")
	t.Setenv(SystemctlEnv, script("systemctl"))
	script("journalctl")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))

	ctx := context.Background()
	if err := (ExecSystemd{}).Systemctl(ctx, "daemon-reload"); err != nil {
		t.Fatal(err)
	}
	if j := (ExecSystemd{}).Journal(ctx); j != "a journal line" {
		t.Fatalf("journal = %q", j)
	}
	for _, name := range []string{"systemctl", "journalctl"} {
		env, err := os.ReadFile(filepath.Join(dir, name+".env"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(env), secret) || strings.Contains(string(env), PassphraseEnv) {
			t.Errorf("%s got the passphrase in its environment", name)
		}
		if !strings.Contains(string(env), "DOCKER_TLS_TEST_MARKER=inherited") {
			t.Errorf("%s did not get the rest of the environment", name)
		}
	}
}

// fakeSystemd records calls; restart fails when failRestart is set.
type fakeSystemd struct {
	calls       []string
	failRestart bool
}

func (f *fakeSystemd) Systemctl(_ context.Context, args ...string) error {
	f.calls = append(f.calls, strings.Join(args, " "))
	if f.failRestart && args[0] == "restart" && len(f.calls) < 3 {
		return errors.New("Job for docker.service failed")
	}
	return nil
}

func (f *fakeSystemd) Journal(context.Context) string { return "dockerd[1]: a reason in the journal" }

// TestApplyRollsBackWhenDockerDoesNotRestart: the last run's files are
// restored, Docker restarted with them, and the error carries the journal.
func TestApplyRollsBackWhenDockerDoesNotRestart(t *testing.T) {
	sys := &fakeSystemd{failRestart: true}
	root := newRoot(t)
	h := New(root, WithSystemd(sys))
	mustInit(t, h, testInput())
	_, err := h.Apply(context.Background())
	if err == nil {
		t.Fatal("apply succeeded with a failing restart")
	}
	for _, want := range []string{"restarting Docker with the new configuration failed", "the previous files were restored and Docker was restarted with them", "a reason in the journal"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if h.exists(ServerCert) || h.exists("/etc/docker/daemon.json") || h.exists(LastRunPath) {
		t.Error("the run was not rolled back and forgotten")
	}
	if want := "daemon-reload,restart docker,daemon-reload,restart docker"; strings.Join(sys.calls, ",") != want {
		t.Errorf("systemctl calls %q, want %q", sys.calls, want)
	}
	if _, err := h.Apply(context.Background()); !errors.Is(err, ErrNoRun) {
		t.Errorf("a second apply: %v, want ErrNoRun (nothing left to undo)", err)
	}
}

// TestApplyRefusesASandboxRoot: the host's Docker does not read files
// under another root.
func TestApplyRefusesASandboxRoot(t *testing.T) {
	t.Setenv(SystemctlEnv, "")
	h := New(newRoot(t))
	if err := h.CanApply(); err == nil || !strings.Contains(err.Error(), "does not read the files under --root") {
		t.Errorf("CanApply = %v", err)
	}
	if err := New("/").CanApply(); err != nil {
		t.Errorf("CanApply for / = %v", err)
	}
}
