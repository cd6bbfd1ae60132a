package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/docker-tls/docker-tls/hostfs"
)

// The host setups in testdata/hosts are rebuilt from public sources (each
// directory's SOURCES.md names the source of every file): how Docker CE,
// Debian, Ubuntu, Fedora, CentOS, Amazon Linux, openSUSE, Flatcar, CoreOS,
// NixOS, Alpine, Gentoo, Arch, Bottlerocket, snap, rootless Docker,
// docker-machine, minikube and kubespray start dockerd.
const hostsDir = "testdata/hosts"

func hostNames(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(hostsDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) < 15 {
		t.Fatalf("only %d host setups in %s", len(names), hostsDir)
	}
	return names
}

// copyHost copies a host setup to a new root, links as links.
func copyHost(t *testing.T, name string) string {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join(hostsDir, name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(root, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestHosts runs init's host step on each setup of testdata/hosts: Build,
// then Apply. Its golden records the command line dockerd gets before and
// after, and what init does: the files it writes with their diffs, or the
// refusal. After a run, the command line must pass no -H/--host or --tls*
// flag and no other flag the configuration file it reads sets too; that
// file must turn TLS on and keep the unix socket; a second run changes
// nothing. Where dockerd is installed, the real dockerd judges both the
// host as it was and the result (see judgeDockerd).
func TestHosts(t *testing.T) {
	for _, name := range hostNames(t) {
		t.Run(name, func(t *testing.T) {
			root := copyHost(t, name)
			before := snapshot(t, root)
			var g strings.Builder

			orig, err := Detect(hostfs.New(root))
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			fmt.Fprintf(&g, "# before\n%s", describeLaunch(orig))
			origProblems := orig.Problems()
			switch {
			case orig.Command == nil:
				g.WriteString("verdict: no docker.service command line to judge\n")
			case len(origProblems) == 0:
				g.WriteString("verdict: dockerd accepts this command line and configuration file\n")
			default:
				g.WriteString("verdict: dockerd refuses to start:\n")
				for _, p := range origProblems {
					g.WriteString("  " + p.Error() + "\n")
				}
			}
			if orig.Command != nil {
				judgeDockerd(t, "before", orig, len(origProblems) == 0 || onlyBOM(origProblems) && dockerdSkipsBOM())
			}

			c, err := Build(hostfs.New(root), nil, &testHost)
			if err != nil {
				if after := snapshot(t, root); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Fatal("a refused Build changed the root")
				}
				why := "dockerd refuses this host as it is"
				if len(origProblems) == 0 {
					why = safetyReason(err)
					if why == "" {
						t.Fatalf("refused a host dockerd accepts, without saying why it cannot be fixed safely: %v", err)
					}
				}
				fmt.Fprintf(&g, "\n# init refuses (%s)\n%s\n", why, err)
				golden.RequireEqual(t, g.String())
				return
			}
			g.WriteString("\n# init writes\n" + report(c))
			applyAndJudge(t, root, c, &g)

			again, err := Build(hostfs.New(root), nil, &testHost)
			if err != nil || !again.Empty() {
				t.Fatalf("second run (err %v) not empty:\n%s", err, report(again))
			}
			golden.RequireEqual(t, g.String())
		})
	}
}

// TestHostsAfterAdvice follows a refusal's advice on the host it refused,
// then runs init again: the second run must succeed and leave a dockerd
// that starts.
func TestHostsAfterAdvice(t *testing.T) {
	tests := []struct {
		host   string
		advice string // what the refusal says to do
		follow func(t *testing.T, root string, refusal error)
	}{
		{"flatcar-docker-tls", "systemctl disable --now docker-tls-tcp.socket", func(t *testing.T, root string, _ error) {
			// What systemctl disable does: remove the unit's links.
			if err := os.Remove(filepath.Join(root, "etc/systemd/system/sockets.target.wants/docker-tls-tcp.socket")); err != nil {
				t.Fatal(err)
			}
		}},
		{"flatcar-docker-tcp2375", "systemctl disable --now docker-tcp.socket", func(t *testing.T, root string, _ error) {
			if err := os.Remove(filepath.Join(root, "etc/systemd/system/sockets.target.wants/docker-tcp.socket")); err != nil {
				t.Fatal(err)
			}
		}},
		{"execstartpre-cp-daemonjson", "remove this ExecStartPre= line", func(t *testing.T, root string, _ error) {
			writeTree(t, root, map[string]string{"/etc/systemd/system/docker.service.d/10-daemon-json.conf": "[Service]\n"})
		}},
		{"nixos-docker", "virtualisation.docker.daemon.settings", func(t *testing.T, root string, refusal error) {
			// What pasting the settings and nixos-rebuild switch do: a new
			// store file with the module's settings and these, sorted and
			// indented as NixOS writes JSON, and the drop-in pointing at it.
			d, err := Detect(hostfs.New(root))
			if err != nil {
				t.Fatal(err)
			}
			merged, _, err := mergeDaemonJSON(d.DaemonJSON, testHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(refusal.Error(), nixSettings(merged)) {
				t.Fatalf("the refusal does not give the settings to paste:\n%v", refusal)
			}
			var cfg, ours map[string]any
			if json.Unmarshal(d.DaemonJSON, &cfg) != nil || json.Unmarshal(merged, &ours) != nil {
				t.Fatal("bad JSON")
			}
			for _, k := range owned {
				cfg[k] = ours[k] // hosts is forced: the module's ["fd://"] is replaced
			}
			b, err := json.MarshalIndent(cfg, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			const rebuilt = "/nix/store/0rebuilt0000000000000000000000000-daemon.json"
			writeTree(t, root, map[string]string{rebuilt: string(b) + "\n"})
			dropIn := filepath.Join(root, "etc/systemd/system/docker.service.d/overrides.conf")
			old, err := os.ReadFile(dropIn)
			if err != nil {
				t.Fatal(err)
			}
			writeTree(t, root, map[string]string{"/etc/systemd/system/docker.service.d/overrides.conf": strings.Replace(string(old), d.ConfigFile, rebuilt, 1)})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			root := copyHost(t, tt.host)
			_, refusal := Build(hostfs.New(root), nil, &testHost)
			if refusal == nil || !strings.Contains(refusal.Error(), tt.advice) {
				t.Fatalf("refusal %v does not say %q", refusal, tt.advice)
			}
			tt.follow(t, root, refusal)

			c, err := Build(hostfs.New(root), nil, &testHost)
			if err != nil {
				t.Fatalf("refused again after following its advice: %v", err)
			}
			var g strings.Builder
			fmt.Fprintf(&g, "# after: %s\n\n# init writes\n%s", tt.advice, report(c))
			applyAndJudge(t, root, c, &g)
			golden.RequireEqual(t, g.String())
		})
	}
}

// safetyReason says why init may refuse a host dockerd accepts: it cannot
// change it safely (another init system, a snap or rootless daemon, a
// generated configuration, a setting it does not own such as a socket unit
// on the TLS port). "" when the refusal is none of those.
func safetyReason(err error) string {
	for _, r := range []struct {
		err error
		why string
	}{
		{ErrOtherInit, "dockerd accepts it; docker-tls configures systemd only"},
		{ErrNoUnit, "no docker.service to configure"},
		{ErrSnap, "dockerd accepts it; the snap keeps its configuration elsewhere"},
		{ErrRootless, "dockerd accepts it; a rootless daemon is configured per user"},
		{ErrReadOnlyConfig, "dockerd accepts it; its configuration file is generated, read-only"},
		{ErrConflict, "dockerd accepts it; the change would need a setting docker-tls does not own"},
	} {
		if errors.Is(err, r.err) {
			return r.why
		}
	}
	return ""
}

func describeLaunch(d *Detection) string {
	var b strings.Builder
	switch {
	case d.UnitPath == "":
		b.WriteString("unit: none\n")
		if d.InitScript != "" {
			fmt.Fprintf(&b, "init script: %s\n", d.InitScript)
		}
	default:
		fmt.Fprintf(&b, "unit: %s\n", d.UnitPath)
		for _, p := range d.DropIns {
			fmt.Fprintf(&b, "drop-in: %s\n", p)
		}
		for _, p := range d.EnvFiles {
			fmt.Fprintf(&b, "environment file: %s\n", p)
		}
		fmt.Fprintf(&b, "command: %s\n", strings.Join(quoteWords(d.Command), " "))
	}
	cfg := d.ConfigFile
	switch {
	case cfg == "":
		b.WriteString("config file: none (--config-file=)\n")
	case d.DaemonJSON == nil:
		fmt.Fprintf(&b, "config file: %s (absent)\n", cfg)
	default:
		keys, _ := configKeys(d.DaemonJSON)
		var names []string
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "config file: %s, settings: %s\n", cfg, strings.Join(names, " "))
	}
	for _, w := range d.Warnings {
		b.WriteString("warning: " + w + "\n")
	}
	return b.String()
}

// quoteWords quotes the words that would not read back as one word.
func quoteWords(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		if w == "" || strings.ContainsAny(w, " \t\"'\\") {
			w = fmt.Sprintf("%q", w)
		}
		out[i] = w
	}
	return out
}

// checkResult: the command line dockerd gets passes no -H/--host or
// --tls* flag and nothing else its configuration file sets, and that file
// turns TLS on, names our files, and keeps a unix socket next to the TLS
// listener.
func checkResult(t *testing.T, d *Detection) {
	t.Helper()
	if len(d.HostFlags) > 0 || len(d.TLSFlags) > 0 {
		t.Errorf("the command line still passes -H %q and TLS flags %q: %q", d.HostFlags, d.TLSFlags, d.Command)
	}
	for _, p := range d.Problems() {
		t.Errorf("dockerd would not start: %v", p)
	}
	cfg, err := ParseDaemonConfig(d.DaemonJSON)
	if err != nil || d.DaemonJSON == nil {
		t.Fatalf("%s: %v", d.ConfigFile, err)
	}
	if cfg.TLSVerify == nil || !*cfg.TLSVerify || cfg.TLSCACert != testHost.CACert || cfg.TLSCert != testHost.Cert || cfg.TLSKey != testHost.Key {
		t.Errorf("%s does not turn TLS on with our files: %+v", d.ConfigFile, cfg)
	}
	unix, tcp := false, false
	for _, h := range cfg.Hosts {
		unix = unix || strings.HasPrefix(h, "unix://")
		tcp = tcp || h == "tcp://"+testHost.Listen
	}
	if !unix || !tcp {
		t.Errorf("hosts %q: want a unix socket and tcp://%s", cfg.Hosts, testHost.Listen)
	}
	socks, err := d.dockerSockets()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range socks {
		for _, a := range s.listens {
			if s.enabled && tcpPort(a.value) != "" {
				t.Errorf("%s still listens on TCP for docker.service: ListenStream=%s (%s:%d)", s.name, a.value, a.path, a.line)
			}
		}
	}
}

// judgeDockerd runs the installed dockerd as an unprivileged user (uid and
// gid 65534) with the command line d gives it and a readable copy of its
// configuration file. dockerd loads its configuration, compares it with its
// flags and only then checks that it runs as root, so reaching "dockerd
// needs to be started with root privileges" means it accepts both; a
// conflict, an unknown flag or an argument stops it before. want says
// which of the two must happen. Skipped without dockerd, setpriv or root,
// unless DOCKER_TLS_E2E=1.
func judgeDockerd(t *testing.T, when string, d *Detection, want bool) {
	t.Helper()
	bin, err := judgeTools()
	if err != nil {
		if os.Getenv("DOCKER_TLS_E2E") == "1" {
			t.Fatalf("DOCKER_TLS_E2E=1 but %v", err)
		}
		t.Logf("not judged by dockerd: %v (set DOCKER_TLS_E2E=1 to make this a failure)", err)
		return
	}
	dir := judgeDir(t)
	conf := filepath.Join(dir, "daemon.json")
	data := d.DaemonJSON
	if data == nil {
		data = []byte("{}") // as absent; never this machine's own daemon.json
	}
	if err := os.WriteFile(conf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args := judgeArgs(d.Command[1:], d.ConfigFile, conf)
	out := runUnprivileged(t, dir, bin, args)
	reached := strings.Contains(out, "dockerd needs to be started with root privileges")
	if reached != want {
		t.Errorf("%s: dockerd %s %q: reached the root check %v, want %v; it said:\n%s", when, bin, args, reached, want, out)
	}
	// When dockerd lists conflicts, they are the ones predicted.
	if m := regexp.MustCompile(`specified both as a flag and in the configuration file: (.*)`).FindStringSubmatch(out); m != nil {
		got := map[string]bool{}
		for _, k := range regexp.MustCompile(`(?:^|, )([a-z0-9-]+): \(from flag:`).FindAllStringSubmatch(m[1], -1) {
			got[k[1]] = true
		}
		predicted := map[string]bool{}
		for _, p := range d.Problems() {
			var ce *ConflictError
			if errors.As(p, &ce) && ce.key != "" {
				predicted[ce.key] = true
			}
		}
		if diff := keyDiff(predicted, got); diff != "" {
			t.Errorf("%s: %s\ndockerd said: %s", when, diff, out)
		}
	}
}

// judgeArgs points --config-file at conf (added when the command line has
// none, so that dockerd never reads this machine's own file); an empty
// --config-file= stays, since it turns the file off.
func judgeArgs(args []string, cfgPath, conf string) []string {
	out := append([]string{}, args...)
	if cfgPath == "" {
		return out
	}
	for i := 0; i < len(out); i++ {
		switch {
		case strings.HasPrefix(out[i], "--config-file="):
			out[i] = "--config-file=" + conf
			return out
		case out[i] == "--config-file" && i+1 < len(out):
			out[i+1] = conf
			return out
		}
	}
	return append(out, "--config-file="+conf)
}

// onlyBOM reports problems that are all a configuration file's byte order
// mark, which only dockerd before 23.0 refuses.
func onlyBOM(problems []error) bool {
	for _, p := range problems {
		var be *bomError
		if !errors.As(p, &be) {
			return false
		}
	}
	return len(problems) > 0
}

// dockerdSkipsBOM reports an installed dockerd of 23.0 or later, which
// reads past a UTF-8 byte order mark (moby #44770).
func dockerdSkipsBOM() bool {
	out, err := exec.Command("dockerd", "--version").Output()
	if err != nil {
		return false
	}
	var major int
	if _, err := fmt.Sscanf(strings.TrimPrefix(string(out), "Docker version "), "%d.", &major); err != nil {
		return false
	}
	return major >= 23
}

func judgeTools() (string, error) {
	bin, err := exec.LookPath("dockerd")
	if err != nil {
		return "", errors.New("dockerd is not installed (apt-get install docker.io)")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		return "", errors.New("setpriv is not installed (apt-get install util-linux)")
	}
	if os.Geteuid() != 0 {
		return "", errors.New("not root: setpriv cannot switch to uid 65534")
	}
	return bin, nil
}

// BenchmarkBuildHost measures init's host step on a Red Hat host whose
// flags live in /etc/sysconfig/docker: detection, expansion, the fix, and
// the check of the result.
func BenchmarkBuildHost(b *testing.B) {
	root := b.TempDir()
	src := filepath.Join(hostsDir, "centos7-docker-tcp2375")
	if err := os.CopyFS(root, os.DirFS(src)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Build(hostfs.New(root), nil, &testHost); err != nil {
			b.Fatal(err)
		}
	}
}

// applyAndJudge writes c, then describes the host as systemd and dockerd
// will now read it into g, checks the result and lets the real dockerd judge.
func applyAndJudge(t *testing.T, root string, c *Changes, g *strings.Builder) {
	t.Helper()
	if _, err := c.Apply(nil); err != nil {
		t.Fatal(err)
	}
	after, err := Detect(hostfs.New(root))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(g, "\n# after\n%s", describeLaunch(after))
	checkResult(t, after)
	judgeDockerd(t, "after", after, true)
}
