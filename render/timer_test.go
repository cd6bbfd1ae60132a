package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// TestRenewUnits pins the two units as written for a host.
func TestRenewUnits(t *testing.T) {
	service, timer := RenewUnits([]string{"renew", "--auto", "--metrics", MetricsPath}, []string{"/etc/docker/tls"})
	golden.RequireEqual(t, append(append(service, "----\n"...), timer...))
}

// TestRenewUnitsSystemdVerify has systemd-analyze judge both units, with the
// binary they run in place (verify refuses an ExecStart that is not there),
// for a sandbox whose path needs quoting.
func TestRenewUnitsSystemdVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		needSystemdAnalyze(t)
	}
	root := filepath.Join(t.TempDir(), "a sandbox")
	bin := Join(root, InstalledBinary)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	service, timer := RenewUnits([]string{"renew", "--auto", "--root", root}, []string{Join(root, "/etc/docker/tls")})
	if !strings.Contains(string(service), `ExecStart="`+bin+`" renew --auto --root "`+root+`"`) {
		t.Fatalf("ExecStart does not run the sandbox's binary with --root quoted:\n%s", service)
	}
	units := filepath.Join(t.TempDir(), "units")
	if err := os.MkdirAll(units, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"docker-tls-renew.service": service, "docker-tls-renew.timer": timer} {
		if err := os.WriteFile(filepath.Join(units, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("systemd-analyze", "verify", filepath.Join(units, "docker-tls-renew.timer"), filepath.Join(units, "docker-tls-renew.service"))
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+units+":")
	if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "docker-tls-renew") {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestUnitQuote(t *testing.T) {
	for in, want := range map[string]string{
		"--auto":       "--auto",
		"/srv/a b":     `"/srv/a b"`,
		"/srv/100%":    "/srv/100%%",
		`/srv/"x"`:     `"/srv/\"x\""`,
		"/srv/$HOME":   `"/srv/$$HOME"`,
		"/srv/a;b":     `"/srv/a;b"`,
		`/srv/back\sl`: `"/srv/back\\sl"`,
	} {
		if got := unitQuote(in); got != want {
			t.Errorf("unitQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
