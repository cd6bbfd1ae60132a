package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/setup"
)

// TestInitDryRunShowsTheTimer: by default init installs the renewal timer;
// the dry run lists both units and the binary it would copy, and writes
// nothing.
func TestInitDryRunShowsTheTimer(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	r := mustRun(t, 0, "init", "--root", root, "--fqdn", testFQDN, "--dry-run")
	wantContains(t, "init --dry-run", r.stdout,
		"/etc/systemd/system/docker-tls-renew.service", "/etc/systemd/system/docker-tls-renew.timer",
		"Renewal   docker-tls-renew.timer, daily", "runs /usr/local/sbin/docker-tls: this docker-tls, copied there now")
	if _, err := os.Stat(filepath.Join(root, "etc/systemd/system/docker-tls-renew.timer")); err == nil {
		t.Error("the dry run wrote the timer")
	}
	r = mustRun(t, 0, "init", "--root", root, "--fqdn", testFQDN, "--dry-run", "--no-auto-renew")
	if strings.Contains(r.stdout, "docker-tls-renew") {
		t.Errorf("--no-auto-renew still shows the timer:\n%s", r.stdout)
	}
}

// TestRenewAutoFlags: --auto renews unattended with the certificate's own
// profile, so the flags that choose one are refused with it, as are the
// --auto flags without it.
func TestRenewAutoFlags(t *testing.T) {
	root := initRoot(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--auto", "--client", "alice"}, "leave out --client"},
		{[]string{"--auto", "--days", "30"}, "leave out --days"},
		{[]string{"--auto", "--restart", "sometimes"}, `"sometimes" is not a restart policy`},
		{[]string{"--auto", "--before", "-1"}, "--before -1"},
		{[]string{"--before", "30", "--yes"}, "--before goes with --auto"},
	} {
		r := mustRun(t, 2, append([]string{"renew", "--root", root}, c.args...)...)
		wantContains(t, strings.Join(c.args, " "), r.stderr, c.want)
	}
	r := mustRun(t, 0, "renew", "--auto", "--root", root)
	wantContains(t, "renew --auto, not due", r.stdout, "nothing to do; it is renewed from ")
	r = mustRun(t, 0, "renew", "--auto", "--before", "400", "--root", root)
	wantContains(t, "renew --auto --before 400", r.stdout, "Renewed the server certificate through the host issuer",
		"Restart pending: the files are under --root")
}

// TestClientListExpiring: --expiring DAYS keeps the members whose
// certificate ends within DAYS days.
func TestClientListExpiring(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	mustRun(t, 0, "client", "add", "dave", "--days", "10", "--root", root)
	r := mustRun(t, 0, "client", "list", "--expiring", "30", "--json", "--root", root)
	var rows []setup.ClientRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Name != "dave" {
		t.Fatalf("--expiring 30: %+v, want dave alone", rows)
	}
	r = mustRun(t, 0, "client", "list", "--expiring", "30", "--root", root)
	wantContains(t, "client list --expiring 30", r.stdout, "dave", "docker-tls renew --client NAME --root "+root)
	if strings.Contains(r.stdout, "alice") {
		t.Errorf("alice ends in a year, listed:\n%s", r.stdout)
	}
	r = mustRun(t, 0, "client", "list", "--expiring", "5", "--root", root)
	wantContains(t, "client list --expiring 5", r.stdout, "No client certificate ends within 5 days.")
}

// TestInitDryRunAsksNoPassphrase: a dry run of a new setup runs without a
// terminal and without a passphrase (issue 24).
func TestInitDryRunAsksNoPassphrase(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, "")
	root := fixtureRoot(t)
	r := mustRun(t, 0, "init", "--root", root, "--fqdn", testFQDN, "--dry-run")
	wantContains(t, "init --dry-run", r.stdout, "/etc/docker/tls/ca/ca-key.pem")
	if _, err := os.Stat(filepath.Join(root, "etc/docker/tls")); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote: %v", err)
	}
}

// TestHintsCarryTheRoot: under --root, a command an error's hint quotes
// acts on the same sandbox (issue 24): copying it must not touch the host.
func TestHintsCarryTheRoot(t *testing.T) {
	root := initRoot(t)
	r := mustRun(t, 1, "client", "remove", "nobody", "--yes", "--root", root)
	wantContains(t, "client remove nobody", r.stderr, `"docker-tls client list --root `+root+`"`)
	r = mustRun(t, 1, "renew", "--client", "nobody", "--root", root)
	wantContains(t, "renew --client nobody", r.stderr, `"docker-tls client list --root `+root+`"`)
}

// TestLoopbackListenerKept: a daemon.json that listens on 127.0.0.1:2375
// only (the Docker docs' example) gets its TLS listener on 127.0.0.1:2376
// when --listen is not given, not one open to the network (issue 25); an
// explicit --listen is the admin's.
func TestLoopbackListenerKept(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, `"tcp://127.0.0.1:2376"`},
		{[]string{"--listen", "0.0.0.0:2376"}, `"tcp://0.0.0.0:2376"`},
	} {
		root := fixtureRoot(t)
		writeRootFile(t, root, "etc/docker/daemon.json", []byte(`{"hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"]}`+"\n"), 0o644)
		r := mustRun(t, 0, append([]string{"init", "--root", root, "--fqdn", testFQDN, "--no-auto-renew", "--yes"}, c.args...)...)
		if got := string(readRootFile(t, root, "etc/docker/daemon.json")); !strings.Contains(got, c.want) {
			t.Errorf("init %v: daemon.json does not listen on %s:\n%s\n%s", c.args, c.want, got, r.stdout)
		}
	}
}

// TestTimerRefusesALinkedBinaryDir: a link on the way to the binary the
// timer runs is not written through; the units stay unenabled and the
// warning says how to finish, for this root.
func TestTimerRefusesALinkedBinaryDir(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	elsewhere := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr/local"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(root, "usr/local/sbin")); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, 0, "init", "--root", root, "--fqdn", testFQDN, "--yes")
	wantContains(t, "init with a linked /usr/local/sbin", r.stderr, "renewal timer is not installed", "symbolic link", `"docker-tls init --root `+root+`"`)
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("written through the link: %v", ents)
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/systemd/system/timers.target.wants/docker-tls-renew.timer")); !os.IsNotExist(err) {
		t.Errorf("the timer was enabled without its binary: %v", err)
	}
}
