package main

// The CIS Docker Benchmark's checks of the daemon's TLS and its files, run
// the way docker-bench-security runs them (tests/2_docker_daemon_configuration.sh,
// tests/3_docker_daemon_configuration_files.sh and helper_lib.sh of
// docker/docker-bench-security @ ff26d67): grep, sed and tr read
// daemon.json line by line, "stat -c %u%g" must be 00 and "stat -c %a" is
// compared as a number. They judge the files init, renew, client add and
// apply's rollback leave behind.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/setup"
)

// cisScript audits the root $1 and prints one line per item: "2.7 PASS",
// "3.14 FAIL", ... or "3.19 NONE" for a file that is not there (the
// benchmark's INFO). Each item runs the commands docker-bench-security runs
// for it; the paths in daemon.json are real paths, read under the root.
const cisScript = `root=$1
cfg=$root/etc/docker/daemon.json
[ -f "$cfg" ] || cfg=/dev/null
arg() { cat "$cfg" | tr , '\n' | grep "$1" | sed 's/.*://g' | tr -d '" ,'; } # without jq (see render.LineAudit)
owner() { # item file: 3.9, 3.11 and 3.13 compare uid and gid as a number
  if [ ! -f "$2" ]; then echo "$1 NONE"
  elif [ "$(stat -c %u%g "$2")" -eq 00 ]; then echo "$1 PASS"
  else echo "$1 FAIL"; fi
}
names() { # item file: 3.17, 3.19 and 3.22 compare the names
  if [ ! -f "$2" ]; then echo "$1 NONE"
  elif [ "$(stat -c %U:%G "$2")" = root:root ]; then echo "$1 PASS"
  else echo "$1 FAIL"; fi
}
mode() { # item file test value
  if [ ! -f "$2" ]; then echo "$1 NONE"
  elif [ "$(stat -c %a "$2")" "$3" "$4" ]; then echo "$1 PASS"
  else echo "$1 FAIL"; fi
}
if grep -qE "host.*tcp://" "$cfg"; then
  if [ "$(arg '"tlsverify":' | grep 'true')" ]; then echo "2.7 PASS"; else echo "2.7 FAIL"; fi
else
  echo "2.7 NONE" # "Docker daemon not listening on TCP"
fi
ca=$(arg tlscacert); cert=$(arg tlscert); key=$(arg tlskey)
owner 3.9 "${ca:+$root$ca}";    mode 3.10 "${ca:+$root$ca}" -le 444
owner 3.11 "${cert:+$root$cert}"; mode 3.12 "${cert:+$root$cert}" -le 444
owner 3.13 "${key:+$root$key}";  mode 3.14 "${key:+$root$key}" -eq 400
names 3.17 "$root/etc/docker/daemon.json"; mode 3.18 "$root/etc/docker/daemon.json" -le 644
names 3.19 "$root/etc/default/docker"; mode 3.20 "$root/etc/default/docker" -le 644
mode 3.21 "$root/etc/sysconfig/docker" -le 644; names 3.22 "$root/etc/sysconfig/docker"
`

// cisTools are the commands the audit runs.
var cisTools = []string{"bash", "grep", "sed", "tr", "stat"}

// needCISTools skips without the audit's commands, and fails when
// DOCKER_TLS_E2E=1.
func needCISTools(t *testing.T) {
	t.Helper()
	for _, tool := range cisTools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("DOCKER_TLS_E2E") == "1" {
				t.Fatalf("DOCKER_TLS_E2E=1 but %s is not installed: the CIS audit cannot run", tool)
			}
			t.Skipf("%s is not installed: the CIS audit cannot run", tool)
		}
	}
}

// cisAudit runs the audit on root and returns each item's verdict.
func cisAudit(t *testing.T, root string) map[string]string {
	t.Helper()
	needCISTools(t)
	out, err := exec.Command("bash", "-c", cisScript, "cis", root).CombinedOutput()
	if err != nil {
		t.Fatalf("the CIS audit: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		item, verdict, _ := strings.Cut(l, " ")
		got[item] = verdict
	}
	return got
}

// cisItems are the items docker-tls satisfies on every host it sets up;
// the environment files' items apply where those files exist.
var cisItems = []string{"2.7", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.17", "3.18"}

// wantCISPass audits root and checks every item of cisItems (one subtest
// each) and of extra, and that no item fails.
func wantCISPass(t *testing.T, root string, extra ...string) {
	t.Helper()
	got := cisAudit(t, root)
	for _, item := range append(append([]string{}, cisItems...), extra...) {
		t.Run("CIS "+item, func(t *testing.T) {
			if got[item] != "PASS" {
				t.Errorf("CIS %s: %s (want PASS)", item, got[item])
			}
		})
	}
	for item, verdict := range got {
		if verdict == "FAIL" {
			t.Errorf("CIS %s fails", item)
		}
	}
}

// statModes is "stat -c %a %u:%g" of each file, by path under root.
func statModes(t *testing.T, root string, rels ...string) map[string]string {
	t.Helper()
	needCISTools(t)
	args := []string{"-c", "%a %u:%g"}
	for _, r := range rels {
		args = append(args, filepath.Join(root, r))
	}
	out, err := exec.Command("stat", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("stat: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	got := map[string]string{}
	for i, r := range rels {
		got[r] = lines[i]
	}
	return got
}

// wantLayoutModes checks, with stat, the modes of the layout: what dockerd
// reads and the CA side's copies read-only (certificates 444, keys 400),
// the member bundles as their users need them (certificates 644, key 600),
// all root:root.
func wantLayoutModes(t *testing.T, root string, members ...string) {
	t.Helper()
	want := map[string]string{
		"etc/docker/tls/ca.pem":          "444 0:0",
		"etc/docker/tls/server-cert.pem": "444 0:0",
		"etc/docker/tls/server-key.pem":  "400 0:0",
		"etc/docker/tls/ca/ca.pem":       "444 0:0",
		"etc/docker/tls/ca/ca-key.pem":   "400 0:0",
		"etc/docker/tls/ca/issued.json":  "644 0:0",
	}
	if _, err := os.Stat(filepath.Join(root, "etc/docker/tls/ca/anchors.pem")); err == nil {
		want["etc/docker/tls/members.pem"] = "444 0:0"
		want["etc/docker/tls/ca/anchors.pem"] = "400 0:0"
	}
	for _, m := range members {
		want["etc/docker/tls/clients/"+m+"/ca.pem"] = "644 0:0"
		want["etc/docker/tls/clients/"+m+"/cert.pem"] = "644 0:0"
		want["etc/docker/tls/clients/"+m+"/key.pem"] = "600 0:0"
	}
	var rels []string
	for r := range want {
		rels = append(rels, r)
	}
	for r, got := range statModes(t, root, rels...) {
		if got != want[r] {
			t.Errorf("stat %s: %s, want %s", r, got, want[r])
		}
	}
}

// TestCISAfterInit: a new setup passes, with per-member trust (tlscacert is
// members.pem) and with CA-wide trust (ca.pem).
func TestCISAfterInit(t *testing.T) {
	t.Run("member", func(t *testing.T) {
		root := initRoot(t, "--client", "alice")
		wantCISPass(t, root)
		wantLayoutModes(t, root, "alice")
	})
	t.Run("ca", func(t *testing.T) {
		root := initRoot(t, "--client", "alice", "--trust", "ca")
		wantCISPass(t, root)
		wantLayoutModes(t, root, "alice")
	})
}

// TestCISAfterRenew: the renewed server certificate and key, and their
// backups, keep the modes.
func TestCISAfterRenew(t *testing.T) {
	root := initRoot(t)
	mustRun(t, 0, "renew", "--root", root, "--yes")
	wantCISPass(t, root)
	wantLayoutModes(t, root, "client")
	for _, rel := range []string{"etc/docker/tls/server-cert.pem", "etc/docker/tls/server-key.pem"} {
		bs := backups(t, root, rel)
		if len(bs) != 1 {
			t.Fatalf("%s: backups %q", rel, bs)
		}
		b, _ := filepath.Rel(root, bs[0])
		want := map[bool]string{true: "400 0:0", false: "444 0:0"}[strings.HasSuffix(rel, "key.pem")]
		if got := statModes(t, root, b)[b]; got != want {
			t.Errorf("stat %s: %s, want %s", b, got, want)
		}
	}
}

// TestCISAfterClientAdd: a member added under a free slot, then one that
// needs a new batch of anchors (members.pem and anchors.pem rewritten).
func TestCISAfterClientAdd(t *testing.T) {
	root := initRoot(t, "--client", "alice", "--slots", "1")
	members0 := readRootFile(t, root, "etc/docker/tls/members.pem")
	mustRun(t, 0, "client", "add", "bob", "--root", root)
	mustRun(t, 0, "client", "add", "carol", "--root", root)
	if bytes.Equal(members0, readRootFile(t, root, "etc/docker/tls/members.pem")) {
		t.Fatal("carol's client add did not rewrite members.pem: the test needs it to")
	}
	wantCISPass(t, root)
	wantLayoutModes(t, root, "alice", "bob", "carol")
}

// TestCISAfterRollback: apply restarts Docker with a renewed server
// certificate, the restart fails, and apply's rollback puts the previous
// files back from their backups, modes included.
func TestCISAfterRollback(t *testing.T) {
	root := initRoot(t)
	dir := t.TempDir()
	// systemctl: the first restart fails (dockerd does not come back),
	// the one after the rollback succeeds.
	script := "#!/bin/sh\nif [ \"$1\" = restart ] && [ ! -e " + dir + "/failed ]; then touch " + dir + "/failed; echo 'Job for docker.service failed' >&2; exit 1; fi\nexit 0\n"
	systemctl := filepath.Join(dir, "systemctl")
	if err := os.WriteFile(systemctl, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(setup.SystemctlEnv, systemctl)
	key0 := readRootFile(t, root, "etc/docker/tls/server-key.pem")
	mustRun(t, 0, "renew", "--root", root, "--yes")
	r := runCLI(t, "", "apply", "--root", root, "--stop-containers")
	if r.code != 1 || !strings.Contains(r.stderr, "the previous files were restored") {
		t.Fatalf("apply did not roll back:\n%s", r)
	}
	if !bytes.Equal(key0, readRootFile(t, root, "etc/docker/tls/server-key.pem")) {
		t.Fatal("the server key was not rolled back")
	}
	wantCISPass(t, root)
	wantLayoutModes(t, root, "client")
}

// TestCISInitFixesOldModes: a setup made when docker-tls wrote certificates
// 0644 and keys 0600, with hosts one entry per line, passes after init runs
// again with the same answers: each file gets its mode (the contents stay),
// the mode changes are shown, and hosts goes on one line.
func TestCISInitFixesOldModes(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	old := map[string]os.FileMode{
		"etc/docker/tls/ca.pem": 0o644, "etc/docker/tls/members.pem": 0o644, "etc/docker/tls/server-cert.pem": 0o644,
		"etc/docker/tls/server-key.pem": 0o600, "etc/docker/tls/ca/ca.pem": 0o644, "etc/docker/tls/ca/ca-key.pem": 0o600,
		"etc/docker/tls/ca/anchors.pem": 0o600,
	}
	for rel, mode := range old {
		if err := os.Chmod(filepath.Join(root, rel), mode); err != nil {
			t.Fatal(err)
		}
	}
	cfg := bytes.Replace(readRootFile(t, root, "etc/docker/daemon.json"),
		[]byte(`"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]`),
		[]byte("\"hosts\": [\n    \"unix:///var/run/docker.sock\",\n    \"tcp://0.0.0.0:2376\"\n  ]"), 1)
	writeRootFile(t, root, "etc/docker/daemon.json", cfg, 0o644)
	got := cisAudit(t, root)
	for _, item := range []string{"3.10", "3.12", "3.14"} {
		if got[item] != "FAIL" {
			t.Errorf("with the old modes, CIS %s: %s (want FAIL)", item, got[item])
		}
	}
	if got["2.7"] != "NONE" {
		t.Errorf("with hosts on several lines, CIS 2.7: %s (want NONE, not listening on TCP)", got["2.7"])
	}
	r := mustRun(t, 1, "status", "--root", root)
	wantContains(t, "status", r.stdout,
		"CIS 3.10: /etc/docker/tls/members.pem is 0644; the benchmark asks 0444 or stricter",
		"CIS 3.12: /etc/docker/tls/server-cert.pem is 0644",
		"CIS 3.14: /etc/docker/tls/server-key.pem is 0600; the benchmark asks 0400",
		"CIS 2.7: /etc/docker/daemon.json spreads \"hosts\" over several lines")

	contents := map[string][]byte{}
	for rel := range old {
		contents[rel] = readRootFile(t, root, rel)
	}
	r = mustRun(t, 0, initArgs(root, "--client", "alice", "--yes")...)
	wantContains(t, "init", r.stdout,
		"/etc/docker/tls/server-key.pem: mode changes from 0600 to 0400 (contents unchanged)",
		"/etc/docker/tls/ca/ca-key.pem: mode changes from 0600 to 0400 (contents unchanged)",
		"/etc/docker/tls/members.pem: mode changes from 0644 to 0444 (contents unchanged)",
		`+  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]`)
	for rel, b := range contents {
		if !bytes.Equal(b, readRootFile(t, root, rel)) {
			t.Errorf("%s changed: a mode fix keeps the contents", rel)
		}
	}
	wantCISPass(t, root)
	wantLayoutModes(t, root, "alice")
	mustRun(t, 0, "status", "--root", root)
	r = mustRun(t, 0, initArgs(root, "--client", "alice", "--yes")...)
	wantContains(t, "init", r.stdout, "Nothing to change")
}

// TestCISEnvironmentFiles: the environment files init takes -H and --tls*
// flags out of stay root:root and 0644 or stricter (CIS 3.19 to 3.22): a
// stricter mode is kept, a looser one narrowed.
func TestCISEnvironmentFiles(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	for _, tc := range []struct {
		name, unit, file, options string
		mode                      os.FileMode
		want                      string
		items                     []string
	}{
		{"debian", "/lib/systemd/system/docker.service", "etc/default/docker", "DOCKER_OPTS", 0o640, "640 0:0", []string{"3.19", "3.20"}},
		{"debianLoose", "/lib/systemd/system/docker.service", "etc/default/docker", "DOCKER_OPTS", 0o666, "644 0:0", []string{"3.19", "3.20"}},
		{"redhat", "/usr/lib/systemd/system/docker.service", "etc/sysconfig/docker", "OPTIONS", 0o664, "644 0:0", []string{"3.21", "3.22"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			unit := "[Service]\nType=notify\nEnvironmentFile=-/" + tc.file + "\nExecStart=/usr/bin/dockerd $" + tc.options + "\n"
			writeRootFile(t, root, tc.unit, []byte(unit), 0o644)
			writeRootFile(t, root, tc.file, []byte(tc.options+"=\"-H tcp://0.0.0.0:2375 --log-level=warn\"\n"), tc.mode)
			mustRun(t, 0, initArgs(root, "--yes")...)
			if b := readRootFile(t, root, tc.file); bytes.Contains(b, []byte("2375")) || !bytes.Contains(b, []byte("--log-level=warn")) {
				t.Fatalf("%s was not edited as expected:\n%s", tc.file, b)
			}
			if got := statModes(t, root, tc.file)[tc.file]; got != tc.want {
				t.Errorf("stat %s: %s, want %s", tc.file, got, tc.want)
			}
			wantCISPass(t, root, tc.items...)
		})
	}
}

// TestStatusJSONNamesItems: status --json gives each problem and each piece
// of advice as an object with its benchmark item and its message; advice
// alone leaves the exit code 0.
func TestStatusJSONNamesItems(t *testing.T) {
	root := initRoot(t)
	decode := func(r cliResult) (findings, advice []map[string]string) {
		t.Helper()
		var rep struct {
			Findings []map[string]string `json:"findings"`
			Advice   []map[string]string `json:"advice"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("status --json: %v\n%s", err, r)
		}
		return rep.Findings, rep.Advice
	}
	findings, advice := decode(mustRun(t, 0, "status", "--json", "--root", root))
	if len(findings) != 0 || len(advice) != 1 || advice[0]["cis"] != "2.15" || !strings.HasPrefix(advice[0]["message"], "live-restore is off") {
		t.Errorf("after init: findings %q, advice %q", findings, advice)
	}
	if err := os.Chmod(filepath.Join(root, "etc/docker/tls/server-key.pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	findings, _ = decode(mustRun(t, 1, "status", "--json", "--root", root))
	if len(findings) != 1 || findings[0]["cis"] != "3.14" || !strings.HasPrefix(findings[0]["message"], "/etc/docker/tls/server-key.pem is 0600; the benchmark asks 0400") {
		t.Errorf("server key 0600: findings %q", findings)
	}
}
