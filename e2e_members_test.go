package main

// End to end tests of per-member trust with a real dockerd, the docker CLI
// and curl (see e2e_test.go for the harness): members added while dockerd
// runs get in without a restart; one removed member is refused after a
// restart while the others get in with byte-identical files; a certificate
// the root signed directly is refused; a handshake at the anchor cap; the
// switch of a CA-wide setup; and live-restore before a restart.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// memberHost is a sandbox root set up with init and a dockerd started by
// `docker-tls apply` through the stand-in systemctl, so that later applies
// restart it.
type memberHost struct {
	root, dir, addr, host, ping, cfg, version string
}

func newMemberHost(t *testing.T, initArgs ...string) *memberHost {
	t.Helper()
	tools := e2eTools(t, "dockerd", "docker", "curl")
	m := &memberHost{root: fixtureRoot(t), dir: stateDir(t), cfg: t.TempDir()}
	installFakeSystemd(t, m.root, m.dir)
	t.Cleanup(func() {
		stopDockerd(m.dir)
		if t.Failed() {
			dumpDaemonLogs(t, m.dir)
		}
	})
	port := freePort(t)
	m.addr = fmt.Sprintf("127.0.0.1:%d", port)
	m.host = fmt.Sprintf("tcp://localhost:%d", port)
	m.ping = fmt.Sprintf("https://localhost:%d/_ping", port)
	m.version = dockerdVersion(t, tools["dockerd"])
	mustDockerTLS(t, append([]string{"init", "--root", m.root, "--fqdn", "localhost", "--san-ip", "127.0.0.1", "--listen", m.addr, "--yes"}, initArgs...)...)
	m.apply(t)
	return m
}

// apply runs `docker-tls apply`: restart, probe, roll back on failure.
func (m *memberHost) apply(t *testing.T, extra ...string) cmdResult {
	t.Helper()
	r := mustDockerTLS(t, append([]string{"apply", "--root", m.root}, extra...)...)
	if !strings.Contains(r.stdout, "Docker is back") {
		t.Fatalf("apply:\n%s", r)
	}
	return r
}

func (m *memberHost) pid() int { return readPid(filepath.Join(m.dir, "docker.pid")) }

// in checks that b gets in with the docker CLI and with curl.
func (m *memberHost) in(t *testing.T, who string, b bundle) {
	t.Helper()
	wantServerVersion(t, who+" with the docker CLI", dockerWith(t, m.cfg, m.host, b, "version"), m.version)
	if r := curlWith(t, m.ping, b); r.code != 0 || r.stdout != "OK" {
		t.Errorf("%s with curl: want OK:\n%s", who, r)
	}
}

// out checks that b is refused by dockerd, with the docker CLI and curl.
func (m *memberHost) out(t *testing.T, who string, b bundle, dockerReason, curlReason string) {
	t.Helper()
	refused(t, m.dir, "docker CLI "+who, dockerReason, false, func() cmdResult { return dockerWith(t, m.cfg, m.host, b, "version") })
	refused(t, m.dir, "curl "+who, curlReason, false, func() cmdResult { return curlWith(t, m.ping, b) })
}

// bundleFiles reads a member's three files.
func bundleFiles(t *testing.T, b bundle) [3][]byte {
	t.Helper()
	var out [3][]byte
	for i, p := range []string{b.ca, b.cert, b.key} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = data
	}
	return out
}

// copyBundle copies a bundle out of the root: what the member keeps on
// their machine.
func copyBundle(t *testing.T, b bundle) bundle {
	t.Helper()
	d := t.TempDir()
	files := bundleFiles(t, b)
	c := bundle{filepath.Join(d, "ca.pem"), filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem")}
	for i, p := range []string{c.ca, c.cert, c.key} {
		if err := os.WriteFile(p, files[i], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// rootSigned is a bundle whose certificate the root signed directly, as in
// a CA-wide setup: never trusted with per-member trust.
func rootSigned(t *testing.T, root, name string) bundle {
	t.Helper()
	ca, err := pki.LoadCA(readRootFile(t, root, "etc/docker/tls/ca/ca.pem"), readRootFile(t, root, "etc/docker/tls/ca/ca-key.pem"), []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.IssueClient(ca, name, 30, pki.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	d := t.TempDir()
	b := bundle{filepath.Join(d, "ca.pem"), filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem")}
	for p, data := range map[string][]byte{b.ca: ca.CertPEM, b.cert: leaf.CertPEM, b.key: leaf.KeyPEM} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestE2ERemoveMember(t *testing.T) {
	m := newMemberHost(t, "--client", "alice")
	alice := clientBundle(m.root, "alice")
	m.in(t, "alice", alice)

	// Added while dockerd runs: free slots it already trusts, no restart.
	pid := m.pid()
	mustDockerTLS(t, "client", "add", "bob", "--root", m.root)
	mustDockerTLS(t, "client", "add", "carol", "--root", m.root)
	bob, carol := clientBundle(m.root, "bob"), clientBundle(m.root, "carol")
	m.in(t, "bob (added while dockerd runs)", bob)
	m.in(t, "carol (added while dockerd runs)", carol)
	if m.pid() != pid {
		t.Errorf("dockerd was restarted to add members: pid %d, then %d", pid, m.pid())
	}
	bobsCopy := copyBundle(t, bob) // what bob keeps on his laptop

	// A certificate the root signed directly gets nowhere: the root is not
	// among the anchors. The docker CLI does not even send it; curl does,
	// and dockerd refuses its issuer.
	mallory := rootSigned(t, m.root, "mallory")
	m.out(t, "with a certificate signed by the root", mallory, "tls: client didn't provide a certificate", "x509: certificate signed by unknown authority")

	before := map[string][3][]byte{"alice": bundleFiles(t, alice), "carol": bundleFiles(t, carol)}
	aliceTree, carolTree := snapshot(t, filepath.Dir(alice.cert)), snapshot(t, filepath.Dir(carol.cert))

	r := mustDockerTLS(t, "client", "remove", "bob", "--root", m.root, "--yes")
	wantContains(t, "client remove", r.stdout, "member anchor 2", "takes effect when Docker restarts", "docker-tls apply")
	// Until the restart bob still gets in: dockerd has not read members.pem again.
	m.in(t, "bob before the restart", bobsCopy)
	m.apply(t)
	if m.pid() == pid {
		t.Error("apply did not restart dockerd")
	}
	// bob's anchor is gone: the docker CLI no longer finds his issuer among
	// the CA names and sends no certificate; curl sends it and is refused.
	m.out(t, "bob after client remove", bobsCopy, "tls: client didn't provide a certificate", "x509: certificate signed by unknown authority")
	m.in(t, "alice after bob's removal", alice)
	m.in(t, "carol after bob's removal", carol)
	for name, files := range before {
		b := clientBundle(m.root, name)
		for i, data := range bundleFiles(t, b) {
			if !bytes.Equal(data, files[i]) {
				t.Errorf("%s's %s changed", name, []string{"ca.pem", "cert.pem", "key.pem"}[i])
			}
		}
	}
	sameTree(t, aliceTree, snapshot(t, filepath.Dir(alice.cert)))
	sameTree(t, carolTree, snapshot(t, filepath.Dir(carol.cert)))
	if _, err := os.Stat(filepath.Dir(bob.cert)); !os.IsNotExist(err) {
		t.Errorf("bob's bundle is still under clients/: %v", err)
	}
	archived, _ := filepath.Glob(filepath.Join(m.root, "etc/docker/tls/ca/removed/bob.*/cert.pem"))
	if len(archived) != 1 {
		t.Errorf("bob's bundle was not archived: %v", archived)
	}

	r = dockerTLS(t, nil, "status", "--probe", "--root", m.root)
	if r.code != 0 || !strings.Contains(r.stdout, "No problems found.") || !strings.Contains(r.stdout, "Probe: TLS handshake") {
		t.Errorf("status after the removal:\n%s", r)
	}
	wantContains(t, "status", r.stdout, "per member: 16 anchors, 2 members, 14 free slots")
	r = mustDockerTLS(t, "client", "list", "--root", m.root)
	if !regexp.MustCompile(`(?m)^bob\s+[0-9a-f]+\s+\S+\s+removed \d{4}-\d{2}-\d{2}\s+-\s+2\s+-$`).MatchString(r.stdout) {
		t.Errorf("client list does not show bob removed:\n%s", r.stdout)
	}
}

// TestE2EAnchorCap: dockerd trusting pki.MaxAnchors anchors, one member
// under the first and one under the last: dockerd lists every anchor in the
// handshake (openssl s_client counts them and says how many bytes the
// handshake took), and the docker CLI, which picks its certificate from
// that list, and curl both get in.
func TestE2EAnchorCap(t *testing.T) {
	e2eTools(t, "openssl")
	m := newMemberHost(t, "--client", "alice", "--slots", fmt.Sprint(pki.MaxAnchors-1))
	anchors, err := pki.ParseAnchors(readRootFile(t, m.root, "etc/docker/tls/ca/anchors.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if len(anchors) != pki.MaxAnchors {
		t.Fatalf("%d anchors, want %d", len(anchors), pki.MaxAnchors)
	}
	last := anchors[len(anchors)-1]
	zoe, err := pki.IssueMember(last, []byte(testPass), "zoe", 30, pki.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	d := t.TempDir()
	zb := bundle{clientBundle(m.root, "alice").ca, filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem")}
	writeRootFile(t, d, "cert.pem", zoe.Chain(), 0o600)
	writeRootFile(t, d, "key.pem", zoe.KeyPEM, 0o600)

	m.in(t, "alice (anchor 1 of 500)", clientBundle(m.root, "alice"))
	m.in(t, "zoe (anchor 500 of 500)", zb)

	cmd := exec.Command("openssl", "s_client", "-connect", m.addr, "-CAfile", zb.ca, "-servername", "localhost")
	cmd.Stdin = strings.NewReader("")
	out, _ := cmd.CombinedOutput()
	names := regexp.MustCompile(`(?m)^CN ?= ?member anchor \d+$`).FindAll(out, -1)
	if len(names) != pki.MaxAnchors {
		t.Errorf("dockerd listed %d anchors as acceptable CA names, want %d:\n%.2000s", len(names), pki.MaxAnchors, out)
	}
	if hs := regexp.MustCompile(`SSL handshake has read (\d+) bytes and written (\d+) bytes`).FindSubmatch(out); hs != nil {
		t.Logf("handshake with %d anchors: the client read %s bytes and wrote %s (CA names: %d bytes)", pki.MaxAnchors, hs[1], hs[2],
			func() (n int) { // each subject with its 2-byte length
				for _, a := range anchors {
					n += 2 + len(a.Cert.RawSubject)
				}
				return n
			}())
	}

	// One more is refused before anything is written.
	r := dockerTLS(t, nil, "init", "--root", m.root, "--fqdn", "localhost", "--san-ip", "127.0.0.1", "--listen", m.addr,
		"--client", "alice", "--slots", fmt.Sprint(pki.MaxAnchors), "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "--slots") || !strings.Contains(r.stderr, "more than 500") {
		t.Errorf("init past the cap:\n%s", r)
	}
}

// TestE2ESwitchFromCAWide moves a CA-wide setup (its root made with
// pathlen:0, as every CA-wide root) to per-member trust: a new root signs
// the anchors, everyone gets a new bundle, and until `trust finalize` the
// old root stays trusted, so that bob, who has not installed his new bundle,
// still gets in; after it, he does not.
func TestE2ESwitchFromCAWide(t *testing.T) {
	m := newMemberHost(t, "--trust", "ca", "--client", "alice", "--client", "bob")
	if cfg := readRootFile(t, m.root, "etc/docker/daemon.json"); !bytes.Contains(cfg, []byte(`"tlscacert": "/etc/docker/tls/ca.pem"`)) {
		t.Fatalf("--trust ca: daemon.json\n%s", cfg)
	}
	// As an older docker-tls made it: a pathlen:0 root, which cannot sign
	// anchors (a root made now can: the switch then keeps it).
	legacyCAWide(t, m.root)
	m.apply(t)
	bobOld := copyBundle(t, clientBundle(m.root, "bob"))
	m.in(t, "bob (CA-wide)", bobOld)

	// A CA-wide setup cannot remove one member alone: it says so.
	r := dockerTLS(t, nil, "client", "remove", "bob", "--root", m.root, "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "trusts the whole CA") || !strings.Contains(r.stderr, "--trust member") {
		t.Errorf("client remove with CA-wide trust:\n%s", r)
	}
	// The root cannot sign anchors: init says so, and what works.
	base := []string{"init", "--root", m.root, "--fqdn", "localhost", "--san-ip", "127.0.0.1", "--listen", m.addr, "--client", "alice", "--yes"}
	r = dockerTLS(t, nil, append(base, "--trust", "member")...)
	if r.code != 1 || !strings.Contains(r.stderr, "pathlen:0") || !strings.Contains(r.stderr, "--new-root") {
		t.Fatalf("switch without --new-root:\n%s", r)
	}
	mustDockerTLS(t, append(base, "--trust", "member", "--new-root")...)
	m.apply(t)

	aliceNew := copyBundle(t, clientBundle(m.root, "alice")) // alice installs hers now
	m.in(t, "alice with her new bundle", aliceNew)
	m.in(t, "bob with his new bundle", clientBundle(m.root, "bob"))
	m.in(t, "bob, not moved yet, before trust finalize", bobOld)
	r = dockerTLS(t, nil, "status", "--root", m.root)
	if r.code != 0 || !strings.Contains(r.stdout, "Switch from CA-wide trust in progress") {
		t.Errorf("status during the switch:\n%s", r)
	}

	r = mustDockerTLS(t, "trust", "finalize", "--root", m.root, "--yes")
	wantContains(t, "trust finalize", r.stdout, "renewed from the new root", "docker-tls apply")
	m.apply(t)
	// bob's old bundle: his ca.pem (the old root alone) no longer verifies
	// the server certificate, so his client gives up first...
	m.out(t, "bob, not moved, after trust finalize", bobOld, "remote error: tls: bad certificate", "")
	// ...and even trusting the new server, his old certificate is refused
	// by dockerd: the old root is no longer trusted.
	bobOldCert := bundle{ca: clientBundle(m.root, "alice").ca, cert: bobOld.cert, key: bobOld.key}
	m.out(t, "bob's old certificate after trust finalize", bobOldCert, "tls: client didn't provide a certificate", "x509: certificate signed by unknown authority")
	m.in(t, "alice, moved during the switch", aliceNew)
	m.in(t, "bob with his new bundle after trust finalize", clientBundle(m.root, "bob"))
	r = dockerTLS(t, nil, "status", "--probe", "--root", m.root)
	if r.code != 0 || !strings.Contains(r.stdout, "No problems found.") {
		t.Errorf("status after finalize:\n%s", r)
	}
}

// TestE2EApplyKeepsContainersWithLiveRestore: a container runs and
// live-restore is off. apply without a terminal refuses to stop it and says
// what to do; apply --live-restore turns it on (daemon.json, then a reload,
// SIGHUP) and restarts dockerd, and the container is still running.
func TestE2EApplyKeepsContainersWithLiveRestore(t *testing.T) {
	m := newMemberHost(t, "--client", "alice")
	alice := clientBundle(m.root, "alice")
	docker := func(args ...string) cmdResult { return dockerWith(t, m.cfg, m.host, alice, args...) }
	img := sleeperImage(t)
	if r := docker("import", img, "sleeper:1"); r.code != 0 {
		t.Fatalf("docker import:\n%s", r)
	}
	r := docker("run", "-d", "--network", "none", "--name", "kept", "sleeper:1", "/sleep")
	if r.code != 0 {
		t.Fatalf("docker run:\n%s", r)
	}
	t.Cleanup(func() { docker("rm", "-f", "kept") }) // before dockerd stops (cleanups run last first)
	started := strings.TrimSpace(docker("inspect", "-f", "{{.State.StartedAt}}", "kept").stdout)

	// status asks the running dockerd: live-restore off is advice (CIS
	// 2.15), no problem.
	liveRestoreAdvice := func() []setup.Finding {
		t.Helper()
		r := dockerTLS(t, nil, "status", "--json", "--root", m.root)
		var rep setup.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
			t.Fatalf("status --json (%v):\n%s", err, r)
		}
		var out []setup.Finding
		for _, a := range rep.Advice {
			if a.CIS == "2.15" {
				out = append(out, a)
			}
		}
		return out
	}
	if a := liveRestoreAdvice(); len(a) != 1 || !strings.HasPrefix(a[0].Message, "live-restore is off: restarting Docker stops every running container") {
		t.Errorf("status with live-restore off: advice %q", a)
	}

	// Something to apply: a member removed.
	mustDockerTLS(t, "client", "add", "bob", "--root", m.root)
	mustDockerTLS(t, "client", "remove", "bob", "--root", m.root, "--yes")
	pid := m.pid()
	r = dockerTLS(t, nil, "apply", "--root", m.root)
	if r.code != 1 || !strings.Contains(r.stdout, "1 container is running and live-restore is off") || !strings.Contains(r.stderr, "--live-restore") {
		t.Fatalf("apply with a running container and no terminal:\n%s", r)
	}
	if m.pid() != pid {
		t.Fatal("apply restarted dockerd although it refused")
	}

	r = m.apply(t, "--live-restore")
	wantContains(t, "apply --live-restore", r.stdout, "Live-restore is on")
	if m.pid() == pid {
		t.Error("apply did not restart dockerd")
	}
	if !bytes.Contains(readRootFile(t, m.root, "etc/docker/daemon.json"), []byte(`"live-restore": true`)) {
		t.Error("daemon.json does not set live-restore")
	}
	state := docker("inspect", "-f", "{{.State.Running}} {{.State.StartedAt}}", "kept")
	if strings.TrimSpace(state.stdout) != "true "+started {
		t.Errorf("the container did not keep running through the restart (started %s):\n%s", started, state)
	}
	if r := dockerTLS(t, nil, "status", "--root", m.root); r.code != 0 {
		t.Errorf("status:\n%s", r)
	}
	// What docker-bench-security reads for CIS 2.15, and status agrees.
	if r := docker("info", "--format", "{{.LiveRestoreEnabled}}"); strings.TrimSpace(r.stdout) != "true" {
		t.Errorf("docker info: live-restore not enabled:\n%s", r)
	}
	if a := liveRestoreAdvice(); len(a) != 0 {
		t.Errorf("status with live-restore on: advice %q", a)
	}
}

// sleeperImage is an image tarball holding one static program, /sleep, that
// waits for SIGTERM: a container without pulling anything.
func sleeperImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "sleep.go")
	writeRootFile(t, dir, "sleep.go", []byte("package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n\t\"syscall\"\n)\n\n"+
		"func main() {\n\tc := make(chan os.Signal, 1)\n\tsignal.Notify(c, syscall.SIGTERM, syscall.SIGINT)\n\t<-c\n}\n"), 0o644)
	rootfs := filepath.Join(dir, "rootfs")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain to build the test image")
	}
	cmd := exec.Command(goTool, "build", "-o", filepath.Join(rootfs, "sleep"), src)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test image's program: %v\n%s", err, out)
	}
	tarball := filepath.Join(dir, "sleeper.tar")
	if out, err := exec.Command("tar", "-C", rootfs, "-cf", tarball, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	return tarball
}

// TestE2ESwarmNodeNoLiveRestore: on a node in swarm mode live-restore is
// never turned on (dockerd 20.10 takes it on a reload, then refuses to
// start); apply says the containers will stop and restarts only with
// --stop-containers; and it refuses to restart when daemon.json sets
// live-restore there, since Docker would not come back.
func TestE2ESwarmNodeNoLiveRestore(t *testing.T) {
	m := newMemberHost(t, "--client", "alice")
	alice := clientBundle(m.root, "alice")
	docker := func(args ...string) cmdResult { return dockerWith(t, m.cfg, m.host, alice, args...) }
	r := docker("swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		"--data-path-port", fmt.Sprint(freePort(t)))
	if r.code != 0 {
		t.Fatalf("docker swarm init:\n%s", r)
	}
	t.Cleanup(func() { docker("swarm", "leave", "--force") })
	if r := docker("import", sleeperImage(t), "sleeper:1"); r.code != 0 {
		t.Fatalf("docker import:\n%s", r)
	}
	if r := docker("run", "-d", "--network", "none", "--name", "solo", "sleeper:1", "/sleep"); r.code != 0 {
		t.Fatalf("docker run:\n%s", r)
	}
	t.Cleanup(func() { docker("rm", "-f", "solo") })
	mustDockerTLS(t, "client", "add", "bob", "--root", m.root)
	pid := m.pid()
	daemonJSON := readRootFile(t, m.root, "etc/docker/daemon.json")

	r = dockerTLS(t, nil, "apply", "--root", m.root)
	if r.code != 1 || !strings.Contains(r.stdout, "swarm mode, where live-restore does not work") || !strings.Contains(r.stderr, "--stop-containers") {
		t.Errorf("apply on a swarm node with a container running:\n%s", r)
	}
	r = dockerTLS(t, nil, "apply", "--root", m.root, "--live-restore")
	if r.code != 1 || !strings.Contains(r.stderr, "swarm mode") {
		t.Errorf("apply --live-restore on a swarm node:\n%s", r)
	}
	if !bytes.Equal(readRootFile(t, m.root, "etc/docker/daemon.json"), daemonJSON) || m.pid() != pid {
		t.Fatal("daemon.json changed, or dockerd was restarted")
	}
	m.apply(t, "--stop-containers")
	if s := strings.TrimSpace(docker("inspect", "-f", "{{.State.Running}}", "solo").stdout); s != "false" {
		t.Errorf("the container survived a restart without live-restore: running=%s", s)
	}

	// live-restore set by hand on a swarm node: Docker would not start.
	mustDockerTLS(t, "client", "add", "carol", "--root", m.root)
	cfg := bytes.Replace(readRootFile(t, m.root, "etc/docker/daemon.json"), []byte("{\n"), []byte("{\n  \"live-restore\": true,\n"), 1)
	writeRootFile(t, m.root, "etc/docker/daemon.json", cfg, 0o644)
	pid = m.pid()
	r = dockerTLS(t, nil, "apply", "--root", m.root)
	if r.code != 1 || !strings.Contains(r.stderr, "would not start again") || m.pid() != pid {
		t.Errorf("apply with live-restore on a swarm node:\n%s", r)
	}
}
