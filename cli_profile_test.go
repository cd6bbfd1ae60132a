package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// Tests for how re-runs treat what exists: key types and lifetimes, a CA
// replaced with --force, and the flags that make no sense in some places.

func TestInitReissuesWhenKeyTypeOrDaysChange(t *testing.T) {
	root := initRoot(t)
	before := inspect(t, root, "etc/docker/tls/server-cert.pem")
	r := mustRun(t, 0, initArgs(root, "--yes", "--key-type", "ecdsa-p384", "--days", "90")...)
	if strings.Contains(r.stdout, "Nothing to change") {
		t.Fatalf("a changed --key-type and --days were ignored:\n%s", r)
	}
	after := inspect(t, root, "etc/docker/tls/server-cert.pem")
	if after.Serial == before.Serial || after.KeyType != "ecdsa-p384" {
		t.Errorf("server cert not re-issued as ecdsa-p384: %+v", after)
	}
	if d := after.NotAfter.Sub(after.NotBefore).Hours() / 24; d < 89.9 || d > 90.1 {
		t.Errorf("server cert lifetime %.2f days, want 90", d)
	}
	client := inspect(t, root, "etc/docker/tls/clients/client/cert.pem")
	if client.KeyType != "ecdsa-p384" {
		t.Errorf("client key type %s, want ecdsa-p384", client.KeyType)
	}
	// And now the same answers again change nothing.
	r = mustRun(t, 0, initArgs(root, "--yes", "--key-type", "ecdsa-p384", "--days", "90")...)
	wantContains(t, "second run", r.stdout, "Nothing to change")
}

func TestInitSaysTheExistingCAIsKept(t *testing.T) {
	root := initRoot(t)
	r := mustRun(t, 0, initArgs(root, "--dry-run", "--ca-cn", "Another CA")...)
	wantContains(t, "init --ca-cn on an existing CA", r.stdout, "--ca-cn, --ca-org and --ca-days apply to a new CA")
}

func TestRenewKeepsKeyTypeAndLifetime(t *testing.T) {
	root := initRoot(t, "--key-type", "rsa-2048", "--days", "90", "--client", "alice")
	mustRun(t, 0, "renew", "--yes", "--root", root)
	info := inspect(t, root, "etc/docker/tls/server-cert.pem")
	if info.KeyType != "rsa-2048" {
		t.Errorf("renew changed the key type to %s", info.KeyType)
	}
	if d := info.NotAfter.Sub(info.NotBefore).Hours() / 24; d < 89.9 || d > 90.1 {
		t.Errorf("renew changed the lifetime to %.2f days", d)
	}
	mustRun(t, 0, "renew", "--yes", "--root", root, "--client", "alice")
	if c := inspect(t, root, "etc/docker/tls/clients/alice/cert.pem"); c.KeyType != "rsa-2048" {
		t.Errorf("renew --client changed the key type to %s", c.KeyType)
	}
	// Asked for explicitly, they change.
	mustRun(t, 0, "renew", "--yes", "--root", root, "--key-type", "ed25519", "--days", "30")
	if info := inspect(t, root, "etc/docker/tls/server-cert.pem"); info.KeyType != "ed25519" {
		t.Errorf("renew --key-type ed25519 gave %s", info.KeyType)
	}
}

func TestForceLeavesOldBundlesFlagged(t *testing.T) {
	root := initRoot(t)
	mustRun(t, 0, "client", "add", "alice", "--root", root)
	mustRun(t, 0, initArgs(root, "--yes", "--force")...)

	r := mustRun(t, 0, "client", "list", "--root", root, "--json")
	var rows []setup.ClientRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	problems := map[string]string{}
	for _, row := range rows {
		problems[row.Name] = row.Problem
	}
	if problems["alice"] != "not from the current CA" || problems["client"] != "" {
		t.Errorf("client list problems = %v, want alice flagged and client (re-issued) fine", problems)
	}
	r = mustRun(t, 1, "status", "--root", root)
	wantContains(t, "status after --force", r.stdout, "client alice", "was not issued by the current CA")
}

func TestClientListJSONEmpty(t *testing.T) {
	root := fixtureRoot(t)
	r := mustRun(t, 0, "client", "list", "--root", root, "--json")
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("client list --json with no clients = %q, want []", r.stdout)
	}
}

func TestUnencryptedCAKeyIsRefusedWithAHint(t *testing.T) {
	root := initRoot(t)
	// Replace the CA key by an unencrypted key (any key: the check comes first).
	writeRootFile(t, root, "etc/docker/tls/ca/ca-key.pem", readRootFile(t, root, "etc/docker/tls/server-key.pem"), 0o600)
	before := snapshot(t, root)
	r := mustRun(t, 1, "client", "add", "bob", "--root", root)
	wantContains(t, "client add with an unencrypted CA key", r.stderr, "is not encrypted", "openssl pkcs8 -topk8")
	sameTree(t, before, snapshot(t, root))
}

func TestFlagsThatDoNotApply(t *testing.T) {
	root := fixtureRoot(t)
	t.Setenv(setup.PassphraseEnv, testPass)
	t.Setenv(setup.SystemctlEnv, "")
	before := snapshot(t, root)
	for _, c := range []struct {
		args []string
		want string
	}{
		{initArgs(root, "--yes", "--apply"), "apply restarts this host's Docker, which does not read the files under --root"},
		{[]string{"apply", "--root", root}, "apply restarts this host's Docker, which does not read the files under --root"},
		{[]string{"--root", root, "--dry-run"}, "--dry-run is a flag of \"docker-tls init\""},
		{[]string{"--root", root, "--yes"}, "--yes is a flag of \"docker-tls init\""},
		{[]string{"stauts"}, `unknown command "stauts" for docker-tls: did you mean "status"?`},
	} {
		r := runCLI(t, "", c.args...)
		if r.code != 2 {
			t.Errorf("want exit 2:\n%s", r)
		}
		wantContains(t, strings.Join(c.args, " "), r.stderr, c.want)
	}
	sameTree(t, before, snapshot(t, root))
}

func TestApplyForgetsTheRunItRolledBackOrApplied(t *testing.T) {
	// Without a systemd, apply's restart fails: the run is rolled back and
	// its record removed, so that a second apply cannot undo anything else.
	root := initRoot(t)
	bin := t.TempDir()
	fail := filepath.Join(bin, "systemctl")
	if err := os.WriteFile(fail, []byte("#!/bin/sh\necho 'stand-in: no systemd here' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(setup.SystemctlEnv, fail)
	r := mustRun(t, 1, "apply", "--root", root)
	wantContains(t, "apply with a failing systemctl", r.stderr, "stand-in: no systemd here")
	if _, err := os.Stat(filepath.Join(root, "etc/docker/tls/last-run.json")); !os.IsNotExist(err) {
		t.Errorf("last-run.json still there after the rollback: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/docker/daemon.json")); !os.IsNotExist(err) {
		t.Errorf("daemon.json (created by the run) was not rolled back: %v", err)
	}
	r = mustRun(t, 1, "apply", "--root", root)
	wantContains(t, "a second apply", r.stderr, "no record of a previous run")
}

// TestEveryFieldHasAFlag: a field pki adds must get the flag that sets it,
// or an error about it could not say what to change.
func TestEveryFieldHasAFlag(t *testing.T) {
	cmd := newInitCmd(newEnv(nil, io.Discard, io.Discard))
	for _, f := range pki.Fields {
		name, ok := flagNames[f]
		if !ok {
			t.Errorf("field %q has no entry in flagNames", f)
			continue
		}
		if flag, isFlag := strings.CutPrefix(name, "--"); isFlag && cmd.Flags().Lookup(flag) == nil {
			t.Errorf("field %q maps to %s, which init does not have", f, name)
		}
	}
}
