package render

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/hostfs"
)

// TestSocketDropInSystemdVerify runs systemd-analyze verify on each socket
// unit of the corpus hosts that Build gives a drop-in, with every drop-in
// it has and the files Build writes: systemd must load it, and it must keep
// its unix socket and lose its TCP listeners. failWithoutListener proves
// the check can fail: a socket unit reset to no listener at all is one
// systemd refuses.
func TestSocketDropInSystemdVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		needSystemdAnalyze(t)
	}
	checked := 0
	for _, name := range hostNames(t) {
		root := copyHost(t, name)
		c, err := Build(hostfs.New(root), nil, &testHost)
		if err != nil {
			continue
		}
		for _, ch := range c.Changes {
			unit, ok := strings.CutSuffix(path.Base(path.Dir(ch.Path)), ".d")
			if !ok || !strings.HasSuffix(unit, ".socket") {
				continue
			}
			checked++
			t.Run(name+"/"+unit, func(t *testing.T) {
				dir, fake := verifyDir(t)
				files := unitFilesOf(t, root, fake)
				files[unit+".d/"+path.Base(ch.Path)] = string(ch.Data)
				for _, o := range c.Changes {
					if o.Path == OverridePath {
						files["docker.service.d/override.conf"] = fakeDockerd(string(o.Data), fake)
					}
				}
				if msg, err := systemdVerifyUnit(dir, files, unit); err != nil {
					t.Fatalf("systemd-analyze verify %s rejected the drop-in: %v\n%s\n%s", unit, err, msg, ch.Data)
				}
				if !strings.Contains(string(ch.Data), "\nListenStream=\n") || !strings.Contains(string(ch.Data), "ListenStream=/") {
					t.Errorf("the drop-in does not reset ListenStream= and keep a unix socket:\n%s", ch.Data)
				}
			})
		}
	}
	if checked == 0 {
		t.Fatal("no corpus host got a socket drop-in")
	}
	t.Run("failWithoutListener", func(t *testing.T) {
		dir, fake := verifyDir(t)
		files := map[string]string{
			"docker.service":                fakeDockerd(ceUnit, fake),
			"docker.socket":                 dockerSocket,
			"docker.socket.d/zz-reset.conf": "[Socket]\nListenStream=\n",
		}
		msg, err := systemdVerifyUnit(dir, files, "docker.socket")
		if err == nil {
			t.Fatalf("systemd-analyze accepted a socket unit without a listener:\n%s", msg)
		}
	})
}

// unitFilesOf returns the docker units under root (docker.service and the
// socket units, with their drop-ins) by name under a unit directory, the
// dockerd path replaced by fake; the first unit directory wins.
func unitFilesOf(t *testing.T, root, fake string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for i := len(unitDirs) - 1; i >= 0; i-- {
		dir := filepath.Join(root, unitDirs[i])
		_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || e.Type()&os.ModeSymlink != 0 {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			if !strings.HasPrefix(rel, "docker") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[rel] = fakeDockerd(string(b), fake)
			return nil
		})
	}
	return files
}

// systemdVerifyUnit is systemdVerifyFiles for unit.
func systemdVerifyUnit(dir string, files map[string]string, unit string) (string, error) {
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
	cmd := exec.Command("systemd-analyze", "verify", unit)
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+units+":")
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// TestSocketFixes: what becomes of each kind of TCP listener a socket unit
// of docker.service has.
func TestSocketFixes(t *testing.T) {
	const wants = "/etc/systemd/system/sockets.target.wants/docker-tcp.socket"
	tests := []struct {
		name  string
		tree  map[string]string
		file  string // the drop-in written, "" for none
		keeps string // a line it must have
		err   string // in the refusal, "" for none
	}{
		{"drop-in adds tcp", map[string]string{usrLibUnit: ceUnit, "/usr/lib/systemd/system/docker.socket": dockerSocket,
			"/etc/systemd/system/docker.socket.d/tcp.conf": "[Socket]\nListenStream=[::]:2375\n"},
			"/etc/systemd/system/docker.socket.d/zz-docker-tls.conf", "ListenStream=/run/docker.sock\n", ""},
		{"unit with both", map[string]string{usrLibUnit: ceUnit, "/usr/lib/systemd/system/docker.socket": strings.Replace(dockerSocket, "ListenStream=/run/docker.sock", "ListenStream=/run/docker.sock\nListenStream=127.0.0.1:2375\nListenStream=@docker-abstract", 1)},
			"/etc/systemd/system/docker.socket.d/zz-docker-tls.conf", "ListenStream=@docker-abstract\n", ""},
		{"tcp only, enabled", map[string]string{usrLibUnit: ceUnit, "/etc/systemd/system/docker-tcp.socket": "[Socket]\nListenStream=2375\nService=docker.service\n", wants: ""},
			"", "", "systemctl disable --now docker-tcp.socket"},
		{"tcp only, not enabled", map[string]string{usrLibUnit: ceUnit, "/etc/systemd/system/docker-tcp.socket": "[Socket]\nListenStream=2375\nService=docker.service\n"},
			"", "", ""},
		{"another service's", map[string]string{usrLibUnit: ceUnit, "/etc/systemd/system/other.socket": "[Socket]\nListenStream=2375\n", "/etc/systemd/system/sockets.target.wants/other.socket": ""},
			"", "", ""},
		{"later drop-in", map[string]string{usrLibUnit: ceUnit, "/usr/lib/systemd/system/docker.socket": dockerSocket,
			"/etc/systemd/system/docker.socket.d/zzz-tcp.conf": "[Socket]\nListenStream=2375\n"},
			"", "", "sorts after /etc/systemd/system/docker.socket.d/zz-docker-tls.conf"},
		{"reset by a drop-in", map[string]string{usrLibUnit: ceUnit, "/usr/lib/systemd/system/docker.socket": strings.Replace(dockerSocket, "ListenStream=/run/docker.sock", "ListenStream=2375", 1),
			"/etc/systemd/system/docker.socket.d/unix.conf": "[Socket]\nListenStream=\nListenStream=/run/docker.sock\n"},
			"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.tree)
			d, err := Detect(hostfs.New(root))
			if err != nil {
				t.Fatal(err)
			}
			files, errs := d.socketFixes(testHost.Listen)
			switch {
			case tt.err == "" && len(errs) > 0:
				t.Fatalf("refused: %v", errs)
			case tt.err != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.err)):
				t.Fatalf("got %v, want a refusal saying %q", errs, tt.err)
			}
			if tt.file == "" {
				if len(files) > 0 {
					t.Errorf("wrote %v", files)
				}
				return
			}
			data, ok := files[tt.file]
			if len(files) != 1 || !ok || !strings.Contains(string(data), "\nListenStream=\n") || !strings.Contains(string(data), "\n"+tt.keeps) || strings.Contains(string(data), "\nListenStream=127") || strings.Contains(string(data), "\nListenStream=[") {
				t.Errorf("files %v; want %s resetting ListenStream= and keeping %q:\n%s", files, tt.file, tt.keeps, data)
			}
		})
	}
}
