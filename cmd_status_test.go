package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/setup"
)

// TestStatusMetrics: status --metrics FILE writes the metrics whatever it
// finds (a problem too: the exit code says so), and nothing else changes.
func TestStatusMetrics(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	file := filepath.Join(t.TempDir(), "docker_tls.prom")
	r := mustRun(t, 0, "status", "--root", root, "--metrics", file)
	wantContains(t, "stdout", r.stdout, "No problems found.")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`docker_tls_cert_not_after_timestamp_seconds{kind="server",name="docker.example.com"} `,
		`docker_tls_cert_not_after_timestamp_seconds{kind="client",name="alice"} `,
		"docker_tls_problems 0\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q:\n%s", want, b)
		}
	}
	if err := os.Chmod(filepath.Join(root, "etc/docker/tls/server-key.pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, 1, "status", "--root", root, "--metrics", file)
	if b, _ := os.ReadFile(file); strings.Contains(string(b), "docker_tls_problems 0\n") {
		t.Errorf("a problem not counted:\n%s", b)
	}
	r = mustRun(t, 1, "status", "--root", root, "--metrics", filepath.Join(t.TempDir(), "missing", "x.prom"))
	wantContains(t, "stdout", r.stdout, "Problems:")
	wantContains(t, "stderr", r.stderr, "metrics: open ")
}

// TestStatusWordsServedFindings: the findings about what dockerd serves
// come as facts; status words them.
func TestStatusWordsServedFindings(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	fs := []setup.Finding{
		{Code: setup.RestartPending, Served: d("2026-12-10"), File: d("2027-12-07")},
		{Code: setup.StillTrusted, Member: "bob", RemovedAt: d("2026-12-07")},
		{Code: setup.SANDrift, Address: "10.0.0.7"},
		{Message: "as it was"},
	}
	wordFindings(fs)
	for i, want := range []string{
		"dockerd serves the certificate that ends 2026-12-10, the file ends 2027-12-07: restart pending",
		"dockerd still trusts bob's anchor (removed 2026-12-07): bob still gets in until Docker restarts",
		"members who connect by 10.0.0.7 will be refused: renew --san-ip 10.0.0.7",
		"as it was",
	} {
		if !strings.HasPrefix(fs[i].Message, want) {
			t.Errorf("finding %d: %q, want %q", i, fs[i].Message, want)
		}
	}
}

// TestE2EStatusProbeSeesWhatDockerdServes: with a real dockerd, the files
// renewed and a member removed without a restart, status --probe says the
// restart is pending, names the member who still gets in, and the metric
// says 1; after apply (a restart) all is clean again.
func TestE2EStatusProbeSeesWhatDockerdServes(t *testing.T) {
	m := newMemberHost(t, "--client", "alice", "--client", "bob")
	metrics := filepath.Join(t.TempDir(), "docker_tls.prom")
	status := func() cmdResult {
		t.Helper()
		return dockerTLS(t, nil, "status", "--probe", "--root", m.root, "--metrics", metrics)
	}
	metric := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(metrics)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, name+" "); ok {
				return v
			}
		}
		return ""
	}
	if r := status(); r.code != 0 || metric("docker_tls_restart_pending") != "0" {
		t.Fatalf("status --probe after apply:\n%s", r)
	}
	pid := m.pid()
	mustDockerTLS(t, "renew", "--root", m.root, "--yes")
	mustDockerTLS(t, "client", "remove", "bob", "--root", m.root, "--yes")
	r := status()
	if r.code != 1 || metric("docker_tls_restart_pending") != "1" {
		t.Errorf("status --probe with a restart pending: exit %d, metric %q:\n%s", r.code, metric("docker_tls_restart_pending"), r)
	}
	wantContains(t, "status --probe", r.stdout, "dockerd serves the certificate that ends ", ": restart pending",
		"dockerd still trusts bob's anchor (removed ", "bob still gets in until Docker restarts",
		"Probe: TLS handshake with the client bundle and GET /_ping succeeded.")
	if m.pid() != pid {
		t.Error("status or renew restarted dockerd")
	}
	m.apply(t)
	if r := status(); r.code != 0 || metric("docker_tls_restart_pending") != "0" || strings.Contains(r.stdout, "restart pending") {
		t.Errorf("status --probe after apply:\n%s", r)
	}
}
