package main

// End to end: the real docker-tls binary configures a fixture root, then a
// real dockerd (Debian's docker.io) is started the way systemd would start it
// with the generated override.conf and daemon.json, on a loopback port. The
// real docker CLI and curl get in with a client bundle and are refused
// without one. A stand-in systemctl lets `init --apply` restart that dockerd
// and roll back when it does not come back.
//
// These tests need root, dockerd, docker and curl. Without them they skip,
// unless DOCKER_TLS_E2E=1 (set by .ci/run), where a missing tool fails.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/setup"
)

// The stand-in systemctl and journalctl are this test binary, run again with
// e2eHelperEnv set (see TestMain): "systemctl" or "journalctl".
const (
	e2eHelperEnv = "DOCKER_TLS_E2E_HELPER"
	e2eRootEnv   = "DOCKER_TLS_E2E_ROOT"  // the --root tree the stand-in reads
	e2eStateEnv  = "DOCKER_TLS_E2E_STATE" // the stand-in's dockerd state dir
)

func TestMain(m *testing.M) {
	switch os.Getenv(e2eHelperEnv) {
	case "systemctl":
		os.Exit(fakeSystemctl(os.Args[1:], os.Stdout, os.Stderr))
	case "journalctl":
		os.Exit(fakeJournalctl(os.Stdout))
	}
	code := m.Run()
	if e2eBin.dir != "" {
		os.RemoveAll(e2eBin.dir)
	}
	os.Exit(code)
}

// --- gating and tools ---

// e2eTools returns the paths of the tools, after checking that the end to end
// tests can run here: skip when something is missing, fail instead when
// DOCKER_TLS_E2E=1.
func e2eTools(t *testing.T, tools ...string) map[string]string {
	t.Helper()
	strict := os.Getenv("DOCKER_TLS_E2E") == "1"
	missing := func(format string, a ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, a...)
		if strict {
			t.Fatalf("DOCKER_TLS_E2E=1 but %s", msg)
		}
		t.Skipf("skipping the end to end test: %s (set DOCKER_TLS_E2E=1 to make this a failure)", msg)
	}
	if runtime.GOOS != "linux" {
		missing("dockerd runs on Linux only, this is %s", runtime.GOOS)
	}
	if !strict && testing.Short() {
		t.Skip("skipping the end to end test in -short mode")
	}
	install := map[string]string{
		"dockerd": "docker.io (apt-get install docker.io)",
		"docker":  "the docker CLI (apt-get install docker.io, or docker-ce-cli)",
		"curl":    "curl (apt-get install curl)",
		"openssl": "openssl (apt-get install openssl)",
		// dockerd starts its own containerd, found on PATH, when the unit
		// passes no --containerd= (as in the fixture).
		"containerd": "containerd (apt-get install docker.io pulls it in)",
		"setpriv":    "setpriv (apt-get install util-linux)",
		"flock":      "flock (apt-get install util-linux)",
	}
	if slices.Contains(tools, "dockerd") {
		tools = append(tools, "containerd")
	}
	paths := map[string]string{}
	for _, tool := range tools {
		p, err := exec.LookPath(tool)
		if err != nil && tool == "dockerd" {
			// Not on PATH for every user; the Debian unit runs /usr/sbin/dockerd.
			for _, c := range []string{"/usr/sbin/dockerd", "/usr/bin/dockerd"} {
				if _, serr := os.Stat(c); serr == nil {
					p, err = c, nil
					break
				}
			}
		}
		if err != nil {
			missing("%s is not installed: install %s", tool, install[tool])
		}
		paths[tool] = p
	}
	if _, ok := paths["dockerd"]; ok && os.Geteuid() != 0 {
		missing("starting dockerd needs root (running as uid %d)", os.Geteuid())
	}
	return paths
}

// e2eBin is the docker-tls binary, built once per test process.
var e2eBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func dockerTLSBinary(t *testing.T) string {
	t.Helper()
	e2eBin.once.Do(func() {
		e2eBin.dir, e2eBin.err = os.MkdirTemp("", "docker-tls-e2e-bin")
		if e2eBin.err != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			//lint:ignore SA1019 only when go is not on PATH: the toolchain running this test
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		p := filepath.Join(e2eBin.dir, "docker-tls")
		out, err := exec.Command(goTool, "build", "-o", p, ".").CombinedOutput()
		if err != nil {
			e2eBin.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		e2eBin.path = p
	})
	if e2eBin.err != nil {
		t.Fatal(e2eBin.err)
	}
	return e2eBin.path
}

// cmdResult is the outcome of an external command.
type cmdResult struct {
	cmd            string
	code           int
	stdout, stderr string
}

func (r cmdResult) String() string {
	return fmt.Sprintf("$ %s\nexit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.cmd, r.code, r.stdout, r.stderr)
}

// runTool runs a command with env added to a copy of the environment from
// which every DOCKER_* variable was removed (DOCKER_TLS_CA_PASSPHRASE is
// passed only where given; DOCKER_TLS_SYSTEMCTL, set by installFakeSystemd,
// is kept), bounded so that a hang fails instead of blocking.
func runTool(t *testing.T, env []string, name string, args ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKER_") || strings.HasPrefix(kv, setup.SystemctlEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := cmdResult{cmd: name + " " + strings.Join(args, " "), stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", r.cmd, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish:\n%s", r.cmd, r)
	}
	for _, s := range secrets {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("the CA passphrase appears in the output of:\n%s", r)
		}
	}
	return r
}

// dockerTLS runs the built binary with the CA passphrase in its environment.
func dockerTLS(t *testing.T, env []string, args ...string) cmdResult {
	t.Helper()
	return runTool(t, append([]string{setup.PassphraseEnv + "=" + testPass}, env...), dockerTLSBinary(t), args...)
}

func mustDockerTLS(t *testing.T, args ...string) cmdResult {
	t.Helper()
	r := dockerTLS(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("docker-tls failed:\n%s", r)
	}
	return r
}

// freePort picks a loopback port that is free right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// stateDir is a short temp dir for a dockerd's socket, data and logs: a unix
// socket path must fit in 108 bytes, which t.TempDir() paths may not.
func stateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dtls")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// dockerd bind-mounts its data root onto itself (to make it private)
		// and may leave that mount behind.
		unmountUnder(t, dir)
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})
	return dir
}

// unmountUnder lazily unmounts every mount point under dir, deepest first.
func unmountUnder(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			points = append(points, f[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			t.Errorf("unmount %s: %v", p, err)
		}
	}
}

// --- starting dockerd as systemd would ---

// execStart returns the effective ExecStart of docker.service under root as
// systemd computes it: the unit's, then each drop-in in name order, where an
// empty ExecStart= clears the list and the last non-empty one wins.
func execStart(root string) (string, error) {
	unit := ""
	for _, dir := range []string{"etc/systemd/system", "run/systemd/system", "usr/lib/systemd/system", "lib/systemd/system"} {
		if _, err := os.Stat(filepath.Join(root, dir, "docker.service")); err == nil {
			unit = filepath.Join(root, dir, "docker.service")
			break
		}
	}
	if unit == "" {
		return "", errors.New("no docker.service under the root")
	}
	files := []string{unit}
	dropIns, _ := filepath.Glob(filepath.Join(root, "etc/systemd/system/docker.service.d/*.conf"))
	sort.Strings(dropIns)
	files = append(files, dropIns...)
	cmd := ""
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		for _, line := range strings.Split(string(b), "\n") {
			v, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart=")
			if !ok {
				continue
			}
			cmd = strings.TrimSpace(v) // "" resets
		}
	}
	if cmd == "" {
		return "", errors.New("docker.service has no ExecStart")
	}
	return cmd, nil
}

// dockerdCommand is how the unit would run dockerd under root, adapted to a
// sandbox: the unit's own arguments ($DOCKER_OPTS expanded to nothing), and a
// copy of the generated daemon.json in which only the unix socket and the
// paths of the TLS files are moved into dir and root. Everything else, the
// tcp:// host with its port included, is dockerd's real configuration.
func dockerdCommand(root, dir string) (bin string, args []string, err error) {
	line, err := execStart(root)
	if err != nil {
		return "", nil, err
	}
	words := strings.Fields(line)
	bin = strings.TrimLeft(words[0], "-@:+!")
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath(filepath.Base(bin)); err != nil {
			return "", nil, fmt.Errorf("the unit's binary %s: %w", words[0], err)
		}
	}
	for _, w := range words[1:] {
		if w == "$DOCKER_OPTS" || w == "${DOCKER_OPTS}" {
			continue // /etc/default/docker is absent under the fixture root
		}
		args = append(args, w)
	}

	b, err := os.ReadFile(filepath.Join(root, "etc/docker/daemon.json"))
	if err != nil {
		return "", nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", nil, fmt.Errorf("daemon.json: %w", err)
	}
	if hosts, ok := cfg["hosts"].([]any); ok {
		for i, h := range hosts {
			if s, _ := h.(string); strings.HasPrefix(s, "unix://") {
				hosts[i] = "unix://" + filepath.Join(dir, "docker.sock")
			}
		}
	}
	for _, k := range []string{"tlscacert", "tlscert", "tlskey"} {
		if s, _ := cfg[k].(string); strings.HasPrefix(s, "/etc/docker/") {
			cfg[k] = filepath.Join(root, s)
		}
	}
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", nil, err
	}
	conf := filepath.Join(dir, "daemon.json")
	if err := os.WriteFile(conf, out, 0o644); err != nil {
		return "", nil, err
	}
	args = append(args,
		"--config-file", conf,
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"--iptables=false",
		"--bridge=none",
		"--storage-driver=vfs",
	)
	if dockerdHasFlag(bin, "--ip6tables") {
		args = append(args, "--ip6tables=false")
	}
	return bin, args, nil
}

func dockerdHasFlag(bin, flag string) bool {
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	return bytes.Contains(out, []byte(flag))
}

// daemonLog is the log file of the n-th dockerd started in dir.
func nextDaemonLog(dir string) (string, error) {
	for i := 1; ; i++ {
		p := filepath.Join(dir, fmt.Sprintf("dockerd-%d.log", i))
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p, nil
		} else if err != nil {
			return "", err
		}
	}
}

// daemonLogs are the logs of the dockerds started in dir, oldest first.
func daemonLogs(dir string) []string {
	logs, _ := filepath.Glob(filepath.Join(dir, "dockerd-*.log"))
	n := func(p string) int {
		v, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "dockerd-"), ".log"))
		return v
	}
	sort.Slice(logs, func(i, j int) bool { return n(logs[i]) < n(logs[j]) })
	return logs
}

// launchDockerd starts dockerd for root in dir and waits until it answers on
// its unix socket (what Type=notify means to systemctl) or exits. detach
// puts it in its own session, for the stand-in systemctl that exits after.
func launchDockerd(root, dir string, detach bool) (pid int, logPath string, err error) {
	bin, args, err := dockerdCommand(root, dir)
	if err != nil {
		return 0, "", err
	}
	logPath, err = nextDaemonLog(dir)
	if err != nil {
		return 0, "", err
	}
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return 0, "", err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "+ %s %s\n", bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	if detach {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	}
	if err := cmd.Start(); err != nil {
		return 0, logPath, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	sock := filepath.Join(dir, "docker.sock")
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			return 0, logPath, fmt.Errorf("dockerd exited before it was ready: %v", err)
		default:
		}
		if unixPing(sock) == nil {
			return cmd.Process.Pid, logPath, nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return 0, logPath, errors.New("dockerd did not answer on its unix socket within 60s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// unixPing does GET /_ping on a unix socket.
func unixPing(sock string) error {
	c := &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}},
	}
	resp, err := c.Get("http://docker/_ping")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "OK" {
		return fmt.Errorf("GET /_ping: %s %q", resp.Status, b)
	}
	return nil
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

// terminate sends SIGTERM, waits (bounded) for pid to go, then SIGKILLs it.
func terminate(pid int, grace time.Duration) {
	if pid <= 0 || !alive(pid) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		for i := 0; i < 50 && alive(pid); i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func readPid(p string) int {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// stopDockerd stops the dockerd of dir (by its pidfile), then the containerd
// it started, if that outlived it.
func stopDockerd(dir string) {
	terminate(readPid(filepath.Join(dir, "docker.pid")), 30*time.Second)
	terminate(readPid(filepath.Join(dir, "exec", "containerd", "containerd.pid")), 10*time.Second)
}

// startDockerd starts dockerd for root in dir and stops it when the test ends;
// on failure the test log gets dockerd's log.
func startDockerd(t *testing.T, root, dir string) {
	t.Helper()
	t.Cleanup(func() {
		stopDockerd(dir)
		if t.Failed() {
			dumpDaemonLogs(t, dir)
		}
	})
	if _, _, err := launchDockerd(root, dir, false); err != nil {
		t.Fatalf("starting dockerd: %v", err)
	}
}

func dumpDaemonLogs(t *testing.T, dir string) {
	for _, p := range daemonLogs(dir) {
		b, _ := os.ReadFile(p)
		t.Logf("--- %s:\n%s", p, b)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "systemctl.log")); err == nil {
		t.Logf("--- stand-in systemctl calls:\n%s", b)
	}
}

// waitTLSPort waits (bounded) until something accepts connections on addr.
func waitTLSPort(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing answers on %s: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// --- the stand-in systemctl and journalctl ---

// fakeSystemctl handles what docker-tls runs: daemon-reload (nothing to do)
// and restart docker: stop the dockerd of the state dir, start a new one from
// the root's current files, and fail like systemd when it does not come up.
func fakeSystemctl(args []string, stdout, stderr io.Writer) int {
	root, dir := os.Getenv(e2eRootEnv), os.Getenv(e2eStateEnv)
	if f, err := os.OpenFile(filepath.Join(dir, "systemctl.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err == nil {
		fmt.Fprintln(f, strings.Join(args, " "))
		f.Close()
	}
	switch {
	case len(args) == 1 && args[0] == "daemon-reload":
		return 0
	case len(args) == 2 && args[0] == "reload" && (args[1] == "docker" || args[1] == "docker.service"):
		// ExecReload=/bin/kill -s HUP $MAINPID: dockerd reads its
		// configuration file again (the sandbox's copy, remade first).
		pid := readPid(filepath.Join(dir, "docker.pid"))
		if pid == 0 || !alive(pid) {
			fmt.Fprintln(stderr, "docker.service is not active, cannot reload.")
			return 1
		}
		if _, _, err := dockerdCommand(root, dir); err != nil {
			fmt.Fprintf(stderr, "stand-in: %v\n", err)
			return 1
		}
		if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
			fmt.Fprintf(stderr, "stand-in: %v\n", err)
			return 1
		}
		return 0
	case len(args) == 2 && args[0] == "start" && args[1] == "docker-tls-renew.timer":
		return 0 // apply starts the renewal timer init enabled: nothing runs it here
	case len(args) == 2 && args[0] == "restart" && (args[1] == "docker" || args[1] == "docker.service"):
		stopDockerd(dir)
		if _, _, err := launchDockerd(root, dir, true); err != nil {
			fmt.Fprintf(stderr, "Job for docker.service failed because the control process exited with error code.\n"+
				"See \"systemctl status docker.service\" and \"journalctl -xeu docker.service\" for details.\n(stand-in: %v)\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "stand-in systemctl: unexpected arguments %q\n", args)
	return 1
}

// fakeJournalctl is `journalctl -u docker -n 15`: the last lines of all the
// logs of the dockerds started so far, as one journal.
func fakeJournalctl(stdout io.Writer) int {
	var lines []string
	for _, p := range daemonLogs(os.Getenv(e2eStateEnv)) {
		f, err := os.Open(p)
		if err != nil {
			return 1
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		f.Close()
	}
	if len(lines) == 0 {
		fmt.Fprintln(stdout, "-- No entries --")
		return 0
	}
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	return 0
}

// installFakeSystemd puts bash scripts named systemctl and journalctl first
// on PATH; they run this test binary as the stand-ins, for root and dir.
func installFakeSystemd(t *testing.T, root, dir string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, name := range []string{"systemctl", "journalctl"} {
		script := fmt.Sprintf("#!/bin/bash\n# stand-in %s for docker-tls's end to end tests (see e2e_test.go)\n"+
			"export %s=%s %s=%q %s=%q\nexec %q \"$@\"\n",
			name, e2eHelperEnv, name, e2eRootEnv, root, e2eStateEnv, dir, self)
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	// Named explicitly too: only then does docker-tls agree to --apply a
	// --root other than / (it would restart the host's Docker otherwise).
	t.Setenv(setup.SystemctlEnv, filepath.Join(bin, "systemctl"))
}

// --- the bundle and the refusals ---

type bundle struct{ ca, cert, key string }

func clientBundle(root, name string) bundle {
	d := filepath.Join(root, "etc/docker/tls/clients", name)
	return bundle{filepath.Join(d, "ca.pem"), filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem")}
}

// dockerWith runs the docker CLI against host with the bundle's files given as flags.
func dockerWith(t *testing.T, dockerCfg, host string, b bundle, args ...string) cmdResult {
	t.Helper()
	flags := []string{"--tlsverify", "--tlscacert", b.ca}
	if b.cert != "" {
		flags = append(flags, "--tlscert", b.cert, "--tlskey", b.key)
	}
	flags = append(flags, "-H", host)
	return runTool(t, []string{"DOCKER_CONFIG=" + dockerCfg}, "docker", append(flags, args...)...)
}

func curlWith(t *testing.T, url string, b bundle, extra ...string) cmdResult {
	t.Helper()
	args := []string{"-sS", "--max-time", "30"}
	if b.ca != "" {
		args = append(args, "--cacert", b.ca)
	}
	if b.cert != "" {
		args = append(args, "--cert", b.cert, "--key", b.key)
	}
	args = append(args, extra...)
	return runTool(t, nil, "curl", append(args, url)...)
}

// tlsRefusal is how curl (OpenSSL) and the docker CLI (Go) report the alert
// of a server that refused their certificate, or a server they could not
// verify.
var tlsRefusal = regexp.MustCompile(`(?i)bad certificate|certificate required|unknown (certificate )?authority|unknown ca|alert|handshake failure|SSL certificate problem`)

// tlsClosed: with TLS 1.3 the server checks the client's certificate after
// the client has finished its side of the handshake and sent its request, so
// the client may find the connection closed before it reads the alert. The
// server's log then says why (see refused).
var tlsClosed = regexp.MustCompile(`(?i)connection reset by peer|broken pipe|not connected|unexpected eof|\bEOF\b`)

// daemonLogText is the logs of all the dockerds started in dir.
func daemonLogText(dir string) string {
	var b strings.Builder
	for _, p := range daemonLogs(dir) {
		data, _ := os.ReadFile(p)
		b.Write(data)
	}
	return b.String()
}

// refused runs a client that must not get in and checks both ends: the
// client failed with a TLS error (only the server's alert when strict, as
// over TLS 1.2 where it comes within the handshake) and dockerd logged
// reason (unless "") for one more refused handshake.
func refused(t *testing.T, dir, what, reason string, strict bool, client func() cmdResult) {
	t.Helper()
	before := strings.Count(daemonLogText(dir), reason)
	r := client()
	if r.code == 0 || strings.TrimSpace(r.stdout) == "OK" || strings.Contains(r.stdout, "Server:") {
		t.Errorf("%s got in:\n%s", what, r)
		return
	}
	if !tlsRefusal.MatchString(r.stderr) && (strict || !tlsClosed.MatchString(r.stderr)) {
		t.Errorf("%s failed, but not with a TLS refusal:\n%s", what, r)
	}
	if reason == "" {
		return // refused by the client: the server's log has no reason
	}
	// dockerd logs the handshake error just after sending the alert.
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(daemonLogText(dir), reason) <= before {
		if time.Now().After(deadline) {
			t.Errorf("%s: dockerd did not log %q", what, reason)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func wantServerVersion(t *testing.T, what string, r cmdResult, version string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s did not get in:\n%s", what, r)
	}
	if !strings.Contains(r.stdout, "Server:") || !strings.Contains(r.stdout, version) {
		t.Errorf("%s: no server version %s in:\n%s", what, version, r)
	}
}

// dockerdVersion is the version `dockerd --version` prints, e.g. 20.10.24+dfsg1.
func dockerdVersion(t *testing.T, dockerd string) string {
	t.Helper()
	out, err := exec.Command(dockerd, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Docker version ([^ ,]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("dockerd --version: %q", out)
	}
	return string(m[1])
}

// overrideExecStarts returns the ExecStart= lines of the override, in order.
func overrideExecStarts(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(string(readRootFile(t, root, "etc/systemd/system/docker.service.d/override.conf")), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart="); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestE2EDockerdMutualTLS(t *testing.T) {
	tools := e2eTools(t, "dockerd", "docker", "curl")
	root := fixtureRoot(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	host := fmt.Sprintf("tcp://localhost:%d", port)
	mustDockerTLS(t, "init", "--root", root, "--fqdn", "localhost", "--san-ip", "127.0.0.1",
		"--listen", addr, "--client", "alice", "--yes")

	// The override clears ExecStart and keeps no -H: a leftover one would make
	// dockerd refuse to start ("specified both as a flag and in the
	// configuration file: hosts"), as it would on a host.
	ex := overrideExecStarts(t, root)
	if len(ex) != 2 || ex[0] != "" || regexp.MustCompile(`(^|\s)(-H|--host)`).MatchString(ex[1]) || !strings.HasPrefix(ex[1], "/usr/sbin/dockerd") {
		t.Fatalf("override ExecStart lines: %q", ex)
	}

	dir := stateDir(t)
	startDockerd(t, root, dir)
	waitTLSPort(t, addr)
	version := dockerdVersion(t, tools["dockerd"])
	cfg := t.TempDir() // DOCKER_CONFIG: never the user's ~/.docker
	alice := clientBundle(root, "alice")

	t.Run("docker CLI with the bundle as flags", func(t *testing.T) {
		wantServerVersion(t, "docker version", dockerWith(t, cfg, host, alice, "version"), version)
		r := dockerWith(t, cfg, host, alice, "info", "--format", "{{.ServerVersion}}")
		if r.code != 0 || strings.TrimSpace(r.stdout) != version {
			t.Errorf("docker info: want %s:\n%s", version, r)
		}
		// The IP SAN: the same through 127.0.0.1.
		wantServerVersion(t, "docker version via the IP", dockerWith(t, cfg, "tcp://"+addr, alice, "version"), version)
	})

	t.Run("docker CLI with DOCKER_CERT_PATH", func(t *testing.T) {
		r := runTool(t, []string{"DOCKER_CONFIG=" + cfg, "DOCKER_HOST=" + host, "DOCKER_TLS_VERIFY=1",
			"DOCKER_CERT_PATH=" + filepath.Dir(alice.cert)}, "docker", "version")
		wantServerVersion(t, "DOCKER_CERT_PATH", r, version)
	})

	t.Run("docker context", func(t *testing.T) {
		env := []string{"DOCKER_CONFIG=" + cfg}
		r := runTool(t, env, "docker", "context", "create", "e2e-alice", "--docker",
			fmt.Sprintf("host=%s,ca=%s,cert=%s,key=%s", host, alice.ca, alice.cert, alice.key))
		if r.code != 0 {
			t.Fatalf("docker context create:\n%s", r)
		}
		wantServerVersion(t, "docker --context", runTool(t, env, "docker", "--context", "e2e-alice", "version"), version)
	})

	t.Run("curl with the bundle", func(t *testing.T) {
		for _, url := range []string{"https://localhost:" + strconv.Itoa(port) + "/_ping", "https://" + addr + "/_ping"} {
			r := curlWith(t, url, alice)
			if r.code != 0 || r.stdout != "OK" {
				t.Errorf("curl: want OK:\n%s", r)
			}
		}
	})

	ping := "https://localhost:" + strconv.Itoa(port) + "/_ping"
	// Each refusal from both ends: the client's error, and dockerd's reason.
	refusedEverywhere := func(t *testing.T, what, reason string, b bundle) {
		t.Helper()
		refused(t, dir, "curl "+what, reason, false, func() cmdResult { return curlWith(t, ping, b) })
		refused(t, dir, "curl (TLS 1.2) "+what, reason, true, func() cmdResult { return curlWith(t, ping, b, "--tls-max", "1.2") })
		refused(t, dir, "docker "+what, reason, false, func() cmdResult { return dockerWith(t, cfg, host, b, "version") })
	}

	t.Run("no client certificate", func(t *testing.T) {
		refusedEverywhere(t, "without a client certificate", "tls: client didn't provide a certificate", bundle{ca: alice.ca})
	})

	t.Run("client from a foreign CA", func(t *testing.T) {
		other := fixtureRoot(t)
		mustDockerTLS(t, "init", "--root", other, "--fqdn", "localhost", "--san-ip", "127.0.0.1",
			"--listen", addr, "--client", "mallory", "--yes")
		mallory := clientBundle(other, "mallory")
		// Trusting the right CA, presenting a certificate from another: the server refuses.
		refusedEverywhere(t, "with a foreign client certificate", "x509: certificate signed by unknown authority",
			bundle{ca: alice.ca, cert: mallory.cert, key: mallory.key})
		// Mallory's whole bundle: the client cannot verify the server either.
		refused(t, dir, "docker with a foreign bundle", "remote error: tls: bad certificate", true,
			func() cmdResult { return dockerWith(t, cfg, host, mallory, "version") })
		refused(t, dir, "curl with a foreign bundle", "", true,
			func() cmdResult { return curlWith(t, ping, mallory) })
	})

	t.Run("server certificate as a client certificate", func(t *testing.T) {
		// With per-member trust the root that signed it is not trusted for
		// clients at all: curl sends it and dockerd refuses its issuer; the
		// docker CLI does not even send it (its issuer is not among the CA
		// names dockerd lists). The usage check (serverAuth only) is in
		// pki's TLS tests, with CA-wide trust.
		srv := bundle{ca: alice.ca, cert: filepath.Join(root, "etc/docker/tls/server-cert.pem"), key: filepath.Join(root, "etc/docker/tls/server-key.pem")}
		refused(t, dir, "curl with the server certificate", "x509: certificate signed by unknown authority", false, func() cmdResult { return curlWith(t, ping, srv) })
		refused(t, dir, "curl (TLS 1.2) with the server certificate", "x509: certificate signed by unknown authority", true,
			func() cmdResult { return curlWith(t, ping, srv, "--tls-max", "1.2") })
		refused(t, dir, "docker with the server certificate", "tls: client didn't provide a certificate", false,
			func() cmdResult { return dockerWith(t, cfg, host, srv, "version") })
	})

	t.Run("plain HTTP", func(t *testing.T) {
		r := runTool(t, nil, "curl", "-sS", "--max-time", "30", "-w", "\n%{http_code}", "http://"+addr+"/_ping")
		if strings.HasPrefix(r.stdout, "OK") {
			t.Fatalf("plain HTTP got OK:\n%s", r)
		}
		if r.code == 0 && !strings.Contains(r.stdout, "HTTPS") {
			t.Errorf("plain HTTP: want a refusal that names HTTPS:\n%s", r)
		}
		if r.code == 0 && !strings.HasSuffix(r.stdout, "\n400") {
			t.Errorf("plain HTTP: want 400:\n%s", r)
		}
		r = runTool(t, []string{"DOCKER_CONFIG=" + cfg}, "docker", "-H", "tcp://"+addr, "version")
		if r.code == 0 || strings.Contains(r.stdout, "Server:") && strings.Contains(r.stdout, version) {
			t.Errorf("docker without TLS got in:\n%s", r)
		}
	})

	t.Run("client add while dockerd runs", func(t *testing.T) {
		mustDockerTLS(t, "client", "add", "bob", "--root", root)
		wantServerVersion(t, "bob's bundle", dockerWith(t, cfg, host, clientBundle(root, "bob"), "version"), version)
	})

	t.Run("status --probe", func(t *testing.T) {
		r := dockerTLS(t, nil, "status", "--probe", "--root", root)
		if r.code != 0 || !strings.Contains(r.stdout, "Probe: TLS handshake with the client bundle and GET /_ping succeeded.") {
			t.Errorf("status --probe:\n%s", r)
		}
	})

	// The files dockerd just read (the key 0400) pass the benchmark's
	// checks of them.
	t.Run("CIS", func(t *testing.T) { wantCISPass(t, root) })
}

// treeWithoutRunRecords is a snapshot minus what a run leaves besides the
// configuration: backups and the record of the last run.
func treeWithoutRunRecords(t *testing.T, root string) map[string]node {
	t.Helper()
	m := snapshot(t, root)
	for p := range m {
		if strings.HasSuffix(p, ".bak") || p == filepath.FromSlash("etc/docker/tls/last-run.json") {
			delete(m, p)
		}
	}
	return m
}

func TestE2EApplyRestartsDockerAndRollsBack(t *testing.T) {
	tools := e2eTools(t, "dockerd", "docker")
	root := fixtureRoot(t)
	dir := stateDir(t)
	installFakeSystemd(t, root, dir)
	t.Cleanup(func() {
		stopDockerd(dir)
		if t.Failed() {
			dumpDaemonLogs(t, dir)
		}
	})
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	host := fmt.Sprintf("tcp://localhost:%d", port)
	base := []string{"init", "--root", root, "--fqdn", "localhost", "--san-ip", "127.0.0.1", "--listen", addr, "--yes"}
	version := dockerdVersion(t, tools["dockerd"])
	cfg := t.TempDir()
	pidfile := filepath.Join(dir, "docker.pid")

	// init writes; `docker-tls apply` restarts (starts) dockerd and probes it.
	mustDockerTLS(t, append(base, "--client", "alice")...)
	r := mustDockerTLS(t, "apply", "--root", root)
	if !strings.Contains(r.stdout, "Docker is back") {
		t.Fatalf("apply:\n%s", r)
	}
	wantServerVersion(t, "alice after apply", dockerWith(t, cfg, host, clientBundle(root, "alice"), "version"), version)
	pid1 := readPid(pidfile)

	// init --apply with another client: dockerd really restarts, the probe passes.
	r = mustDockerTLS(t, append(base, "--client", "alice", "--client", "bob", "--apply")...)
	if !strings.Contains(r.stdout, "Docker is back") {
		t.Fatalf("init --apply:\n%s", r)
	}
	pid2 := readPid(pidfile)
	if pid2 == 0 || pid2 == pid1 || alive(pid1) {
		t.Errorf("dockerd was not restarted: pid %d before, %d after", pid1, pid2)
	}
	wantServerVersion(t, "bob after init --apply", dockerWith(t, cfg, host, clientBundle(root, "bob"), "version"), version)
	calls, _ := os.ReadFile(filepath.Join(dir, "systemctl.log"))
	// apply starts the renewal timer init enabled, then restarts Docker.
	if want := "daemon-reload\nstart docker-tls-renew.timer\nrestart docker\ndaemon-reload\nstart docker-tls-renew.timer\nrestart docker\n"; string(calls) != want {
		t.Errorf("systemctl calls:\n%s\nwant:\n%s", calls, want)
	}

	// A listen port that is taken: the new dockerd cannot start. init --apply
	// rolls the files back, restarts Docker with them, and says what failed.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	before := treeWithoutRunRecords(t, root)
	daemonJSON := readRootFile(t, root, "etc/docker/daemon.json")
	override := readRootFile(t, root, "etc/systemd/system/docker.service.d/override.conf")
	args := append([]string{}, base...)
	args[len(args)-2] = busy.Addr().String() // --listen
	r = dockerTLS(t, nil, append(args, "--client", "alice", "--client", "bob", "--apply")...)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr,
		"restarting Docker with the new configuration failed",
		"systemctl restart docker",
		"the previous files were restored and Docker was restarted with them",
		"address already in use", // from the (stand-in) journal: dockerd's own words
		`then run "docker-tls init --root `+root+`" again`,
	)
	if !bytes.Equal(readRootFile(t, root, "etc/docker/daemon.json"), daemonJSON) {
		t.Error("daemon.json was not rolled back")
	}
	if !bytes.Equal(readRootFile(t, root, "etc/systemd/system/docker.service.d/override.conf"), override) {
		t.Error("override.conf was not rolled back")
	}
	sameTree(t, before, treeWithoutRunRecords(t, root))
	// Docker is back with the previous files, on the previous port.
	pid3 := readPid(pidfile)
	if pid3 == 0 || pid3 == pid2 || !alive(pid3) {
		t.Errorf("dockerd was not restarted after the rollback: pid %d before, %d after", pid2, pid3)
	}
	wantServerVersion(t, "alice after the rollback", dockerWith(t, cfg, host, clientBundle(root, "alice"), "version"), version)
	wantCISPass(t, root)
}

// TestE2EOverrideIsWhatLetsDockerdStart shows the trap the override avoids,
// on the real dockerd: without it, the unit's -H fd:// and "hosts" in the
// generated daemon.json make dockerd refuse to start.
func TestE2EOverrideIsWhatLetsDockerdStart(t *testing.T) {
	e2eTools(t, "dockerd")
	root := fixtureRoot(t)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	mustDockerTLS(t, "init", "--root", root, "--fqdn", "localhost", "--san-ip", "127.0.0.1", "--listen", addr, "--yes")
	if err := os.Remove(filepath.Join(root, "etc/systemd/system/docker.service.d/override.conf")); err != nil {
		t.Fatal(err)
	}
	dir := stateDir(t)
	t.Cleanup(func() { stopDockerd(dir) })
	_, logPath, err := launchDockerd(root, dir, false)
	if err == nil {
		t.Fatal("dockerd started with -H fd:// and hosts in daemon.json")
	}
	b, _ := os.ReadFile(logPath)
	if !bytes.Contains(b, []byte("the following directives are specified both as a flag and in the configuration file: hosts")) {
		t.Errorf("dockerd failed, but not for the hosts conflict: %v\n%s", err, b)
	}
	// status names the conflict and how to fix it.
	r := dockerTLS(t, nil, "status", "--root", root)
	if r.code != 1 || !strings.Contains(r.stdout, "dockerd will refuse to start") {
		t.Errorf("status:\n%s", r)
	}
	// init writes the override again, and dockerd starts.
	mustDockerTLS(t, "init", "--root", root, "--fqdn", "localhost", "--san-ip", "127.0.0.1", "--listen", addr, "--yes")
	if _, _, err := launchDockerd(root, dir, false); err != nil {
		b, _ := os.ReadFile(latestLog(dir))
		t.Fatalf("dockerd with the override: %v\n%s", err, b)
	}
}

func latestLog(dir string) string {
	logs := daemonLogs(dir)
	if len(logs) == 0 {
		return ""
	}
	return logs[len(logs)-1]
}

// TestE2EOpenSSLVerifiesTheBundles checks what init wrote with OpenSSL's own
// verifier: each certificate chains to the CA and has the right purpose only.
func TestE2EOpenSSLVerifiesTheBundles(t *testing.T) {
	e2eTools(t, "openssl")
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	mustRun(t, 0, initArgs(root, "--san-ip", "192.0.2.10", "--client", "alice", "--yes")...)
	ca := filepath.Join(root, "etc/docker/tls/ca.pem")
	server := filepath.Join(root, "etc/docker/tls/server-cert.pem")
	alice := clientBundle(root, "alice")
	verify := func(purpose, cert string, extra ...string) cmdResult {
		// -untrusted cert: a member's cert.pem carries their anchor after
		// the certificate, as `openssl verify -CAfile ca.pem -untrusted
		// cert.pem cert.pem` reads it.
		args := append([]string{"verify", "-x509_strict", "-CAfile", ca, "-untrusted", cert, "-purpose", purpose}, extra...)
		return runTool(t, nil, "openssl", append(args, cert)...)
	}
	for _, c := range []struct {
		purpose, cert string
		extra         []string
		ok            bool
	}{
		{"sslserver", server, []string{"-verify_hostname", testFQDN}, true},
		{"sslserver", server, []string{"-verify_ip", "192.0.2.10"}, true},
		{"sslserver", server, []string{"-verify_ip", "192.0.2.11"}, false},
		{"sslclient", server, nil, false},
		{"sslclient", alice.cert, nil, true},
		{"sslserver", alice.cert, nil, false},
	} {
		r := verify(c.purpose, c.cert, c.extra...)
		if ok := r.code == 0 && strings.Contains(r.stdout, ": OK"); ok != c.ok {
			t.Errorf("openssl verify: want ok=%v:\n%s", c.ok, r)
		}
	}
	// The key in the bundle is the certificate's.
	pub := func(args ...string) string {
		r := runTool(t, nil, "openssl", args...)
		if r.code != 0 {
			t.Fatalf("openssl:\n%s", r)
		}
		return r.stdout
	}
	if pub("pkey", "-in", alice.key, "-pubout") != pub("x509", "-in", alice.cert, "-noout", "-pubkey") {
		t.Error("alice's key.pem does not match cert.pem")
	}
}
