package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/setup"
)

// TestWizardCertEnds: what the wizard's welcome is given of a host set up:
// the server certificate's name and end, and what ends within 30 days (the
// server first, then the members soonest first), not a member with time
// left nor one removed.
func TestWizardCertEnds(t *testing.T) {
	root := initRoot(t, "--days", "20", "--client", "alice")
	for _, c := range [][]string{
		{"client", "add", "dave", "--days", "10"},
		{"client", "add", "bob"},
		{"client", "add", "erin", "--days", "5"},
		{"client", "remove", "erin", "--yes"},
	} {
		mustRun(t, 0, append(c, "--root", root)...)
	}
	h := setup.New(root)
	defer h.Close()
	server, soon := certEnds(h, time.Now())
	if server == nil || server.Name != testFQDN || time.Until(server.NotAfter) > 21*24*time.Hour {
		t.Fatalf("server %+v", server)
	}
	var got []string
	for _, c := range soon {
		got = append(got, c.Kind+" "+c.Name)
	}
	if want := []string{"server " + testFQDN, "client dave", "client alice"}; !slices.Equal(got, want) {
		t.Errorf("expiring %q, want %q", got, want)
	}
	if soon[0] != *server {
		t.Errorf("the server's entry %+v is not Server %+v", soon[0], *server)
	}
}

// TestWizardKeepsALoopbackListener: the wizard pre-fills the listen
// address with the loopback one when dockerd listens on loopback only.
func TestWizardKeepsALoopbackListener(t *testing.T) {
	root := fixtureRoot(t)
	writeRootFile(t, root, "etc/docker/daemon.json", []byte(`{"hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"]}`+"\n"), 0o644)
	e := newEnv(nil, new(strings.Builder), new(strings.Builder))
	h := e.host(root)
	defer e.close()
	opts, err := wizardOptions(e, h, &initFlags{}, func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	if opts.Detected.Listen != "127.0.0.1:2376" {
		t.Errorf("the wizard offers to listen on %q, want 127.0.0.1:2376", opts.Detected.Listen)
	}
}
