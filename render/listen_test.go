package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/docker-tls/docker-tls/hostfs"
)

// TestHostsDefaultListen runs init's host step on every setup of
// testdata/hosts without --listen (Host.ListenDefault): a host whose TCP
// listeners are all on loopback keeps its bind address on port 2376 (the
// Docker docs' tcp://127.0.0.1:2375 must not become 0.0.0.0:2376), any
// other gets the default. The golden lists the address each host gets and
// what LoopbackListen offers the wizard; daemon.json must name it.
func TestHostsDefaultListen(t *testing.T) {
	var g strings.Builder
	for _, name := range hostNames(t) {
		root := copyHost(t, name)
		h := testHost
		h.ListenDefault = true
		c, err := Build(hostfs.New(root), nil, &h)
		if err != nil {
			continue // refused: TestHosts shows why
		}
		offer := "-"
		if d, err := Detect(hostfs.New(root)); err == nil {
			if a, ok := d.LoopbackListen(); ok {
				offer = a
			}
		}
		fmt.Fprintf(&g, "%s: listen %s (wizard offers %s)\n", name, c.Listen, offer)
		for _, n := range c.Notes {
			if strings.Contains(n, "loopback") {
				g.WriteString("  note: " + n + "\n")
			}
		}
		if _, err := c.Apply(nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		after, err := Detect(hostfs.New(root))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := ParseDaemonConfig(after.DaemonJSON)
		if err != nil || !contains(cfg.Hosts, "tcp://"+c.Listen) {
			t.Errorf("%s: daemon.json hosts %q (%v), want tcp://%s", name, cfg.Hosts, err, c.Listen)
		}
	}
	golden.RequireEqual(t, g.String())
}

// TestLoopbackListen: IPv6 loopback and dockerd's default host count as
// loopback; one listener on the network, or a socket unit's bare port
// (every address), does not.
func TestLoopbackListen(t *testing.T) {
	unit := func(hosts string) string {
		return strings.Replace(ceUnit, "-H fd://", hosts, 1)
	}
	tests := []struct {
		name string
		tree map[string]string
		want string
	}{
		{"ipv6", map[string]string{usrLibUnit: unit("-H fd:// -H tcp://[::1]:2375")}, "[::1]:2376"},
		{"default host", map[string]string{usrLibUnit: unit("-H fd:// -H tcp://:2375")}, "127.0.0.1:2376"},
		{"mixed", map[string]string{usrLibUnit: unit("-H tcp://127.0.0.1:2375 -H tcp://10.0.0.5:2375")}, ""},
		{"flag and file", map[string]string{usrLibUnit: noHUnit, DaemonJSONPath: `{"hosts": ["tcp://127.0.0.1:2375", "tcp://0.0.0.0:2377"]}`}, ""},
		{"socket port", map[string]string{usrLibUnit: ceUnit, "/etc/systemd/system/docker-tcp.socket": "[Socket]\nListenStream=127.0.0.1:2375\nListenStream=2375\nService=docker.service\n", "/etc/systemd/system/sockets.target.wants/docker-tcp.socket": ""}, ""},
		{"socket loopback", map[string]string{usrLibUnit: ceUnit, "/etc/systemd/system/docker-tcp.socket": "[Socket]\nListenStream=127.0.0.1:2375\nService=docker.service\n", "/etc/systemd/system/sockets.target.wants/docker-tcp.socket": ""}, "127.0.0.1:2376"},
		{"none", map[string]string{usrLibUnit: ceUnit}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.tree)
			d, err := Detect(hostfs.New(root))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := d.LoopbackListen()
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("LoopbackListen() = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}
