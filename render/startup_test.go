package render

import (
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/hostfs"
)

// TestWritesFile: the start-up commands that write daemon.json, and some
// that only read it or write elsewhere.
func TestWritesFile(t *testing.T) {
	const cfg = DaemonJSONPath
	tests := []struct {
		v, src string
		ok     bool
	}{
		{"/bin/cp /etc/docker/daemon.json.dist /etc/docker/daemon.json", "/etc/docker/daemon.json.dist", true},
		{"-/usr/bin/cp -f /srv/conf/daemon.json /etc/docker/", "/srv/conf/daemon.json", true},
		{"/usr/bin/install -m 0644 -o root /opt/cfg/docker.json /etc/docker/daemon.json", "/opt/cfg/docker.json", true},
		{"/bin/mv -t /etc/docker /run/gen/daemon.json", "/run/gen/daemon.json", true},
		{"/bin/sh -c 'envsubst < /etc/docker/daemon.json.tmpl > /etc/docker/daemon.json'", "", true},
		{`/bin/bash -ec "jq -s add /etc/docker/*.part.json >/etc/docker/daemon.json"`, "", true},
		{"/bin/sh -c 'echo {} | tee /etc/docker/daemon.json'", "", true},
		{"/bin/dd if=/dev/zero of=/etc/docker/daemon.json count=0", "", true},
		{"/bin/sh -c 'test -f /etc/docker/daemon.json || cp /usr/share/docker/daemon.json /etc/docker/daemon.json'", "/usr/share/docker/daemon.json", true},
		// Not writes of daemon.json:
		{"/bin/cp /etc/docker/daemon.json /var/backups/daemon.json", "", false},
		{"/bin/sh -c 'cat /etc/docker/daemon.json > /dev/null'", "", false},
		{"/usr/bin/install -m 0755 -d /etc/docker", "", false},
		{"/bin/cp a.json b.json /etc/docker/", "", false},
		{"/usr/bin/dockerd -H fd:// --config-file /etc/docker/daemon.json", "", false},
		{"/bin/sh -c 'echo /etc/docker/daemon.json'", "", false},
	}
	for _, tt := range tests {
		_, src, ok := writesFile(tt.v, cfg)
		if ok != tt.ok || src != tt.src {
			t.Errorf("writesFile(%q) = %q, %v; want %q, %v", tt.v, src, ok, tt.src, tt.ok)
		}
	}
}

// TestStartupWrites: every start-up setting is read, across drop-ins, and
// an empty ExecStartPre= in a later drop-in clears what came before.
func TestStartupWrites(t *testing.T) {
	tests := []struct {
		name string
		tree map[string]string
		want string // "" for none; else the file:line refused
	}{
		{"post", map[string]string{usrLibUnit: inService(ceUnit, "ExecStartPost=/usr/bin/install -m 0644 /srv/daemon.json /etc/docker/daemon.json")}, usrLibUnit + ":26"},
		{"wrapper", map[string]string{usrLibUnit: ceUnit, "/etc/systemd/system/docker.service.d/wrap.conf": "[Service]\nExecStart=\nExecStart=/bin/sh -c 'cat /srv/base.json > /etc/docker/daemon.json && exec /usr/bin/dockerd'\n"}, "/etc/systemd/system/docker.service.d/wrap.conf:3"},
		{"reset", map[string]string{usrLibUnit: ceUnit, "/etc/systemd/system/docker.service.d/a.conf": "[Service]\nExecStartPre=/bin/cp /srv/d.json /etc/docker/daemon.json\n", "/etc/systemd/system/docker.service.d/b.conf": "[Service]\nExecStartPre=\n"}, ""},
		{"other file", map[string]string{usrLibUnit: inService(ceUnit, "ExecStartPre=/bin/cp /srv/d.json /etc/docker/other.json")}, ""},
		{"config-file", map[string]string{usrLibUnit: inService(strings.Replace(ceUnit, "-H fd://", "--config-file=/srv/docker.json", 1), "ExecStartPre=/bin/sh -c 'echo {} > /srv/docker.json'")}, usrLibUnit + ":26"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.tree)
			d, err := Detect(hostfs.New(root))
			if err != nil {
				t.Fatal(err)
			}
			errs := d.startupWrites()
			switch {
			case tt.want == "" && len(errs) > 0:
				t.Errorf("refused: %v", errs)
			case tt.want != "" && (len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), tt.want+": ")):
				t.Errorf("got %v, want one refusal at %s", errs, tt.want)
			}
		})
	}
}

// inService adds line at the end of unit's [Service] section.
func inService(unit, line string) string {
	return strings.Replace(unit, "\n[Install]", line+"\n\n[Install]", 1)
}
