package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConnectWords: connect says what it checked before it talks to the
// daemon (the chain to the CA in the bundle), and that the daemon answered
// only after the probe; a failure that retrying cannot fix (another CA)
// says how to remove what it left instead of "try again"; a mistyped path
// and the member's own request are named plainly.
func TestConnectWords(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	work := t.TempDir()
	archive := filepath.Join(work, "alice.tar.gz")
	mustRun(t, 0, "client", "archive", "alice", archive, "--root", root)

	t.Run("no daemon", func(t *testing.T) {
		memberConfig(t)
		r := runCLI(t, "", "connect", archive, "--host", "127.0.0.1:1")
		if r.code != 1 {
			t.Fatalf("want exit 1:\n%s", r)
		}
		wantContains(t, "stdout", r.stdout, "chains to the CA in the bundle", "once the daemon answers")
		if strings.Contains(r.stdout, "from the daemon's CA") {
			t.Errorf("connect speaks for the daemon before it answered:\n%s", r)
		}
	})

	t.Run("another CA", func(t *testing.T) {
		cfg := memberConfig(t)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake the client refuses
		srv.StartTLS()
		defer srv.Close()
		host := strings.TrimPrefix(srv.URL, "https://")
		r := runCLI(t, "", "connect", archive, "--host", host, "--context", "work")
		if r.code != 1 {
			t.Fatalf("want exit 1:\n%s", r)
		}
		out := r.stdout + r.stderr
		wantContains(t, "connect", out, "another CA", "docker context rm work", filepath.Join(cfg, "tls", "work"))
		if strings.Contains(out, "once the daemon answers") {
			t.Errorf("connect says to try again after a failure retrying cannot fix:\n%s", r)
		}
	})

	t.Run("no such file", func(t *testing.T) {
		memberConfig(t)
		r := runCLI(t, "", "connect", filepath.Join(work, "alice.tar"))
		if r.code != 1 {
			t.Fatalf("want exit 1:\n%s", r)
		}
		wantContains(t, "stderr", r.stderr, "no file "+filepath.Join(work, "alice.tar"))
		if strings.Contains(r.stderr, "stat ") {
			t.Errorf("connect shows the system call:\n%s", r)
		}
	})

	t.Run("own request", func(t *testing.T) {
		memberConfig(t)
		csr := filepath.Join(work, "carol.csr")
		mustRun(t, 0, "request", "--host", testFQDN, "--name", "carol", "--out", csr)
		r := runCLI(t, "", "connect", csr)
		if r.code != 1 {
			t.Fatalf("want exit 1:\n%s", r)
		}
		wantContains(t, "stderr", r.stderr, "this is your request: send it to your admin", "docker-tls client sign carol.csr --archive carol.tar.gz", "docker-tls connect carol.tar.gz")
		if _, err := os.Stat(csr); err != nil {
			t.Error(err)
		}
	})
}
