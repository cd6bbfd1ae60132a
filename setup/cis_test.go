package setup

import (
	"os"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/render"
)

// cisOf returns the findings (or advice) about a CIS item.
func cisOf(fs []Finding, item string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.CIS == item {
			out = append(out, f)
		}
	}
	return out
}

// TestStatusCISFiles: each file check of the benchmark that fails is a
// problem naming its item and the fix; a mode within the benchmark's
// (0440 for a certificate, 0600 for daemon.json) is none, except for the
// server key, which must be 0400 exactly.
func TestStatusCISFiles(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	writeFile(t, h.Root(), render.DefaultDockerPath, "DOCKER_OPTS=\"--log-level=warn\"\n", 0o644)
	writeFile(t, h.Root(), render.SysconfigDockerPath, "OPTIONS=\"\"\n", 0o644)
	if r := h.Status(StatusInput{WarnDays: 30}); !r.Healthy {
		t.Fatalf("findings after init: %q", r.Findings)
	}
	for _, tc := range []struct {
		item string
		path string
		mode os.FileMode
		gid  int
		want string // "" for no finding
	}{
		{"3.9", MembersPath, 0o444, 1000, MembersPath + " is owned by 0:1000; the benchmark asks root:root: chown root:root " + h.Path(MembersPath)},
		{"3.10", MembersPath, 0o644, 0, MembersPath + " is 0644; the benchmark asks 0444 or stricter: chmod 444 " + h.Path(MembersPath)},
		{"3.10", MembersPath, 0o440, 0, ""},
		{"3.11", ServerCert, 0o444, 1000, ServerCert + " is owned by 0:1000"},
		{"3.12", ServerCert, 0o644, 0, ServerCert + " is 0644; the benchmark asks 0444 or stricter"},
		{"3.12", ServerCert, 0o400, 0, ""},
		{"3.13", ServerKey, 0o400, 1000, ServerKey + " is owned by 0:1000"},
		{"3.14", ServerKey, 0o600, 0, ServerKey + " is 0600; the benchmark asks 0400: chmod 400 " + h.Path(ServerKey)},
		{"3.14", ServerKey, 0o440, 0, ServerKey + " is 0440; the benchmark asks 0400"},
		{"3.17", render.DaemonJSONPath, 0o644, 1000, render.DaemonJSONPath + " is owned by 0:1000"},
		{"3.18", render.DaemonJSONPath, 0o664, 0, render.DaemonJSONPath + " is 0664; the benchmark asks 0644 or stricter: chmod 644 "},
		{"3.18", render.DaemonJSONPath, 0o600, 0, ""},
		{"3.18", render.DaemonJSONPath, os.ModeSetuid | 0o644, 0, render.DaemonJSONPath + " is 4644"}, // "stat -c %a" says 4644
		{"3.19", render.DefaultDockerPath, 0o644, 1000, render.DefaultDockerPath + " is owned by 0:1000"},
		{"3.20", render.DefaultDockerPath, 0o666, 0, render.DefaultDockerPath + " is 0666; the benchmark asks 0644 or stricter"},
		{"3.21", render.SysconfigDockerPath, 0o646, 0, render.SysconfigDockerPath + " is 0646; the benchmark asks 0644 or stricter"},
		{"3.22", render.SysconfigDockerPath, 0o644, 1000, render.SysconfigDockerPath + " is owned by 0:1000"},
	} {
		t.Run(tc.item, func(t *testing.T) {
			p := h.Path(tc.path)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(p, 0, tc.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tc.mode); err != nil {
				t.Fatal(err)
			}
			defer func() {
				os.Chown(p, 0, 0)
				os.Chmod(p, fi.Mode().Perm())
			}()
			r := h.Status(StatusInput{WarnDays: 30})
			got := cisOf(r.Findings, tc.item)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("mode %04o: a finding %q", tc.mode, got)
			case tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0].Message, tc.want)):
				t.Errorf("mode %04o, group %d: findings %q, want one beginning %q", tc.mode, tc.gid, got, tc.want)
			case tc.want != "" && r.Healthy:
				t.Error("a failed CIS item leaves the report healthy")
			}
		})
	}
}

// TestStatusCISCACert: with CA-wide trust, tlscacert is ca.pem, and the
// items are about it.
func TestStatusCISCACert(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput(func(in *InitInput) { in.Trust = "ca" }))
	if err := os.Chmod(h.Path(ServerCA), 0o644); err != nil {
		t.Fatal(err)
	}
	got := cisOf(h.Status(StatusInput{}).Findings, "3.10")
	if len(got) != 1 || !strings.HasPrefix(got[0].Message, ServerCA+" is 0644") {
		t.Errorf("findings about CIS 3.10: %q", got)
	}
}

// TestStatusAdvice: hosts spread over lines (CIS 2.7, for line-based
// audits) and live-restore off (CIS 2.15, judged from daemon.json when
// dockerd does not answer) are advice: the report stays healthy.
func TestStatusAdvice(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	cfg, _, err := h.read(render.DaemonJSONPath)
	if err != nil {
		t.Fatal(err)
	}
	r := h.Status(StatusInput{})
	if !r.Healthy || len(cisOf(r.Advice, "2.7")) != 0 || len(cisOf(r.Advice, "2.15")) != 1 {
		t.Fatalf("after init: healthy %v, advice %q", r.Healthy, r.Advice)
	}
	if a := cisOf(r.Advice, "2.15")[0]; !strings.Contains(a.Message, "live-restore is off in /etc/docker/daemon.json (dockerd did not answer)") {
		t.Errorf("advice %q", a)
	}

	spread := strings.Replace(string(cfg), `"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]`,
		"\"hosts\": [\n    \"unix:///var/run/docker.sock\",\n    \"tcp://0.0.0.0:2376\"\n  ],\n  \"live-restore\": true", 1)
	if spread == string(cfg) {
		t.Fatalf("daemon.json has no one-line hosts:\n%s", cfg)
	}
	writeFile(t, h.Root(), render.DaemonJSONPath, spread, 0o644)
	r = h.Status(StatusInput{})
	if !r.Healthy || len(cisOf(r.Advice, "2.15")) != 0 || len(cisOf(r.Advice, "2.7")) != 1 ||
		!strings.Contains(cisOf(r.Advice, "2.7")[0].Message, "spreads \"hosts\" over several lines") {
		t.Errorf("hosts spread, live-restore on: healthy %v, findings %q, advice %q", r.Healthy, r.Findings, r.Advice)
	}
}
