package render

import "testing"

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
