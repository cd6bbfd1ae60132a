package say

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/setup"
)

func initPrepared(root string) *setup.Prepared {
	return &setup.Prepared{
		Outline: setup.Outline{
			Members: []setup.MemberOutline{{Name: "alice", New: true, NotAfter: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)}},
			Trust:   &setup.TrustOutline{Switching: true, Anchors: 17, Members: 1, Free: 16},
		},
		Restart: setup.RestartConfig, Root: root, Endpoint: "tcp://docker1:2376",
	}
}

// TestRestartStepsAreMarked: the step that restarts Docker is marked, so
// that a front end that has just applied can leave it out; no other is.
func TestRestartStepsAreMarked(t *testing.T) {
	var marked []string
	for _, s := range NextSteps(initPrepared("")) {
		if s.Restart {
			marked = append(marked, s.Commands...)
		}
	}
	if !slices.Equal(marked, []string{"docker-tls apply"}) {
		t.Errorf("restart steps of init: %q", marked)
	}
	for _, r := range []setup.Restart{setup.RestartServer, setup.RestartRemoval, setup.RestartFinalize} {
		steps := NextSteps(&setup.Prepared{Restart: r, Removal: &setup.Removal{Name: "bob"}})
		if len(steps) != 1 || !steps[0].Restart {
			t.Errorf("Restart %v: steps %+v, want one marked restart", r, steps)
		}
	}
	if steps := NextSteps(&setup.Prepared{}); len(steps) != 0 {
		t.Errorf("nothing waits for a restart, yet steps %+v", steps)
	}
}

// TestStepsCarryTheRoot: under --root, the printed commands act on the
// same files, not on the host's.
func TestStepsCarryTheRoot(t *testing.T) {
	steps := NextSteps(initPrepared("/srv/root"))
	if !strings.Contains(steps[0].Text, "Copy the files under /srv/root to /") {
		t.Errorf("restart step: %q", steps[0].Text)
	}
	if got := steps[2].Commands[0]; got != "docker-tls client archive alice alice.tar.gz --root /srv/root" {
		t.Errorf("archive command: %q", got)
	}
	if last := steps[len(steps)-1]; last.Commands[0] != "docker-tls trust finalize --root /srv/root" {
		t.Errorf("a switch ends with finalize, got %+v", last)
	}
	m := &setup.Member{Name: "bob", FQDN: "docker1", Endpoint: "tcp://docker1:2376", Dir: "/etc/docker/tls/clients/bob", Root: "/srv/root", Restart: true}
	h := Handover(m, "")
	if !h[0].Restart || !strings.Contains(h[0].Text, "bob can connect once Docker restarts") {
		t.Errorf("a member who needs new anchors is told to restart first: %+v", h[0])
	}
	if h[1].Commands[0] != "docker-tls client archive bob bob.tar.gz --root /srv/root" {
		t.Errorf("handover archive command: %q", h[1].Commands[0])
	}
}

// TestSummaryWordsTheOutline: the lines both front ends show, from the
// engine's data.
func TestSummaryWordsTheOutline(t *testing.T) {
	end := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	p := &setup.Prepared{Outline: setup.Outline{
		Members: []setup.MemberOutline{{Name: "carol", New: true, NotAfter: end, FromRequest: true, Slot: 3}},
		Trust:   &setup.TrustOutline{Full: true, Added: 16, Anchors: 33},
	}}
	want := []string{
		"Client    carol: new, from their request (their key stays with them), until 2027-01-02, under member anchor 3",
		"Trust     no free slot was left: 16 new anchors (33 in all), which dockerd trusts once restarted",
	}
	if got := Summary(p); !slices.Equal(got, want) {
		t.Errorf("Summary =\n%q\nwant\n%q", got, want)
	}
	if got := TrustLine(p); got != "no free slot was left: 16 new anchors (33 in all), which dockerd trusts once restarted" {
		t.Errorf("TrustLine = %q", got)
	}
	p.Outline.Trust, p.Outline.Members[0].Trusted = nil, true
	if got := Summary(p)[0]; !strings.HasSuffix(got, "(dockerd already trusts it: no restart)") {
		t.Errorf("a member in a free slot: %q", got)
	}
	if TrustLine(p) != "" {
		t.Error("TrustLine without a trust change must be empty")
	}
}

func TestWithRoot(t *testing.T) {
	in := `Run "docker-tls renew" once; "docker-tls client add NAME --force"; ask them: "docker-tls request --host H --name N"; "docker-tls status --root /x"`
	want := `Run "docker-tls renew --root /srv/sb" once; "docker-tls client add NAME --force --root /srv/sb"; ask them: "docker-tls request --host H --name N"; "docker-tls status --root /x"`
	if got := WithRoot(in, "/srv/sb"); got != want {
		t.Errorf("WithRoot:\n got %s\nwant %s", got, want)
	}
	if got := WithRoot(in, "/"); got != in {
		t.Errorf("WithRoot with / changed the text: %s", got)
	}
}
