package render

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// flagSamples are values dockerd accepts for its flags that take one.
var flagSamples = map[string]string{
	"log-level": "info", "tlscacert": "/x", "tlscert": "/x", "tlskey": "/x", "host": "unix:///tmp/judge.sock",
	"allow-nondistributable-artifacts": "myreg:5000", "registry-mirror": "https://m.example",
	"insecure-registry": "r:5000", "storage-opt": "a=b", "authorization-plugin": "p", "exec-opt": "a=b",
	"pidfile": "/tmp/p", "graph": "/tmp/g", "exec-root": "/tmp/e", "containerd": "/tmp/c.sock",
	"data-root": "/tmp/d", "storage-driver": "vfs", "mtu": "1500", "dns": "1.1.1.1", "dns-opt": "ndots:1",
	"dns-search": "example.com", "host-gateway-ip": "10.0.0.1", "label": "a=b", "log-driver": "json-file",
	"log-opt": "max-size=1m", "cluster-advertise": "1.2.3.4:2376", "cluster-store": "consul://x",
	"cluster-store-opt": "a=b", "api-cors-header": "*", "max-concurrent-downloads": "3",
	"max-concurrent-uploads": "5", "max-download-attempts": "5", "shutdown-timeout": "15",
	"network-diagnostic-port": "0", "swarm-default-advertise-addr": "1.2.3.4", "metrics-addr": "127.0.0.1:9323",
	"node-generic-resource": "gpu=1", "network-control-plane-mtu": "1500", "containerd-namespace": "moby",
	"containerd-plugins-namespace": "plugins.moby", "group": "docker", "bip": "10.1.0.1/16", "bridge": "br0",
	"fixed-cidr": "10.1.0.0/24", "default-gateway": "10.1.0.1", "default-gateway-v6": "fe80::1", "ip": "0.0.0.0",
	"add-runtime": "judge=/bin/true", "default-runtime": "runc", "default-ulimit": "nofile=1024:2048",
	"fixed-cidr-v6": "2001:db8::/64", "userland-proxy-path": "/usr/bin/docker-proxy", "cgroup-parent": "x",
	"userns-remap": "default", "oom-score-adjust": "-500", "init-path": "/x", "cpu-rt-period": "1000",
	"cpu-rt-runtime": "950", "seccomp-profile": "/x", "default-shm-size": "64M", "default-ipc-mode": "private",
	"default-address-pool": "base=10.10.0.0/16,size=24", "default-cgroupns-mode": "host",
	"default-stop-timeout": "10", "log-format": "text", "feature": "cdi=true", "default-network-opt": "bridge=com.docker.network.driver.mtu=1500",
	"http-proxy": "http://p:3128", "https-proxy": "http://p:3128", "no-proxy": "x", "cdi-spec-dir": "/x",
	"nri-opts": "enable=false", "bip6": "fd00::1/64", "bridge-accept-fwmark": "1", "firewall-backend": "iptables",
}

// installedVersions says which rows of dockerdFlags the installed dockerd
// has: v20.10 before 23, the latest from 29 on, and between them the flags
// both have.
func installedVersions(t *testing.T, bin string) dockerdVersion {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", bin, err)
	}
	m := regexp.MustCompile(`Docker version (\d+)\.`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s --version: %q", bin, out)
	}
	major, _ := strconv.Atoi(string(m[1]))
	switch {
	case major < 23:
		return v2010
	case major >= 29:
		return vLatest
	}
	return v2010 | vLatest
}

// TestDockerdFlagTable checks the flag table against the installed dockerd,
// run as an unprivileged user so that it stops right after comparing its
// flags with its configuration file: given every flag it has (long names,
// shorthands, "=" and separate values, grouped shorthands) and a
// configuration file that sets every key of the table (one of them nested,
// which dockerd flattens), the conflicts it lists must be exactly those
// parseDockerdArgs, the table and configKeys predict. --add-runtime next to
// "runtimes" must not conflict; -g/--graph and --data-root are given in
// separate runs (dockerd refuses them together before reading the file).
func TestDockerdFlagTable(t *testing.T) {
	bin, err := judgeTools()
	if err != nil {
		if os.Getenv("DOCKER_TLS_E2E") == "1" {
			t.Fatalf("DOCKER_TLS_E2E=1 but %v", err)
		}
		t.Skipf("%v (set DOCKER_TLS_E2E=1 to make this a failure)", err)
	}
	have := installedVersions(t, bin)
	var rows []*dockerdFlag
	for i := range dockerdFlags {
		f := &dockerdFlags[i]
		if f.versions&have == have && f.long != "help" && f.long != "version" {
			rows = append(rows, f)
		}
	}
	// A configuration file with every key: "log-level" nested one level
	// down, where dockerd still finds it.
	cfg := map[string]any{"nested": map[string]any{"log-level": "x"}, "runtimes": map[string]any{"other": map[string]any{"path": "/bin/false"}}}
	for _, f := range rows {
		if len(f.keys) > 0 && f.keys[0] != "log-level" {
			cfg[f.keys[0]] = "x"
		}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}

	// Every flag once, in the forms pflag reads: --name=value and
	// --name value, -xvalue and -x value, booleans as --name=true, and a
	// grouped -Dl info (-D, then -l taking the next word).
	argv := func(without string) []string {
		args := []string{"-Dl", flagSamples["log-level"]}
		for i, f := range rows {
			v := flagSamples[f.long]
			switch {
			case f.long == without || f.long == "config-file" || f.long == "log-level":
			case f.isBool:
				args = append(args, "--"+f.long+"=true")
			case v == "":
				t.Fatalf("no sample value for --%s", f.long)
			case f.short != 0 && i%2 == 0:
				args = append(args, "-"+string(f.short)+v)
			case f.short != 0:
				args = append(args, "-"+string(f.short), v)
			case i%2 == 0:
				args = append(args, "--"+f.long+"="+v)
			default:
				args = append(args, "--"+f.long, v)
			}
		}
		return args
	}

	for _, without := range []string{"graph", "data-root"} {
		t.Run("without-"+without, func(t *testing.T) {
			args := argv(without)
			dir := judgeDir(t)
			conf := filepath.Join(dir, "daemon.json")
			if err := os.WriteFile(conf, cfgJSON, 0o644); err != nil {
				t.Fatal(err)
			}
			args = append(args, "--config-file", conf)

			keys, ok := configKeys(cfgJSON)
			if !ok {
				t.Fatal("configKeys refused the file")
			}
			want := map[string]bool{}
			parsed := parseDockerdArgs(args)
			for _, f := range parsed.flags {
				if f.flag == nil {
					t.Fatalf("parseDockerdArgs does not know %q", f.name)
				}
				if k := f.key(); k != "" && keys[k] {
					want[k] = true
				}
			}
			if len(parsed.positional) > 0 {
				t.Fatalf("parseDockerdArgs left arguments at %v", parsed.positional)
			}
			if !want["log-level"] || want["runtimes"] {
				t.Fatalf("prediction misses the nested key or counts runtimes: %v", want)
			}

			out := runUnprivileged(t, dir, bin, args)
			m := regexp.MustCompile(`specified both as a flag and in the configuration file: (.*)`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("dockerd reported no conflict:\n%s", out)
			}
			got := map[string]bool{}
			for _, k := range regexp.MustCompile(`(?:^|, )([a-z0-9-]+): \(from flag:`).FindAllStringSubmatch(m[1], -1) {
				got[k[1]] = true
			}
			if d := keyDiff(want, got); d != "" {
				t.Errorf("dockerd %s: %s\nit said: %s", strings.Join(args, " "), d, out)
			}
			if len(got) < 60 {
				t.Errorf("only %d conflicts checked", len(got))
			}
		})
	}
}

func keyDiff(want, got map[string]bool) string {
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) == 0 {
		return ""
	}
	return "predicted but not reported by dockerd: " + strings.Join(missing, " ") + "; reported by dockerd but not predicted: " + strings.Join(extra, " ")
}

// judgeDir is a directory the unprivileged dockerd can read.
func judgeDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "docker-tls-judge-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runUnprivileged runs bin as uid and gid 65534 in dir, with a bare
// environment, and returns what it printed.
func runUnprivileged(t *testing.T, dir, bin string, args []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent"}
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	return string(out)
}
