package main

import (
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/setup"
)

// TestRestartWordsAlike: init, renew and client remove each say that Docker
// must restart, and how, in the same words: docker-tls apply, which probes,
// rolls back, and asks before stopping running containers.
func TestRestartWordsAlike(t *testing.T) {
	const how = "asks before stopping running containers (live-restore off):"
	root := fixtureRoot(t)
	t.Setenv(setup.PassphraseEnv, testPass)
	runs := []cliResult{
		mustRun(t, 0, initArgs(root, "--client", "alice", "--client", "bob", "--yes")...),
		mustRun(t, 0, "renew", "--yes", "--root", root),
		mustRun(t, 0, "client", "remove", "bob", "--yes", "--root", root),
	}
	for _, r := range runs {
		out := strings.Join(strings.Fields(r.stdout), " ") // unwrapped
		wantContains(t, strings.Join(r.args[:1], " "), out, "docker-tls apply", "rolls back if it does not come back", how)
		if strings.Contains(out, "systemctl restart docker") {
			t.Errorf("%s says systemctl, not apply:\n%s", r.args[0], r)
		}
	}
}

// TestClientAddSaysNoRestart: adding a member whose anchor dockerd already
// trusts says that no restart is needed, in the command as in the wizard.
func TestClientAddSaysNoRestart(t *testing.T) {
	root := initRoot(t)
	r := mustRun(t, 0, "client", "add", "carol", "--root", root)
	wantContains(t, "client add carol", strings.Join(strings.Fields(r.stdout), " "), "No restart needed")
}
