package setup

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/docker-tls/docker-tls/hostfs"
	"github.com/docker-tls/docker-tls/render"
)

// TestJoinLastRun: turning live-restore on after a run writes daemon.json
// again; the record of that run must still roll back as one, to what was
// there before both (not refuse because daemon.json changed since).
func TestJoinLastRun(t *testing.T) {
	root := t.TempDir()
	h := New(root)
	write := func(files ...render.File) *render.Result {
		t.Helper()
		c, err := render.Build(hostfs.New(root), files, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Apply(nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	daemon := func(s string) render.File {
		return render.File{Path: render.DaemonJSONPath, Data: []byte(s), Mode: 0o644}
	}
	if err := os.MkdirAll(filepath.Join(root, "etc/docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/docker/daemon.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run: daemon.json and a member file.
	run := write(daemon(`{"tls": true}`+"\n"), render.File{Path: MembersPath, Data: []byte("anchors\n"), Mode: 0o644})
	if err := h.journal().SaveRecord(h.root, run); err != nil {
		t.Fatal(err)
	}
	// Then live-restore: daemon.json again, and (say) a file of its own.
	lr := write(daemon(`{"tls": true, "live-restore": true}`+"\n"), render.File{Path: AnchorsPath, Data: []byte("x\n"), Mode: 0o600})
	if err := h.joinLastRun(lr); err != nil {
		t.Fatal(err)
	}
	rec, err := h.loadLastRun()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.rollbackRun(rec); err != nil {
		t.Fatalf("rollback of the joined record: %v", err)
	}
	for p, want := range map[string]string{"etc/docker/daemon.json": "{}\n"} {
		if b, _ := os.ReadFile(filepath.Join(root, p)); string(b) != want {
			t.Errorf("%s = %q after the rollback, want %q", p, b, want)
		}
	}
	for _, p := range []string{"etc/docker/tls/members.pem", "etc/docker/tls/ca/anchors.pem"} {
		if _, err := os.Stat(filepath.Join(root, p)); !os.IsNotExist(err) {
			t.Errorf("%s survived the rollback", p)
		}
	}
}

// TestRestartImpact: what /info says, and what a restart would do.
func TestRestartImpact(t *testing.T) {
	for _, tt := range []struct {
		name       string
		body       string
		stops, can bool
	}{
		{"okNothingRuns", `{"ContainersRunning": 0, "LiveRestoreEnabled": false, "Swarm": {"LocalNodeState": "inactive"}}`, false, true},
		{"stopsWithoutLiveRestore", `{"ContainersRunning": 2, "LiveRestoreEnabled": false, "Swarm": {"LocalNodeState": "inactive"}}`, true, true},
		{"okLiveRestoreOn", `{"ContainersRunning": 2, "LiveRestoreEnabled": true, "Swarm": {"LocalNodeState": ""}}`, false, true},
		{"swarmCannotKeep", `{"ContainersRunning": 3, "LiveRestoreEnabled": false, "Swarm": {"LocalNodeState": "active"}}`, true, false},
		{"swarmLocked", `{"ContainersRunning": 1, "Swarm": {"LocalNodeState": "locked"}}`, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var in info
			if err := json.Unmarshal([]byte(tt.body), &in); err != nil {
				t.Fatal(err)
			}
			r := &RestartImpact{}
			r.read(&in)
			if r.StopsContainers() != tt.stops || r.CanKeepContainers() != tt.can {
				t.Errorf("stops %v (want %v), can keep %v (want %v)", r.StopsContainers(), tt.stops, r.CanKeepContainers(), tt.can)
			}
		})
	}
	// live-restore in daemon.json on a swarm node: dockerd would not start.
	if err := (&RestartImpact{Reached: true, Swarm: true, Configured: true}).Refused(); err == nil || !errors.Is(err, ErrSwarm) {
		t.Errorf("Refused = %v", err)
	}
	if err := (&RestartImpact{Reached: true, Swarm: true}).Refused(); err != nil {
		t.Errorf("Refused without live-restore = %v", err)
	}
	if (&RestartImpact{Running: 5}).StopsContainers() {
		t.Error("a daemon that did not answer stops nothing we know of")
	}
}
