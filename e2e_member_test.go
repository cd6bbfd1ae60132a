package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EMemberConnects: a team member who has only the file from their
// admin runs one command and has a working docker context, checked against
// a real dockerd; and one whose key stays home gets there with request and
// client sign. Each member has their own DOCKER_CONFIG (their ~/.docker).
func TestE2EMemberConnects(t *testing.T) {
	tools := e2eTools(t, "dockerd", "docker")
	root := fixtureRoot(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	mustDockerTLS(t, "init", "--root", root, "--fqdn", "localhost", "--san-ip", "127.0.0.1",
		"--listen", addr, "--client", "alice", "--yes")
	dir := stateDir(t)
	startDockerd(t, root, dir)
	waitTLSPort(t, addr)
	version := dockerdVersion(t, tools["dockerd"])
	work := t.TempDir()

	// connected checks that the member's context reaches the daemon.
	connected := func(t *testing.T, cfg string) {
		t.Helper()
		wantServerVersion(t, "docker --context localhost version",
			runTool(t, []string{"DOCKER_CONFIG=" + cfg}, "docker", "--context", "localhost", "version"), version)
	}

	t.Run("client add --archive, then connect", func(t *testing.T) {
		archive := filepath.Join(work, "bob.tar.gz")
		mustDockerTLS(t, "client", "add", "bob", "--archive", archive, "--root", root)
		cfg := filepath.Join(t.TempDir(), "bob-docker")
		r := runTool(t, []string{"DOCKER_CONFIG=" + cfg}, dockerTLSBinary(t), "connect", archive)
		if r.code != 0 {
			t.Fatalf("connect:\n%s", r)
		}
		wantContains(t, "connect", r.stdout, `Checked the bundle of "bob"`, `the docker context "localhost"`,
			"The daemon answers over mutual TLS: Docker "+version, "docker --context localhost ps")
		if fi, err := os.Stat(filepath.Join(cfg, "tls", "localhost")); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("bundle directory: %v %v", fi, err)
		}
		if fi, err := os.Stat(filepath.Join(cfg, "tls", "localhost", "key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("key: %v %v", fi, err)
		}
		connected(t, cfg)
		// Connecting again (a renewed bundle) updates the same context.
		r = runTool(t, []string{"DOCKER_CONFIG=" + cfg}, dockerTLSBinary(t), "connect", archive)
		if r.code != 0 || !strings.Contains(r.stdout, `Updated the docker context "localhost"`) {
			t.Fatalf("connect again:\n%s", r)
		}
	})

	t.Run("request, client sign, connect", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "carol-docker")
		env := []string{"DOCKER_CONFIG=" + cfg}
		csr := filepath.Join(work, "carol.csr")
		if r := runTool(t, env, dockerTLSBinary(t), "request", "--host", fmt.Sprintf("localhost:%d", port), "--name", "carol", "--out", csr); r.code != 0 {
			t.Fatalf("request:\n%s", r)
		}
		archive := filepath.Join(work, "carol.tar.gz")
		mustDockerTLS(t, "client", "sign", csr, "--yes", "--archive", archive, "--root", root)
		r := runTool(t, env, dockerTLSBinary(t), "connect", archive)
		if r.code != 0 {
			t.Fatalf("connect:\n%s", r)
		}
		connected(t, cfg)
		r = mustDockerTLS(t, "client", "list", "--root", root)
		wantContains(t, "client list", r.stdout, "carol")
	})

	t.Run("connect without the docker CLI", func(t *testing.T) {
		// The context is written in the CLI's own store format; the CLI,
		// installed later, reads it.
		archive := filepath.Join(work, "alice.tar.gz")
		mustDockerTLS(t, "client", "archive", "alice", archive, "--root", root)
		cfg := filepath.Join(t.TempDir(), "alice-docker")
		r := runTool(t, []string{"DOCKER_CONFIG=" + cfg, "PATH=" + t.TempDir()}, dockerTLSBinary(t), "connect", archive)
		if r.code != 0 || !strings.Contains(r.stdout, "in the docker CLI's store") {
			t.Fatalf("connect without docker:\n%s", r)
		}
		connected(t, cfg)
	})
}
