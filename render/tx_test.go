package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixedNow makes backup names predictable.
func fixedNow(t *testing.T) {
	old := now
	now = func() time.Time { return time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC) }
	t.Cleanup(func() { now = old })
}

// applyFiles adds a client bundle file, whose two missing directories
// (clients/, clients/alice/) the transaction creates.
func applyFiles() []File {
	return append(testFiles(), File{Path: TLSDir + "/clients/alice/key.pem", Data: []byte("alice key\n"), Mode: 0o600, DirMode: 0o700})
}

// applyTree is a host with existing files of every kind: a config to update,
// a cert to replace, an override to update, and missing dirs to create.
func applyTree() map[string]string {
	return map[string]string{
		usrLibUnit:                  ceUnit,
		DaemonJSONPath:              "{\n  \"debug\": true\n}\n",
		OverridePath:                proxyOverride,
		TLSDir + "/server-cert.pem": "old cert\n",
	}
}

func TestApply(t *testing.T) {
	fixedNow(t)
	root := t.TempDir()
	writeTree(t, root, applyTree())
	if err := os.Chmod(Join(root, TLSDir+"/server-cert.pem"), 0o640); err != nil {
		t.Fatal(err)
	}
	c, err := Build(root, applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply()
	if err != nil {
		t.Fatal(err)
	}
	stamp := ".2026-11-22T183000Z.bak"
	wantBackups := []string{TLSDir + "/server-cert.pem" + stamp, DaemonJSONPath + stamp, OverridePath + stamp}
	if fmt.Sprint(res.Backups) != fmt.Sprint(wantBackups) {
		t.Fatalf("backups %q; want %q", res.Backups, wantBackups)
	}
	tree := applyTree()
	for _, b := range res.Backups {
		orig := strings.TrimSuffix(b, stamp)
		got, err := os.ReadFile(Join(root, b))
		if err != nil || string(got) != tree[orig] {
			t.Fatalf("backup %s: %q, %v; want %q", b, got, err, tree[orig])
		}
	}
	if fi, _ := os.Stat(Join(root, wantBackups[0])); fi.Mode().Perm() != 0o640 {
		t.Fatalf("backup mode %v; want the original's 0640", fi.Mode())
	}
	modes := map[string]os.FileMode{
		TLSDir:                      0o755,
		TLSDir + "/ca":              0o700,
		TLSDir + "/ca/ca-key.pem":   0o600,
		TLSDir + "/server-key.pem":  0o600,
		TLSDir + "/server-cert.pem": 0o644,
		DaemonJSONPath:              0o644,
		OverridePath:                0o644,
	}
	for p, want := range modes {
		fi, err := os.Stat(Join(root, p))
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %04o", p, fi.Mode(), err, want)
		}
	}
	for _, f := range applyFiles() {
		got, _ := os.ReadFile(Join(root, f.Path))
		if string(got) != string(f.Data) {
			t.Errorf("%s not written", f.Path)
		}
	}
	// No temp files left behind.
	for p := range snapshot(t, root) {
		if strings.Contains(p, ".tmp-") {
			t.Errorf("temp file left: %s", p)
		}
	}
	again, err := Build(root, applyFiles()[2:], &testHost)
	if err != nil || !again.Empty() {
		t.Fatalf("second Build not empty (err %v):\n%s", err, report(again))
	}
}

// TestApplyRollback fails each OS operation of the transaction in turn and
// checks that the root is left exactly as it was.
func TestApplyRollback(t *testing.T) {
	fixedNow(t)
	// Count the operations of a successful run.
	var ops []string
	{
		root := t.TempDir()
		writeTree(t, root, applyTree())
		c, err := Build(root, applyFiles(), &testHost)
		if err != nil {
			t.Fatal(err)
		}
		failHook = func(op, path string) error { ops = append(ops, op+" "+path); return nil }
		_, err = c.Apply()
		failHook = nil
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(ops) < 30 {
		t.Fatalf("only %d operations seen: %q", len(ops), ops)
	}
	for n := range ops {
		t.Run(fmt.Sprintf("%02d-%s", n, strings.ReplaceAll(ops[n], "/", "_")), func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, applyTree())
			before := snapshot(t, root)
			c, err := Build(root, applyFiles(), &testHost)
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			injected := errors.New("injected failure")
			failHook = func(op, path string) error {
				i++
				if i == n+1 {
					return injected
				}
				return nil
			}
			defer func() { failHook = nil }()
			_, err = c.Apply()
			var ae *ApplyError
			if !errors.As(err, &ae) || !errors.Is(err, injected) || !ae.RolledBack {
				t.Fatalf("err = %#v; want a rolled back *ApplyError wrapping the injected failure", err)
			}
			wantPath := strings.SplitN(ops[n], " ", 2)[1]
			if ae.Path != wantPath || !strings.Contains(err.Error(), wantPath) {
				t.Fatalf("error names %q; want %q: %v", ae.Path, wantPath, err)
			}
			after := snapshot(t, root)
			if d := diffSnapshots(before, after); d != "" {
				t.Fatalf("root changed after rollback:\n%s", d)
			}
		})
	}
}

func diffSnapshots(before, after map[string]string) string {
	var b strings.Builder
	for p, v := range before {
		if w, ok := after[p]; !ok {
			fmt.Fprintf(&b, "missing %s\n", p)
		} else if w != v {
			fmt.Fprintf(&b, "changed %s: %q -> %q\n", p, v, w)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			fmt.Fprintf(&b, "new %s\n", p)
		}
	}
	return b.String()
}

func TestApplyRefusesStalePlan(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, applyTree())
	c, err := Build(root, nil, &testHost)
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, map[string]string{DaemonJSONPath: "{\"edited\": true}\n"})
	before := snapshot(t, root)
	_, err = c.Apply()
	if err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Fatalf("err = %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, root)); d != "" {
		t.Fatalf("root changed:\n%s", d)
	}
}

func TestApplyExclusiveRace(t *testing.T) {
	// A CA key that appears between Build and Apply is never overwritten.
	root := t.TempDir()
	key := testFiles()[1]
	c, err := Build(root, []File{key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	failHook = func(op, path string) error {
		if op == "link" {
			writeTree(t, root, map[string]string{key.Path: "someone else's key"})
		}
		return nil
	}
	defer func() { failHook = nil }()
	_, err = c.Apply()
	var ae *ApplyError
	if !errors.As(err, &ae) || ae.Op != "link" || !errors.Is(err, os.ErrExist) {
		t.Fatalf("err = %v", err)
	}
	got, _ := os.ReadFile(Join(root, key.Path))
	if string(got) != "someone else's key" {
		t.Fatalf("existing key overwritten: %q", got)
	}
}

func TestRollback(t *testing.T) {
	fixedNow(t)
	root := t.TempDir()
	writeTree(t, root, applyTree())
	before := snapshot(t, root)
	c, err := Build(root, applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply()
	if err != nil {
		t.Fatal(err)
	}
	if err := Rollback(root, res); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, root)
	// Only the backups remain as new files.
	for _, b := range res.Backups {
		delete(after, b)
	}
	if d := diffSnapshots(before, after); d != "" {
		t.Fatalf("rollback left changes:\n%s", d)
	}
	for _, d := range []string{"etc/docker/tls/ca", "etc/docker/tls/clients"} {
		if _, err := os.Stat(filepath.Join(root, d)); !os.IsNotExist(err) {
			t.Fatalf("created dir %s not removed: %v", d, err)
		}
	}
}

func TestBackupNameNotConf(t *testing.T) {
	fixedNow(t)
	root := t.TempDir()
	writeTree(t, root, map[string]string{OverridePath: "[Service]\n", OverridePath + ".2026-11-22T183000Z.bak": "older"})
	c, err := Build(root, []File{{Path: OverridePath, Data: []byte("[Service]\nX=1\n")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Backups) != 1 || res.Backups[0] != OverridePath+".2026-11-22T183000Z-1.bak" {
		t.Fatalf("backups %q", res.Backups)
	}
	if strings.HasSuffix(res.Backups[0], ".conf") {
		t.Fatal("systemd would load the backup as a drop-in")
	}
}
