package render

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/docker-tls/docker-tls/hostfs"
)

// testFiles are what pki would hand over: opaque bytes.
func testFiles() []File {
	return []File{
		{Path: tlsDir + "/ca/ca.pem", Data: []byte("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"), Mode: 0o644, DirMode: 0o700},
		{Path: tlsDir + "/ca/ca-key.pem", Data: []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nCAKEY\n-----END ENCRYPTED PRIVATE KEY-----\n"), Mode: 0o600, DirMode: 0o700, Exclusive: true},
		{Path: tlsDir + "/ca.pem", Data: []byte("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"), Mode: 0o644},
		{Path: tlsDir + "/server-cert.pem", Data: []byte("-----BEGIN CERTIFICATE-----\nSERVER\n-----END CERTIFICATE-----\n"), Mode: 0o644},
		{Path: tlsDir + "/server-key.pem", Data: []byte("-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n"), Mode: 0o600},
	}
}

// report describes Changes as text for goldens.
func report(c *Changes) string {
	var b strings.Builder
	for _, ch := range c.Changes {
		fmt.Fprintf(&b, "%s %s %04o backup=%v\n", ch.Action, ch.Path, ch.Mode, ch.Backup)
	}
	for _, ch := range c.Changes {
		b.WriteString(ch.Diff)
	}
	for _, w := range c.Warnings {
		b.WriteString("warning: " + w + "\n")
	}
	for _, n := range c.Notes {
		b.WriteString("note: " + n + "\n")
	}
	return b.String()
}

func TestBuild(t *testing.T) {
	names := make([]string, 0, len(trees))
	for n := range trees {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, trees[name])
			before := snapshot(t, root)
			c, err := Build(hostfs.New(root), testFiles(), &testHost)
			if err != nil {
				t.Fatal(err)
			}
			if after := snapshot(t, root); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatal("Build wrote to the root")
			}
			golden.RequireEqual(t, report(c))

			// Applying and building again leaves nothing to do.
			if _, err := c.Apply(nil); err != nil {
				t.Fatal(err)
			}
			again, err := Build(hostfs.New(root), testFiles()[2:], &testHost)
			if err != nil {
				t.Fatal(err)
			}
			if !again.Empty() {
				t.Fatalf("second Build not empty:\n%s", report(again))
			}
		})
	}
}

func TestDetect(t *testing.T) {
	root := t.TempDir()
	tree := map[string]string{
		usrLibUnit: ceUnit,
		"/usr/lib/systemd/system/docker.service.d/10-a.conf": "[Service]\nEnvironment=A=1\n",
		"/etc/systemd/system/docker.service.d/10-a.conf":     "[Service]\nEnvironment=A=2\n",
		"/run/systemd/system/docker.service.d/05-b.conf":     "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H unix:///x.sock\n",
		"/etc/systemd/system/docker.service.d/zz.conf":       "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --host=fd://\n",
		"/etc/systemd/system/docker.service.d/notes.txt":     "ignored",
	}
	writeTree(t, root, tree)
	d, err := Detect(hostfs.New(root))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/run/systemd/system/docker.service.d/05-b.conf",
		"/etc/systemd/system/docker.service.d/10-a.conf",
		"/etc/systemd/system/docker.service.d/zz.conf",
	}
	if d.UnitPath != usrLibUnit || fmt.Sprint(d.DropIns) != fmt.Sprint(want) {
		t.Fatalf("unit %q drop-ins %q", d.UnitPath, d.DropIns)
	}
	if d.ExecStart != "/usr/bin/dockerd --host=fd://" || fmt.Sprint(d.HostFlags) != "[fd://]" {
		t.Fatalf("ExecStart %q hosts %q", d.ExecStart, d.HostFlags)
	}
	if d.DaemonJSONExists || d.Snap || d.Rootless {
		t.Fatalf("flags wrong: %+v", d)
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "zz.conf sets ExecStart and sorts after override.conf") {
		t.Fatalf("warnings %q", d.Warnings)
	}

	// The command line as systemd builds it: DOCKER_OPTS from
	// /etc/default/docker expanded, its flags found.
	root = t.TempDir()
	writeTree(t, root, map[string]string{libUnit: debianUnit, DefaultDockerPath: defaultDocker2375,
		DaemonJSONPath: "{\"hosts\": [\"unix:///var/run/docker.sock\"]}\n"})
	d, err = Detect(hostfs.New(root))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Command, " "); got != "/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375" {
		t.Fatalf("command %q", got)
	}
	if fmt.Sprint(d.HostFlags) != "[fd:// tcp://0.0.0.0:2375]" || fmt.Sprint(d.EnvFiles) != "["+DefaultDockerPath+"]" {
		t.Fatalf("hosts %q env files %q", d.HostFlags, d.EnvFiles)
	}
	// dockerd refuses that host as it is: -H and "hosts" together.
	probs := d.Problems()
	wantProbs := []string{
		`/lib/systemd/system/docker.service:11: ExecStart= passes -H fd:// while /etc/docker/daemon.json sets "hosts": dockerd will refuse to start`,
		`/etc/default/docker:3: DOCKER_OPTS in /etc/default/docker passes -H tcp://0.0.0.0:2375 while /etc/docker/daemon.json sets "hosts": dockerd will refuse to start`,
	}
	if len(probs) != len(wantProbs) {
		t.Fatalf("problems %q; want %q", probs, wantProbs)
	}
	for i, w := range wantProbs {
		if !strings.Contains(probs[i].Error(), w) {
			t.Errorf("problem %d: %q; want %q", i, probs[i], w)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name    string
		tree    map[string]string
		files   []File
		host    *Host
		is      error
		wantErr string
	}{
		{"failNoUnit", map[string]string{}, nil, &testHost, ErrNoUnit, "apt-get install docker.io"},
		{"failSnap", map[string]string{"/snap/bin/dockerd": ""}, nil, &testHost, ErrSnap, "not handled yet"},
		{"failRootless", map[string]string{"/home/ann/.config/systemd/user/docker.service": ceUnit}, nil, &testHost, ErrRootless, "not handled yet"},
		{"failRootlessExec", map[string]string{usrLibUnit: strings.Replace(ceUnit, "/usr/bin/dockerd", "/usr/bin/dockerd-rootless.sh", 1)}, nil, &testHost, ErrRootless, "wrong daemon"},
		{"failBadJSON", map[string]string{usrLibUnit: ceUnit, DaemonJSONPath: "{\"a\":1,,}"}, nil, &testHost, nil, "daemon.json:1:8: invalid JSON"},
		{"failNoListen", map[string]string{usrLibUnit: ceUnit}, nil, &Host{CACert: testHost.CACert, Cert: testHost.Cert, Key: testHost.Key}, nil, "no listen address"},
		{"failDirInPlace", map[string]string{usrLibUnit: ceUnit, DaemonJSONPath + "/x": ""}, nil, &testHost, nil, "daemon.json is a directory"},
		{"failDirInPlaceFile", map[string]string{tlsDir + "/ca.pem/x": ""}, testFiles(), nil, nil, "ca.pem is a directory"},
		{"failExclusive", map[string]string{tlsDir + "/ca/ca-key.pem": "old key"}, testFiles(), nil, nil, "ca-key.pem already exists; refusing to overwrite"},
		{"failTwice", nil, append(testFiles(), testFiles()[0]), nil, nil, "given twice"},
		{"failRelative", nil, []File{{Path: "etc/x"}}, nil, nil, "must be absolute"},
		{"failNoExecStart", map[string]string{usrLibUnit: "[Service]\nType=notify\n"}, nil, &testHost, nil, "has no ExecStart="},
		{"failTwoExecStart", map[string]string{usrLibUnit: ceUnit, "/etc/systemd/system/docker.service.d/x.conf": "[Service]\nExecStart=/usr/bin/dockerd\n"}, nil, &testHost, nil, "2 ExecStart= commands"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.tree)
			_, err := Build(hostfs.New(root), tt.files, tt.host)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v; want %q (is %v)", err, tt.wantErr, tt.is)
			}
		})
	}
}

func TestBuildModeFix(t *testing.T) {
	root := t.TempDir()
	key := testFiles()[4]
	writeTree(t, root, map[string]string{key.Path: string(key.Data)})
	if err := os.Chmod(Join(root, key.Path), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Build(hostfs.New(root), []File{key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ch := c.Changes[0]; ch.Action != Update || ch.Diff != "" || !ch.Backup {
		t.Fatalf("world-readable key not fixed: %+v", ch)
	}
}

// TestBuildConfiguredHost: a host already set up (by hand or a previous run)
// gives nothing to write and says why no override is needed.
func TestBuildConfiguredHost(t *testing.T) {
	configured, err := os.ReadFile("testdata/daemon/configured.in.json")
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := os.ReadFile("testdata/TestRenderOverride/ce.golden")
	if err != nil {
		t.Fatal(err)
	}
	override, _, _ := strings.Cut(string(rendered), "\n# diff\n")
	root := t.TempDir()
	writeTree(t, root, map[string]string{usrLibUnit: ceUnit, DaemonJSONPath: string(configured), OverridePath: override})
	c, err := Build(hostfs.New(root), nil, &testHost)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Empty() || len(c.Warnings) != 0 || len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "override left as it is") {
		t.Fatalf("configured host not recognised:\n%s", report(c))
	}
}

// TestBuildConflicts: settings that would stop dockerd from starting and
// that docker-tls cannot change safely are errors that say what to change,
// and nothing is planned.
func TestBuildConflicts(t *testing.T) {
	const dropIns = "/etc/systemd/system/docker.service.d/"
	optsUnit := strings.Replace(ceUnit, "--containerd=/run/containerd/containerd.sock", "$DOCKER_OPTS", 1)
	tests := []struct {
		name  string
		tree  map[string]string
		path  string
		line  int
		flags []string
		want  []string // in the message
	}{
		{"lateDropInHosts", map[string]string{usrLibUnit: ceUnit, dropIns + "zz-hosts.conf": "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// -H unix:///run/extra.sock --log-level=warn\n"},
			dropIns + "zz-hosts.conf", 3, []string{"-H fd://", "-H unix:///run/extra.sock"},
			[]string{"sorts after override.conf", `remove -H fd:// -H unix:///run/extra.sock from its ExecStart (daemon.json "hosts" now sets the sockets); to keep unix:///run/extra.sock, add it to "hosts" in /etc/docker/daemon.json, or delete its ExecStart= lines so that /etc/systemd/system/docker.service.d/override.conf applies`}},
		{"lateDropInTLS", map[string]string{usrLibUnit: noHUnit, "/run/systemd/system/docker.service.d/zz.conf": "[Service]\n# tls by hand\nExecStart=\nExecStart=/usr/bin/dockerd --tlsverify --tlscacert /etc/old/ca.pem\n"},
			"/run/systemd/system/docker.service.d/zz.conf", 4, []string{"--tlsverify", "--tlscacert /etc/old/ca.pem"},
			[]string{`tlsverify and tlscacert set both as a flag and in daemon.json`, `remove --tlsverify --tlscacert /etc/old/ca.pem from its ExecStart (daemon.json now sets "tlsverify" and "tlscacert")`}},
		// A variable set by a drop-in that sorts after override.conf: the
		// override cannot redefine it.
		{"lateDropInEnvironment", map[string]string{usrLibUnit: optsUnit, dropIns + "zz-opts.conf": "[Service]\nEnvironment=\"DOCKER_OPTS=--debug --tlsverify\"\n"},
			dropIns + "zz-opts.conf", 2, []string{"--tlsverify"},
			[]string{"its Environment= sets DOCKER_OPTS with --tlsverify and this drop-in sorts after override.conf", `remove --tlsverify from DOCKER_OPTS there (daemon.json now sets "tlsverify")`}},
		// A file made at run time is regenerated: editing it fixes nothing.
		{"runtimeEnvFile", map[string]string{usrLibUnit: strings.Replace(optsUnit, "[Service]\n", "[Service]\nEnvironmentFile=-/run/docker/opts.env\n", 1), "/run/docker/opts.env": "DOCKER_OPTS=-H tcp://0.0.0.0:2375\n"},
			"/run/docker/opts.env", 1, []string{"-H tcp://0.0.0.0:2375"},
			[]string{"DOCKER_OPTS in /run/docker/opts.env passes -H tcp://0.0.0.0:2375, and the file is made at run time", "change what writes /run/docker/opts.env so that DOCKER_OPTS leaves out -H tcp://0.0.0.0:2375"}},
		// A file outside /etc is not system configuration docker-tls edits.
		{"envFileOutsideEtc", map[string]string{usrLibUnit: strings.Replace(optsUnit, "[Service]\n", "[Service]\nEnvironmentFile=/opt/docker/opts.env\n", 1), "/opt/docker/opts.env": "DOCKER_OPTS=--tlsverify\n"},
			"/opt/docker/opts.env", 1, []string{"--tlsverify"}, []string{"docker-tls edits environment files under /etc only"}},
		// A glob that would read the backup, old flags and all, after the file.
		{"envFileGlobReadsBackup", map[string]string{usrLibUnit: strings.Replace(optsUnit, "[Service]\n", "[Service]\nEnvironmentFile=-/etc/sysconfig/docker*\n", 1), "/etc/sysconfig/docker": "DOCKER_OPTS=--tlsverify\n"},
			"/etc/sysconfig/docker", 1, []string{"--tlsverify"}, []string{"would also read the backup docker-tls keeps beside the file", "or name the file without a wildcard"}},
		// -H in ExecStart=, its value and more in a variable: removing the
		// flag would change what else the variable passes.
		{"splitFlag", map[string]string{usrLibUnit: strings.Replace(ceUnit, "-H fd://", "-H $ADDR", 1), dropIns + "10-addr.conf": "[Service]\nEnvironment=\"ADDR=tcp://0.0.0.0:2375 --debug\"\n"},
			usrLibUnit, 13, []string{"-H tcp://0.0.0.0:2375"},
			[]string{"whose words come partly from ExecStart= and partly from a variable", "write -H tcp://0.0.0.0:2375 in one place"}},
		// A flag other than -H/--tls* that daemon.json sets too: dockerd
		// refuses to start already, and which side to keep is the admin's call.
		{"existingConflict", map[string]string{usrLibUnit: ceUnit, DaemonJSONPath: "{\"containerd\": \"/run/containerd/containerd.sock\", \"debug\": true}\n"},
			usrLibUnit, 13, []string{"--containerd=/run/containerd/containerd.sock"},
			[]string{`ExecStart= passes --containerd=/run/containerd/containerd.sock while /etc/docker/daemon.json sets "containerd": dockerd will refuse to start`, `remove "containerd" from /etc/docker/daemon.json (the flag sets it already), or take --containerd=/run/containerd/containerd.sock out of ExecStart=`}},
		// A nested object counts as its keys (dockerd flattens one level).
		{"existingConflictNested", map[string]string{usrLibUnit: ceUnit, DaemonJSONPath: "{\"x\": {\"containerd\": \"/c.sock\"}}\n"},
			usrLibUnit, 13, []string{"--containerd=/run/containerd/containerd.sock"}, []string{`sets "containerd"`}},
		// A socket unit that holds the TLS port for docker.service.
		{"socketOnListenPort", map[string]string{usrLibUnit: ceUnit,
			"/etc/systemd/system/docker-tls-tcp.socket":                      "[Socket]\nListenStream=2376\nService=docker.service\n",
			"/etc/systemd/system/sockets.target.wants/docker-tls-tcp.socket": ""},
			"/etc/systemd/system/docker-tls-tcp.socket", 2, []string{"ListenStream=2376"},
			[]string{"docker-tls-tcp.socket is enabled and holds TCP port 2376", "systemctl disable --now docker-tls-tcp.socket"}},
		// --config-file= turns the file off: daemon.json would change nothing.
		{"configFileOff", map[string]string{usrLibUnit: strings.Replace(ceUnit, "-H fd://", "--config-file=", 1)},
			usrLibUnit, 13, []string{"--config-file="}, []string{"dockerd reads no configuration file"}},
		// systemd passes an empty argument for an unset ${VAR}, and
		// "export X=" sets nothing: dockerd refuses the argument.
		{"unsetBraces", map[string]string{libUnit: strings.Replace(debianUnit, "$DOCKER_OPTS", "${DOCKER_OPTS}", 1), DefaultDockerPath: "export DOCKER_OPTS='--debug'\n"},
			libUnit, 11, []string{""}, []string{`ExecStart= (with ${DOCKER_OPTS}) passes "", which is no flag`, "write $DOCKER_OPTS instead of ${DOCKER_OPTS}"}},
		{"dockerDaemon", map[string]string{usrLibUnit: strings.Replace(ceUnit, "/usr/bin/dockerd", "/usr/bin/docker daemon", 1)},
			usrLibUnit, 13, []string{"daemon"}, []string{`the "docker daemon" form of Docker 1.8 to 1.12`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.tree)
			c, err := Build(hostfs.New(root), testFiles(), &testHost)
			var ce *ConflictError
			if c != nil || !errors.Is(err, ErrConflict) || !errors.As(err, &ce) {
				t.Fatalf("Build = %v, %v; want a *ConflictError and no changes", c, err)
			}
			if ce.Path != tt.path || ce.Line != tt.line || fmt.Sprint(ce.Flags) != fmt.Sprint(tt.flags) {
				t.Fatalf("conflict at %s:%d flags %q; want %s:%d %q\n%v", ce.Path, ce.Line, ce.Flags, tt.path, tt.line, tt.flags, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}

	t.Run("all", func(t *testing.T) {
		// Every conflict is reported at once, so that one fix round is enough.
		root := t.TempDir()
		writeTree(t, root, map[string]string{libUnit: debianUnit, DaemonJSONPath: "{\"debug\": true}\n",
			dropIns + "zz.conf": "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --debug $DOCKER_OPTS\nEnvironment=DOCKER_OPTS=--tlsverify\n"})
		_, err := Build(hostfs.New(root), nil, &testHost)
		for _, w := range []string{dropIns + "zz.conf:3: its ExecStart= passes -H fd://", dropIns + "zz.conf:4: its Environment= sets DOCKER_OPTS with --tlsverify", `zz.conf:3: ExecStart= passes --debug while /etc/docker/daemon.json sets "debug"`} {
			if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), w) {
				t.Errorf("err = %v; want %q", err, w)
			}
		}
	})
}

// TestBuildDefaultDockerNoConflict: DOCKER_OPTS that dockerd won't see is a
// warning at most, and Build goes ahead.
func TestBuildDefaultDockerNoConflict(t *testing.T) {
	tests := []struct {
		name, unit, defaults, warning string
	}{
		{"notLoaded", ceUnit, defaultDocker2375, "/etc/default/docker:3 sets DOCKER_OPTS with -H tcp://0.0.0.0:2375, but docker.service does not load /etc/default/docker"},
		{"otherVariable", strings.Replace(debianUnit, "$DOCKER_OPTS", "$DOCKER_OPTS_EXTRA", 1), defaultDocker2375, "which docker.service does not use"},
		{"notLoadedTLS", strings.Replace(debianUnit, "EnvironmentFile=-/etc/default/docker\n", "", 1), "DOCKER_OPTS=--tlsverify\n", "/etc/default/docker:1 sets DOCKER_OPTS with --tlsverify, but docker.service does not load /etc/default/docker"},
		{"resetEnvFile", strings.Replace(debianUnit, "EnvironmentFile=-/etc/default/docker\n", "EnvironmentFile=-/etc/default/docker\nEnvironmentFile=\n", 1), defaultDocker2375, "does not load"},
		{"overriddenByLaterLine", debianUnit, defaultDocker2375 + "DOCKER_OPTS=\"--dns 8.8.8.8\"\n", ""},
		{"commentedOut", debianUnit, "#DOCKER_OPTS=\"-H tcp://0.0.0.0:2375\"\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, map[string]string{libUnit: tt.unit, DefaultDockerPath: tt.defaults})
			c, err := Build(hostfs.New(root), nil, &testHost)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(c.Warnings, "\n")
			if tt.warning == "" && got != "" || !strings.Contains(got, tt.warning) {
				t.Fatalf("warnings %q; want %q", got, tt.warning)
			}
		})
	}
}

// TestBuildEnvFileMode: an environment file docker-tls rewrites stays
// root's, with its mode when stricter than 0644, else 0644.
func TestBuildEnvFileMode(t *testing.T) {
	for _, tt := range []struct{ old, want os.FileMode }{{0o600, 0o600}, {0o640, 0o640}, {0o644, 0o644}, {0o666, 0o644}} {
		t.Run(fmt.Sprintf("%04o", tt.old), func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, map[string]string{libUnit: debianUnit, DefaultDockerPath: defaultDocker2375})
			if err := os.Chmod(Join(root, DefaultDockerPath), tt.old); err != nil {
				t.Fatal(err)
			}
			c, err := Build(hostfs.New(root), nil, &testHost)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Apply(nil); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(Join(root, DefaultDockerPath))
			if err != nil || fi.Mode().Perm() != tt.want {
				t.Fatalf("mode %v, %v; want %04o", fi.Mode(), err, tt.want)
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 && (st.Uid != 0 || st.Gid != 0) {
				t.Fatalf("owned by %d:%d, want root:root", st.Uid, st.Gid)
			}
			if b, _ := os.ReadFile(Join(root, DefaultDockerPath)); strings.Contains(string(b), "-H") {
				t.Fatalf("flag left:\n%s", b)
			}
		})
	}
}

// TestBuildKeepsStricterMode: a config file locked down by the admin keeps
// its mode; a looser one is tightened to 0644.
func TestBuildKeepsStricterMode(t *testing.T) {
	tests := []struct {
		old, want os.FileMode
	}{
		{0o600, 0o600},
		{0o640, 0o640},
		{0o400, 0o400},
		{0o644, 0o644},
		{0o666, 0o644},
		{0o755, 0o644},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%04o", tt.old), func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, map[string]string{usrLibUnit: ceUnit, DaemonJSONPath: "{\"debug\": true}\n", OverridePath: proxyOverride})
			for _, p := range []string{DaemonJSONPath, OverridePath} {
				if err := os.Chmod(Join(root, p), tt.old); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Build(hostfs.New(root), nil, &testHost)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Apply(nil); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{DaemonJSONPath, OverridePath} {
				fi, err := os.Stat(Join(root, p))
				if err != nil || fi.Mode().Perm() != tt.want {
					t.Errorf("%s: mode %v, %v; want %04o", p, fi.Mode(), err, tt.want)
				}
			}
			modeNote := strings.Contains(strings.Join(c.Notes, "\n"), "mode changes")
			if modeNote != (tt.old != tt.want) {
				t.Errorf("notes %q: mode change note %v, want %v", c.Notes, modeNote, tt.old != tt.want)
			}
			again, err := Build(hostfs.New(root), nil, &testHost)
			if err != nil || !again.Empty() {
				t.Fatalf("second Build not empty (err %v):\n%s", err, report(again))
			}
		})
	}
}

// TestBuildReadOnlyConfig: a --config-file on a file system mounted
// read-only is refused with what to do, before anything is written. The
// mount needs root (CAP_SYS_ADMIN).
func TestBuildReadOnlyConfig(t *testing.T) {
	root := t.TempDir()
	unit := strings.Replace(ceUnit, "-H fd://", "-H fd:// --config-file=/srv/docker/daemon.json", 1)
	writeTree(t, root, map[string]string{usrLibUnit: unit, "/srv/docker/README": "generated\n"})
	dir := Join(root, "/srv/docker")
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount (needs root): %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, 0) })
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	_, err := Build(hostfs.New(root), nil, &testHost)
	if !errors.Is(err, ErrReadOnlyConfig) || !strings.Contains(err.Error(), "on a read-only file system") {
		t.Fatalf("err = %v; want ErrReadOnlyConfig", err)
	}
}
