package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/hostfs"
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
	return append(testFiles(), File{Path: tlsDir + "/clients/alice/key.pem", Data: []byte("alice key\n"), Mode: 0o600, DirMode: 0o700})
}

// applyTree is a host with existing files of every kind: a config to update,
// a cert to replace, an override to update, and missing dirs to create.
func applyTree() map[string]string {
	return map[string]string{
		usrLibUnit:                  ceUnit,
		DaemonJSONPath:              "{\n  \"debug\": true\n}\n",
		OverridePath:                proxyOverride,
		tlsDir + "/server-cert.pem": "old cert\n",
	}
}

// writeApplyTree writes applyTree under root, the certificate read-only as
// docker-tls writes certificates (0444): undoing its replacement must put
// that mode back, not the new file's.
func writeApplyTree(t *testing.T, root string) {
	t.Helper()
	writeTree(t, root, applyTree())
	if err := os.Chmod(Join(root, tlsDir+"/server-cert.pem"), 0o444); err != nil {
		t.Fatal(err)
	}
}

func TestApply(t *testing.T) {
	fixedNow(t)
	root := t.TempDir()
	writeApplyTree(t, root)
	if err := os.Chmod(Join(root, tlsDir+"/server-cert.pem"), 0o640); err != nil {
		t.Fatal(err)
	}
	c, err := Build(hostfs.New(root), applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	stamp := ".2026-11-22T183000Z.bak"
	wantBackups := []string{tlsDir + "/server-cert.pem" + stamp, DaemonJSONPath + stamp, OverridePath + stamp}
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
		tlsDir:                      0o755,
		tlsDir + "/ca":              0o700,
		tlsDir + "/ca/ca-key.pem":   0o600,
		tlsDir + "/server-key.pem":  0o600,
		tlsDir + "/server-cert.pem": 0o644,
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
	again, err := Build(hostfs.New(root), applyFiles()[2:], &testHost)
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
		writeApplyTree(t, root)
		c, err := Build(hostfs.New(root), applyFiles(), &testHost)
		if err != nil {
			t.Fatal(err)
		}
		failHook = func(op, path string) error { ops = append(ops, op+" "+path); return nil }
		_, err = c.Apply(nil)
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
			writeApplyTree(t, root)
			before := snapshot(t, root)
			c, err := Build(hostfs.New(root), applyFiles(), &testHost)
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
			_, err = c.Apply(nil)
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
	writeApplyTree(t, root)
	c, err := Build(hostfs.New(root), nil, &testHost)
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, map[string]string{DaemonJSONPath: "{\"edited\": true}\n"})
	before := snapshot(t, root)
	_, err = c.Apply(nil)
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
	c, err := Build(hostfs.New(root), []File{key}, nil)
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
	_, err = c.Apply(nil)
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
	writeApplyTree(t, root)
	// Modes come back too: the snapshot compares them.
	if err := os.Chmod(Join(root, tlsDir+"/server-cert.pem"), 0o640); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	c, err := Build(hostfs.New(root), applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rollback(hostfs.New(root), res); err != nil {
		t.Fatal(err)
	}
	// Only the backups remain as new files.
	if d := diffSnapshots(before, snapshotWithout(t, root, res.Backups)); d != "" {
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
	c, err := Build(hostfs.New(root), []File{{Path: OverridePath, Data: []byte("[Service]\nX=1\n")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply(nil)
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

// applied runs one Build+Apply of applyFiles on a fresh applyTree and returns
// the root and the record, as main keeps it (through JSON).
// snapshotWithout is the tree under root less the given backups, which a
// rollback leaves in place on purpose.
func snapshotWithout(t *testing.T, root string, backups []string) map[string]string {
	t.Helper()
	m := snapshot(t, root)
	for _, b := range backups {
		delete(m, b)
	}
	return m
}

func applied(t *testing.T) (string, *Result) {
	t.Helper()
	root := t.TempDir()
	writeApplyTree(t, root)
	c, err := Build(hostfs.New(root), applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	return root, jsonRoundTrip(t, res)
}

func jsonRoundTrip(t *testing.T, res *Result) *Result {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var out Result
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestApplyRecordsHashes(t *testing.T) {
	root, res := applied(t)
	if len(res.Restores) != len(applyFiles())+2 {
		t.Fatalf("%d restores", len(res.Restores))
	}
	for _, r := range res.Restores {
		b, err := os.ReadFile(Join(root, r.Path))
		if err != nil || r.SHA256 != sum(b) || len(r.SHA256) != 64 {
			t.Errorf("%s: SHA256 %q, file's %q (%v)", r.Path, r.SHA256, sum(b), err)
		}
	}
}

// TestRollbackRefusesChanged: a file changed or removed since the run wrote
// it (by a later run, or by hand) makes Rollback touch nothing at all.
func TestRollbackRefusesChanged(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, root string)
		want   []string
	}{
		{"replacedEdited", func(t *testing.T, root string) {
			writeTree(t, root, map[string]string{DaemonJSONPath: "{\"edited\": true}\n"})
		}, []string{DaemonJSONPath}},
		{"createdEdited", func(t *testing.T, root string) {
			writeTree(t, root, map[string]string{tlsDir + "/clients/alice/key.pem": "a newer key\n"})
		}, []string{tlsDir + "/clients/alice/key.pem"}},
		{"replacedRemoved", func(t *testing.T, root string) {
			if err := os.Remove(Join(root, OverridePath)); err != nil {
				t.Fatal(err)
			}
		}, []string{OverridePath}},
		{"replacedBySymlink", func(t *testing.T, root string) {
			full := Join(root, tlsDir+"/server-cert.pem")
			b, _ := os.ReadFile(full)
			writeTree(t, root, map[string]string{"/elsewhere.pem": string(b)})
			if err := os.Remove(full); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(Join(root, "/elsewhere.pem"), full); err != nil {
				t.Fatal(err)
			}
		}, []string{tlsDir + "/server-cert.pem"}},
		{"two", func(t *testing.T, root string) {
			writeTree(t, root, map[string]string{DaemonJSONPath: "{}\n", tlsDir + "/ca.pem": "another CA\n"})
		}, []string{DaemonJSONPath, tlsDir + "/ca.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, res := applied(t)
			tt.change(t, root)
			before := snapshot(t, root)
			err := rollback(hostfs.New(root), res)
			var re *RollbackError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v; want a *RollbackError", err)
			}
			for _, p := range tt.want {
				if !contains(re.Changed, p) || !strings.Contains(err.Error(), p) {
					t.Errorf("error does not name %s: %v (changed %q)", p, err, re.Changed)
				}
			}
			if len(re.Changed) != len(tt.want) || len(re.Unverified) != 0 {
				t.Errorf("changed %q unverified %q; want %q", re.Changed, re.Unverified, tt.want)
			}
			if !strings.Contains(err.Error(), "nothing was restored") {
				t.Errorf("error does not say nothing was restored: %v", err)
			}
			if d := diffSnapshots(before, snapshot(t, root)); d != "" {
				t.Fatalf("Rollback touched the root:\n%s", d)
			}
		})
	}
}

// TestRollbackAfterLaterRun: the record of an earlier run can't undo a later
// run's files; the later run's own record still can.
func TestRollbackAfterLaterRun(t *testing.T) {
	fixedNow(t)
	root, first := applied(t)
	c, err := Build(hostfs.New(root), applyFiles()[2:], &Host{Listen: "0.0.0.0:2377", CACert: testHost.CACert, Cert: testHost.Cert, Key: testHost.Key})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	second, err := c.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, root)
	err = rollback(hostfs.New(root), first)
	var re *RollbackError
	if !errors.As(err, &re) || fmt.Sprint(re.Changed) != fmt.Sprint([]string{DaemonJSONPath}) {
		t.Fatalf("err = %v; want daemon.json named as changed", err)
	}
	if !strings.Contains(err.Error(), "restore by hand: "+DaemonJSONPath+" from "+DaemonJSONPath+".2026-11-22T183000Z.bak") {
		t.Errorf("error does not say how to restore by hand: %v", err)
	}
	if d := diffSnapshots(after, snapshot(t, root)); d != "" {
		t.Fatalf("refused Rollback touched the root:\n%s", d)
	}
	if err := rollback(hostfs.New(root), jsonRoundTrip(t, second)); err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(before, snapshotWithout(t, root, second.Backups)); d != "" {
		t.Fatalf("rolling back the later run left changes:\n%s", d)
	}
}

// TestRollbackOldRecord: a record without checksums (an older docker-tls)
// can't prove the files are unchanged: refused, nothing touched.
func TestRollbackOldRecord(t *testing.T) {
	root, res := applied(t)
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, r := range raw["Restores"].([]any) {
		delete(r.(map[string]any), "SHA256")
	}
	b, _ = json.Marshal(raw)
	var old Result
	if err := json.Unmarshal(b, &old); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	err = rollback(hostfs.New(root), &old)
	var re *RollbackError
	if !errors.As(err, &re) || len(re.Unverified) != len(res.Restores) || len(re.Changed) != 0 {
		t.Fatalf("err = %v; want every file unverified", err)
	}
	for _, want := range []string{"no checksums", "older docker-tls", DaemonJSONPath, "restore by hand"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if d := diffSnapshots(before, snapshot(t, root)); d != "" {
		t.Fatalf("Rollback touched the root:\n%s", d)
	}
}

// TestRollbackCreatedGone: a created file someone already removed is no
// reason to refuse; the rest is undone.
func TestRollbackCreatedGone(t *testing.T) {
	root := t.TempDir()
	writeApplyTree(t, root)
	before := snapshot(t, root)
	c, err := Build(hostfs.New(root), applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(Join(root, tlsDir+"/clients/alice/key.pem")); err != nil {
		t.Fatal(err)
	}
	if err := rollback(hostfs.New(root), res); err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(before, snapshotWithout(t, root, res.Backups)); d != "" {
		t.Fatalf("rollback left changes:\n%s", d)
	}
}

// TestRollbackMissingBackup: a backup that is gone stops the whole rollback
// before anything is touched.
func TestRollbackMissingBackup(t *testing.T) {
	root, res := applied(t)
	if err := os.Remove(Join(root, res.Backups[0])); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	err := rollback(hostfs.New(root), res)
	if err == nil || !strings.Contains(err.Error(), "nothing was restored") || !strings.Contains(err.Error(), res.Backups[0]) {
		t.Fatalf("err = %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, root)); d != "" {
		t.Fatalf("Rollback touched the root:\n%s", d)
	}
}

// TestModeOnlyChange: a file whose contents are already right but whose
// mode is not (a certificate written 0644 by an earlier docker-tls) is an
// update with no diff, a note saying so, and a backup; its rollback puts the
// old mode back.
func TestModeOnlyChange(t *testing.T) {
	fixedNow(t)
	root := t.TempDir()
	cert := File{Path: tlsDir + "/server-cert.pem", Data: []byte("-----BEGIN CERTIFICATE-----\nSERVER\n-----END CERTIFICATE-----\n"), Mode: 0o444}
	writeTree(t, root, map[string]string{cert.Path: string(cert.Data)})
	before := snapshot(t, root)
	c, err := Build(hostfs.New(root), []File{cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch := c.Changes[0]
	if ch.Action != Update || ch.Diff != "" || !ch.Backup {
		t.Fatalf("change: %v, diff %q, backup %v; want an update with no diff, backed up", ch.Action, ch.Diff, ch.Backup)
	}
	if want := cert.Path + ": mode changes from 0644 to 0444 (contents unchanged)"; strings.Join(c.Notes, "\n") != want {
		t.Errorf("notes %q; want %q", c.Notes, want)
	}
	res, err := c.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(Join(root, cert.Path)); err != nil || fi.Mode().Perm() != 0o444 {
		t.Fatalf("mode after Apply: %v, %v", fi.Mode(), err)
	}
	if again, err := Build(hostfs.New(root), []File{cert}, nil); err != nil || !again.Empty() {
		t.Fatalf("second Build not empty (%v)", err)
	}
	if err := rollback(hostfs.New(root), res); err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(before, snapshotWithout(t, root, res.Backups)); d != "" {
		t.Fatalf("the rollback did not put the mode back:\n%s", d)
	}
}
