package say

import (
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/setup"
)

// restartWords is what every step that restarts Docker says, whatever the
// action: how (apply, which probes and rolls back), and what happens to
// running containers.
var restartWords = []string{"docker-tls apply", "rolls back", "asks before stopping running containers"}

// TestRestartSaidAlike: every action that needs Docker to restart says so
// in the same words, with docker-tls apply; adding a member whose anchor
// Docker already trusts says no restart is needed.
func TestRestartSaidAlike(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *setup.Prepared
	}{
		{"init", initPrepared("")},
		{"renew", &setup.Prepared{Restart: setup.RestartServer}},
		{"remove", &setup.Prepared{Restart: setup.RestartRemoval, Removal: &setup.Removal{Name: "bob"}}},
		{"finalize", &setup.Prepared{Restart: setup.RestartFinalize}},
		{"add, new anchors", &setup.Prepared{Restart: setup.RestartAnchors,
			Member: &setup.Member{Name: "bob", FQDN: "docker1", Endpoint: "tcp://docker1:2376", Restart: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var restarts []Step
			for _, s := range NextSteps(tc.p) {
				if s.Restart {
					restarts = append(restarts, s)
				}
			}
			if len(restarts) != 1 {
				t.Fatalf("want one restart step, got %+v", restarts)
			}
			s := restarts[0]
			line := s.Text + "\n" + strings.Join(s.Commands, "\n")
			for _, w := range restartWords {
				if !strings.Contains(line, w) {
					t.Errorf("restart step lacks %q:\n%s", w, line)
				}
			}
			if strings.Contains(line, "systemctl") {
				t.Errorf("restart step says systemctl, not apply:\n%s", line)
			}
		})
	}
	p := &setup.Prepared{Member: &setup.Member{Name: "bob", FQDN: "docker1", Endpoint: "tcp://docker1:2376"}}
	steps := NextSteps(p)
	if len(steps) == 0 || !strings.Contains(steps[0].Text, "No restart needed") || steps[0].Restart {
		t.Errorf("adding a member Docker already trusts: %+v", steps)
	}
}
