package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/docker-tls/docker-tls/hostfs"
)

var overrideCases = []struct {
	name, unit, existing string
}{
	{"debian", debianUnit, ""},
	{"ce", ceUnit, ""},
	{"ce-proxy-override", ceUnit, proxyOverride},
	{"ce-reset-override", ceUnit, resetOverride},
	{"ce-continued", strings.Replace(ceUnit, "-H fd:// --containerd", "\\\n    -H fd:// \\\n    --containerd", 1), ""},
	{"no-section", ceUnit, "# only a comment\n"},
	{"tls-flags", tlsFlagsUnit, ""},
	{"tls-only", strings.Replace(noHUnit, "dockerd ", "dockerd --tlsverify --tlskey=/etc/old/key.pem ", 1), ""},
	{"custom-socket", customSocketUnit, ""},
	// An override an earlier version wrote (legacy comment) is rewritten
	// without duplicating the comment.
	{"legacy-comment", debianUnit, "[Service]\n" + strings.Join(legacyComment, "\n") + "\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --tlsverify $DOCKER_OPTS\n"},
}

// TestRenderOverride renders override.conf the way the product does (Build
// on a host with the unit and the existing override) and checks that a
// re-run on the result leaves it as it is.
func TestRenderOverride(t *testing.T) {
	for _, tt := range overrideCases {
		t.Run(tt.name, func(t *testing.T) {
			out := buildOverride(t, tt.unit, tt.existing)
			if out == nil {
				t.Fatal("no override written")
			}
			// After the override is in place, the effective ExecStart has
			// no -H any more: nothing left to do.
			again, notes := buildOverrideNotes(t, tt.unit, string(out))
			if again != nil || !strings.Contains(strings.Join(notes, "\n"), "passes no -H or --tls* flags") {
				t.Fatalf("re-run on the result: override %q, notes %q", again, notes)
			}
			var old []byte
			if tt.existing != "" {
				old = []byte(tt.existing)
			}
			golden.RequireEqual(t, string(out)+"\n# diff\n"+Diff(OverridePath, old, out))
		})
	}
}

// buildOverride returns the override.conf Build writes for the unit (at
// /lib/systemd/system) with existing as its override ("" for none); nil
// when Build leaves it as it is.
func buildOverride(t *testing.T, unit, existing string) []byte {
	t.Helper()
	out, _ := buildOverrideNotes(t, unit, existing)
	return out
}

func buildOverrideNotes(t *testing.T, unit, existing string) ([]byte, []string) {
	t.Helper()
	tree := map[string]string{libUnit: unit}
	if existing != "" {
		tree[OverridePath] = existing
	}
	root := t.TempDir()
	writeTree(t, root, tree)
	c, err := Build(hostfs.New(root), nil, &testHost)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range c.Changes {
		if ch.Path == OverridePath {
			return ch.Data, c.Notes
		}
	}
	return nil, c.Notes
}

// TestOverrideSystemdVerify runs systemd-analyze verify on the unit with each
// rendered override. The unit's dockerd path is replaced by an executable
// that exists before rendering, so verify checks the command too.
func TestOverrideSystemdVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		needSystemdAnalyze(t)
	}
	for _, tt := range overrideCases {
		t.Run(tt.name, func(t *testing.T) {
			dir, fake := verifyDir(t)
			unit := fakeDockerd(tt.unit, fake)
			out := buildOverride(t, unit, fakeDockerd(tt.existing, fake))
			if msg, err := systemdVerify(dir, unit, string(out)); err != nil {
				t.Fatalf("systemd-analyze verify rejected the override: %v\n%s\noverride:\n%s", err, msg, out)
			}
		})
	}
	t.Run("failWithoutReset", func(t *testing.T) {
		// Proves the check can fail: a second ExecStart= without the empty
		// reset is what systemd refuses.
		dir, fake := verifyDir(t)
		unit := fakeDockerd(ceUnit, fake)
		bad := "[Service]\nExecStart=" + fake + " --containerd=/run/containerd/containerd.sock\n"
		msg, err := systemdVerify(dir, unit, bad)
		if err == nil || !strings.Contains(msg, "more than one ExecStart=") {
			t.Fatalf("systemd-analyze accepted a drop-in without ExecStart= reset (err %v):\n%s", err, msg)
		}
	})
}

func verifyDir(t *testing.T) (dir, fake string) {
	dir = t.TempDir()
	fake = filepath.Join(dir, "bin", "dockerd")
	if err := os.MkdirAll(filepath.Dir(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, fake
}

func fakeDockerd(s, fake string) string {
	s = strings.ReplaceAll(s, "/usr/sbin/dockerd", fake)
	return strings.ReplaceAll(s, "/usr/bin/dockerd", fake)
}

func systemdVerify(dir, unit, dropIn string) (string, error) {
	return systemdVerifyFiles(dir, map[string]string{
		"docker.service":                 unit,
		"docker.socket":                  dockerSocket,
		"docker.service.d/override.conf": dropIn,
	})
}

// systemdVerifyFiles writes files (name under the unit directory -> content)
// and runs systemd-analyze verify docker.service on them.
func systemdVerifyFiles(dir string, files map[string]string) (string, error) {
	units := filepath.Join(dir, "units")
	for name, data := range files {
		p := filepath.Join(units, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	cmd := exec.Command("systemd-analyze", "verify", "docker.service")
	// The trailing colon appends the built-in search path, so that
	// network-online.target and friends still resolve.
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+units+":")
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// TestBuildOverrideSystemdVerify runs systemd-analyze verify on docker.service
// as Build leaves it for each host fixture: the unit, its other drop-ins and
// the new override.conf (tls flags stripped, sockets moved and all).
func TestBuildOverrideSystemdVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		needSystemdAnalyze(t)
	}
	// These trees need no override: the unit is verified as it is.
	noOverride := map[string]bool{"late-dropin-harmless": true, "no-h": true, "etc-unit-wins": true}
	verified := 0
	for name, tree := range trees {
		t.Run(name, func(t *testing.T) {
			dir, fake := verifyDir(t)
			faked := map[string]string{}
			for p, data := range tree {
				faked[p] = fakeDockerd(data, fake)
			}
			root := t.TempDir()
			writeTree(t, root, faked)
			c, err := Build(hostfs.New(root), nil, &testHost)
			if err != nil {
				t.Fatal(err)
			}
			var override []byte
			for i := range c.Changes {
				if c.Changes[i].Path == OverridePath {
					override = c.Changes[i].Data
				}
			}
			if (override == nil) != noOverride[name] {
				t.Fatalf("override written: %v, want %v", override != nil, !noOverride[name])
			}
			d, err := Detect(hostfs.New(root))
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{"docker.socket": dockerSocket}
			for _, f := range d.filesWith(override) {
				name := "docker.service"
				if f.path != d.UnitPath {
					name = "docker.service.d/" + filepath.Base(f.path)
				}
				files[name] = string(f.data)
			}
			if msg, err := systemdVerifyFiles(dir, files); err != nil {
				t.Fatalf("systemd-analyze verify rejected docker.service with the override: %v\n%s\noverride:\n%s", err, msg, override)
			}
			verified++
		})
	}
	if verified != len(trees) {
		t.Fatalf("%d of %d trees verified", verified, len(trees))
	}
}

// needSystemdAnalyze skips when systemd-analyze is missing, unless
// DOCKER_TLS_E2E=1 (CI installs it) makes that a failure.
func needSystemdAnalyze(t *testing.T) {
	t.Helper()
	if os.Getenv("DOCKER_TLS_E2E") == "1" {
		t.Fatal("DOCKER_TLS_E2E=1 but systemd-analyze is not installed: apt-get install systemd")
	}
	t.Skip("systemd-analyze not installed (apt-get install systemd); override.conf not verified")
}
