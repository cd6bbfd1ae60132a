package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// redoHost is a root with alice (from init), dave (client add --days 10)
// and nina and olga, who each made a request on their own machine that the
// admin signed: their keys never came to the host.
func redoHost(t *testing.T) string {
	t.Helper()
	root := initRoot(t, "--client", "alice")
	mustRun(t, 0, "client", "add", "dave", "--days", "10", "--root", root)
	work := t.TempDir()
	for _, name := range []string{"nina", "olga"} {
		memberConfig(t) // each on a machine of their own
		csr := filepath.Join(work, name+".csr")
		mustRun(t, 0, "request", "--host", testFQDN+":2376", "--name", name, "--out", csr)
		mustRun(t, 0, "client", "sign", csr, "--yes", "--root", root)
	}
	return root
}

// TestRedoInitKeepsEveryMember: an init re-run with the same answers (the
// first init's, or every member listed as the wizard's redo does) changes
// nothing for members however they were issued: no key is made for a
// member who signed a request, and dave keeps his 10 days.
func TestRedoInitKeepsEveryMember(t *testing.T) {
	for _, clients := range []string{"alice", "alice,dave,nina,olga"} {
		t.Run(clients, func(t *testing.T) {
			root := redoHost(t)
			before := snapshot(t, root)
			args := []string{"--yes"}
			for _, name := range strings.Split(clients, ",") {
				args = append(args, "--client", name)
			}
			r := mustRun(t, 0, initArgs(root, args...)...)
			for _, name := range strings.Split(clients, ",") {
				wantContains(t, "stdout", r.stdout, "Client    "+name+": unchanged")
			}
			for _, name := range []string{"nina", "olga"} {
				if _, err := os.Stat(filepath.Join(root, "etc/docker/tls/clients", name, "key.pem")); !os.IsNotExist(err) {
					t.Errorf("the re-run wrote a key for %s, who signed a request: %v", name, err)
				}
			}
			if got := inspect(t, root, "etc/docker/tls/clients/dave/cert.pem"); got.NotAfter.Sub(got.NotBefore).Hours() > 11*24 {
				t.Errorf("dave's certificate now lasts until %v", got.NotAfter)
			}
			sameTree(t, before, snapshot(t, root))
		})
	}
}
