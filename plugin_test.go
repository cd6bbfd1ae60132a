package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/setup"
)

func TestPluginMetadata(t *testing.T) {
	r := mustRun(t, 0, "docker-cli-plugin-metadata")
	var md map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &md); err != nil {
		t.Fatalf("metadata is not JSON: %v\n%s", err, r.stdout)
	}
	if md["SchemaVersion"] != "0.1.0" {
		t.Errorf("SchemaVersion %q, want 0.1.0", md["SchemaVersion"])
	}
	for _, k := range []string{"Vendor", "Version", "ShortDescription"} {
		if md[k] == "" {
			t.Errorf("metadata has no %s: %s", k, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
}

// The Docker CLI runs a plugin as `docker-tls tls ARGS...`.
func TestPluginArgs(t *testing.T) {
	t.Setenv("DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND", "tls")
	r := mustRun(t, 0, "tls", "version")
	if !strings.HasPrefix(r.stdout, "docker-tls ") {
		t.Errorf("docker tls version: %q", r.stdout)
	}
	root := initRoot(t)
	r = mustRun(t, 0, "tls", "status", "--root", root)
	if !strings.Contains(r.stdout, "No problems found.") {
		t.Errorf("docker tls status:\n%s", r)
	}

	// Not run by the Docker CLI: "tls" is no command of ours.
	t.Setenv("DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND", "")
	mustRun(t, 2, "tls", "version")
}

// TestE2EDockerCLIPlugin installs the built binary as a Docker CLI plugin and
// runs it through the real docker CLI. It needs no daemon.
func TestE2EDockerCLIPlugin(t *testing.T) {
	e2eTools(t, "docker")
	cfg := t.TempDir()
	plugins := filepath.Join(cfg, "cli-plugins")
	if err := os.Mkdir(plugins, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dockerTLSBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plugins, "docker-tls"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"DOCKER_CONFIG=" + cfg}

	r := runTool(t, env, "docker", "tls", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "docker-tls ") {
		t.Fatalf("docker tls version:\n%s", r)
	}

	r = runTool(t, env, "docker", "tls", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "init") || !strings.Contains(r.stdout, "client") {
		t.Errorf("docker tls --help:\n%s", r)
	}

	// The docker CLI lists it among its plugins: `docker --help`, and the
	// Client part of `docker info` (the Server part fails without a daemon).
	r = runTool(t, env, "docker", "--help")
	if !strings.Contains(r.stdout, "tls*") || !strings.Contains(r.stdout, "Secure the Docker daemon with mutual TLS") {
		t.Errorf("docker --help does not list the plugin:\n%s", r)
	}
	r = runTool(t, append(env, "DOCKER_HOST=unix://"+filepath.Join(cfg, "no.sock")), "docker", "info")
	if !strings.Contains(r.stdout, "tls: Secure the Docker daemon with mutual TLS (docker-tls)") ||
		!strings.Contains(r.stdout, filepath.Join(plugins, "docker-tls")) {
		t.Errorf("docker info does not list the plugin:\n%s", r)
	}

	// A plugin command with a fixture root, through the docker CLI.
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	r = runTool(t, append(env, setup.PassphraseEnv+"="+testPass), "docker", "tls", "init", "--root", root, "--fqdn", testFQDN, "--yes")
	if r.code != 0 {
		t.Fatalf("docker tls init:\n%s", r)
	}
	r = runTool(t, env, "docker", "tls", "status", "--root", root)
	if r.code != 0 || !strings.Contains(r.stdout, "No problems found.") {
		t.Errorf("docker tls status:\n%s", r)
	}
	// Exit codes pass through the docker CLI.
	r = runTool(t, env, "docker", "tls", "init", "--root", root)
	if r.code != 2 {
		t.Errorf("docker tls init without --fqdn: want exit 2:\n%s", r)
	}
}

// TestPluginHelpSaysDockerTLS: run as a Docker CLI plugin, help shows the
// commands as the user types them, "docker tls ...", in the usage line and
// the examples.
func TestPluginHelpSaysDockerTLS(t *testing.T) {
	t.Setenv("DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND", "tls")
	for _, args := range [][]string{{"tls", "--help"}, {"tls", "client", "add", "--help"}, {"tls", "help", "status"}} {
		r := mustRun(t, 0, args...)
		want := "docker tls " + strings.Join(args[1:len(args)-1], " ")
		if args[1] == "help" {
			want = "docker tls status"
		}
		if !strings.Contains(r.stdout, want) {
			t.Errorf("%v: help lacks %q:\n%s", args, want, r.stdout)
		}
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(l, "    docker-tls ") { // usage and examples
				t.Errorf("%v: a command line says docker-tls: %q", args, l)
			}
		}
	}
	// Run as itself, it is docker-tls.
	t.Setenv("DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND", "")
	if r := mustRun(t, 0, "client", "add", "--help"); !strings.Contains(r.stdout, "docker-tls client add") || strings.Contains(r.stdout, "docker tls") {
		t.Errorf("docker-tls client add --help:\n%s", r.stdout)
	}
}
