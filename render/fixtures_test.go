package render

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Units as the packages install them (trimmed of comments).
const (
	// Debian/Ubuntu docker.io: /lib/systemd/system/docker.service.
	debianUnit = `[Unit]
Description=Docker Application Container Engine
Documentation=https://docs.docker.com
After=network-online.target docker.socket firewalld.service containerd.service time-set.target
Wants=network-online.target containerd.service
Requires=docker.socket

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID
TimeoutStartSec=0
RestartSec=2
Restart=always
LimitNOFILE=infinity
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
Delegate=yes
KillMode=process
OOMScoreAdjust=-500

[Install]
WantedBy=multi-user.target
`
	// Docker CE (docker-ce package): /usr/lib/systemd/system/docker.service.
	ceUnit = `[Unit]
Description=Docker Application Container Engine
Documentation=https://docs.docker.com
After=network-online.target nss-lookup.target docker.socket firewalld.service containerd.service time-set.target
Wants=network-online.target containerd.service
Requires=docker.socket

[Service]
Type=notify
# the default is not to use systemd for cgroups because the delegate issues still
# exists and systemd currently does not support the cgroup feature set required
# for containers run by docker
ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock
ExecReload=/bin/kill -s HUP $MAINPID
TimeoutStartSec=0
RestartSec=2
Restart=always
StartLimitBurst=3
StartLimitInterval=60s
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
Delegate=yes
KillMode=process
OOMScoreAdjust=-500

[Install]
WantedBy=multi-user.target
`
	dockerSocket = `[Unit]
Description=Docker Socket for the API

[Socket]
ListenStream=/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
`
	proxyOverride = `[Unit]
# Wait for the proxy.
After=squid.service

[Service]
Environment="HTTP_PROXY=http://proxy.example.com:3128"
Environment="NO_PROXY=localhost,127.0.0.1"
LimitNOFILE=1048576
`
	resetOverride = `[Service]
ExecStart=
ExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --containerd=/run/containerd/containerd.sock --log-level=warn
`
	noHUnit = `[Unit]
Description=Docker Application Container Engine
Requires=docker.socket

[Service]
Type=notify
ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock
`
)

const (
	tlsFlagsUnit = `[Service]
Type=notify
ExecStart=/usr/bin/dockerd -H fd:// --tlsverify --tlscacert /etc/old/ca.pem --tlscert=/etc/old/cert.pem --tls=true --tlskey "/etc/old/key.pem" --containerd=/run/containerd/containerd.sock
`
	customSocketUnit = `[Unit]
Requires=docker.socket

[Service]
Type=notify
ExecStart=/usr/bin/dockerd -H fd:// -H unix:///run/docker-custom.sock --containerd=/run/containerd/containerd.sock
`
	defaultDocker2375 = "# Docker Upstart and SysVinit configuration file\n#DOCKER_OPTS=\"--dns 8.8.8.8\"\nDOCKER_OPTS=\"-H tcp://0.0.0.0:2375\"\n"
)

const (
	libUnit    = "/lib/systemd/system/docker.service"
	usrLibUnit = "/usr/lib/systemd/system/docker.service"
)

// trees are host fixtures: real path -> content.
var trees = map[string]map[string]string{
	"debian": {libUnit: debianUnit, "/lib/systemd/system/docker.socket": dockerSocket},
	"debian-2375": {
		libUnit:        debianUnit,
		DaemonJSONPath: "{\n\t\"hosts\": [\"tcp://0.0.0.0:2375\", \"unix:///var/run/docker.sock\"],\n\t\"log-level\": \"warn\"\n}\n",
	},
	// DOCKER_OPTS passes -H, but the CE unit doesn't expand it: a warning.
	"ce-default-docker": {
		usrLibUnit:        ceUnit,
		DefaultDockerPath: defaultDocker2375,
	},
	// --tls* flags in the unit are dropped by the override too, each with a
	// warning: daemon.json now sets them.
	"ce-tls-flags": {usrLibUnit: tlsFlagsUnit},
	// A unix socket passed by the unit moves to hosts; fd:// becomes the
	// default socket docker.socket listened on.
	"custom-socket": {usrLibUnit: customSocketUnit, "/usr/lib/systemd/system/docker.socket": dockerSocket},
	// The unit's socket follows daemon.json's own; the default one, also in
	// both, is kept once.
	"custom-socket-daemonjson": {
		usrLibUnit:     customSocketUnit,
		DaemonJSONPath: "{\n  \"hosts\": [\"unix:///run/other.sock\", \"unix:///var/run/docker.sock\"]\n}\n",
	},
	// A drop-in sorting before override.conf with -H: ours wins over it.
	"early-dropin": {
		usrLibUnit: ceUnit,
		"/etc/systemd/system/docker.service.d/10-hosts.conf": "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0 --tlsverify\n",
	},
	// A drop-in sorting after override.conf without -H: no conflict, and no
	// override needed; a warning says it wins.
	"late-dropin-harmless": {
		usrLibUnit: ceUnit,
		"/etc/systemd/system/docker.service.d/zz-debug.conf": "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --debug\n",
	},
	// DOCKER_OPTS in /etc/default/docker passes -H: the file loses just
	// that flag (backed up, in the diff).
	"debian-default-docker": {libUnit: debianUnit, DefaultDockerPath: defaultDocker2375},
	// Only the assignment that wins is changed.
	"debian-default-docker-last-wins": {libUnit: debianUnit, DefaultDockerPath: "DOCKER_OPTS=\"--dns 8.8.8.8\"\n\nDOCKER_OPTS=\"--dns 8.8.8.8 --tlskey=/k.pem\"\n"},
	// The environment file is named by a drop-in, not the unit.
	"env-file-from-dropin": {
		libUnit: strings.Replace(debianUnit, "EnvironmentFile=-/etc/default/docker\n", "", 1),
		"/etc/systemd/system/docker.service.d/env.conf": "[Service]\nEnvironmentFile=/etc/default/docker\n",
		DefaultDockerPath: defaultDocker2375,
	},
	// Red Hat style: OPTIONS over continued lines in /etc/sysconfig/docker,
	// several environment files, the later ones winning.
	"sysconfig-continued": {
		usrLibUnit:                      "[Service]\nType=notify\nEnvironmentFile=-/etc/sysconfig/docker\nEnvironmentFile=-/etc/sysconfig/docker-network\nExecStart=/usr/bin/dockerd \\\n          --host=fd:// \\\n          $OPTIONS \\\n          $DOCKER_NETWORK_OPTIONS\n",
		"/etc/sysconfig/docker":         "# /etc/sysconfig/docker\nOPTIONS=\"--selinux-enabled \\\n  --log-driver=journald \\\n  -H tcp://0.0.0.0:2375 \\\n  --live-restore\"\nDOCKER_NETWORK_OPTIONS=--mtu=1400\n",
		"/etc/sysconfig/docker-network": "DOCKER_NETWORK_OPTIONS='--mtu=1450 --tlsverify'\n",
	},
	// Flatcar's documented TLS drop-in: DOCKER_OPTS set by Environment=;
	// override.conf redefines it without the flags.
	"environment-dropin": {
		usrLibUnit: strings.Replace(ceUnit, "--containerd=/run/containerd/containerd.sock", "$DOCKER_OPTS", 1),
		"/etc/systemd/system/docker.service.d/10-tls-verify.conf": "[Service]\nEnvironment=\"DOCKER_OPTS=--tlsverify --tlscacert=/etc/docker/ca.pem --debug\" GOTRACEBACK=crash\n",
	},
	// CoreOS's documented cloud-config drop-in (-H=0.0.0.0:2376, the TLS
	// listener docker-tls sets up) on a current unit.
	"coreos-dropin": {
		usrLibUnit: strings.Replace(ceUnit, "-H fd:// --containerd=/run/containerd/containerd.sock", "--host=fd:// $DOCKER_OPTS", 1),
		"/etc/systemd/system/docker.service.d/10-tls-verify.conf": "[Service]\nEnvironment=\"DOCKER_OPTS=-H=0.0.0.0:2376 --tlsverify --tlscacert=/etc/docker/ca.pem --tlscert=/etc/docker/server.pem --tlskey=/etc/docker/server-key.pem\"\n",
	},
	// The variable is set in override.conf itself: that line is rewritten.
	"environment-in-override": {
		usrLibUnit:   strings.Replace(noHUnit, "--containerd=/run/containerd/containerd.sock", "--containerd=/run/containerd/containerd.sock $EXTRA", 1),
		OverridePath: "[Service]\nEnvironment=\"EXTRA=-H tcp://0.0.0.0:2375 --debug\" HTTP_PROXY=http://proxy:3128\n",
	},
	// ${VAR} inside a word is one word: the override leaves the word out.
	"braces-in-word": {
		usrLibUnit: strings.Replace(noHUnit, "--containerd", "--tlscacert=${CERTS}/ca.pem --containerd", 1) + "Environment=CERTS=/etc/old\n",
	},
	"ce":                {usrLibUnit: ceUnit, DaemonJSONPath: "{}\n"},
	"ce-proxy-override": {usrLibUnit: ceUnit, OverridePath: proxyOverride},
	"ce-reset-override": {usrLibUnit: ceUnit, OverridePath: resetOverride, DaemonJSONPath: ""},
	"no-h":              {usrLibUnit: noHUnit},
	"etc-unit-wins":     {usrLibUnit: ceUnit, "/etc/systemd/system/docker.service": noHUnit},
}

// writeTree creates the files of tree under root.
func writeTree(t testing.TB, root string, tree map[string]string) {
	t.Helper()
	for p, data := range tree {
		full := Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot describes every path under root with its type, mode and content,
// to compare a tree byte for byte before and after.
func snapshot(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += " " + string(b)
		}
		out[strings.TrimPrefix(p, root)] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
