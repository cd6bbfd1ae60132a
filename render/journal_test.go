package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/hostfs"
)

// testJournal is a journal in the TLS directory, as setup keeps it,
// allowing what is under /etc.
func testJournal() *Journal {
	return &Journal{Path: tlsDir + "/journal.json", Record: tlsDir + "/last-run.json",
		Allow: func(p string) bool { return p == "/etc" || strings.HasPrefix(p, "/etc/") }}
}

// errCrash stops a transaction the way a kill would: by panicking out of
// it, so that Apply's own rollback never runs.
type errCrash struct{}

// crashAt runs Build+Apply with the journal on a fresh applyTree, dying
// (panicking) before step n (0 = never); it returns the root.
func crashAt(t *testing.T, n int) (root string, crashed bool) {
	t.Helper()
	root, c := journaledApply(t)
	i := 0
	failHook = func(op, path string) error {
		if i++; i == n {
			panic(errCrash{})
		}
		return nil
	}
	defer func() {
		failHook = nil
		if r := recover(); r != nil {
			if _, ok := r.(errCrash); !ok {
				panic(r)
			}
			crashed = true
		}
	}()
	if _, err := c.Apply(nil); err != nil {
		t.Fatal(err)
	}
	return root, false
}

// TestRecoverAfterCrash stops a journaled Apply at each of its steps, as a
// kill would (no rollback of its own), and checks that Recover puts the root
// back exactly as it was: files, modes, no backup, temp file, directory or
// journal left. After the last step the run is complete and Recover has
// nothing to do.
func TestRecoverAfterCrash(t *testing.T) {
	fixedNow(t)
	before := func() map[string]string {
		root := t.TempDir()
		writeApplyTree(t, root)
		return snapshot(t, root)
	}()
	steps := 0
	for n := 1; ; n++ {
		root, crashed := crashAt(t, n)
		if !crashed {
			steps = n - 1
			rec, err := testJournal().Recover(root)
			if rec != nil || err != nil {
				t.Fatalf("complete run: Recover = %+v, %v; want nothing to do", rec, err)
			}
			if _, err := os.Stat(Join(root, tlsDir+"/last-run.json")); err != nil {
				t.Fatalf("complete run has no record: %v", err)
			}
			break
		}
		pending, err := testJournal().Pending(root)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := testJournal().Recover(root)
		if err != nil {
			t.Fatalf("step %d: Recover: %v", n, err)
		}
		if pending != (rec != nil) {
			t.Fatalf("step %d: journal pending %v, recovered %+v", n, pending, rec)
		}
		if d := diffSnapshots(before, snapshot(t, root)); d != "" {
			t.Fatalf("step %d: the root is not as before after Recover:\n%s", n, d)
		}
		// Once recovered, there is nothing left to do.
		if rec, err := testJournal().Recover(root); rec != nil || err != nil {
			t.Fatalf("step %d: second Recover = %+v, %v", n, rec, err)
		}
	}
	if steps < 30 {
		t.Fatalf("only %d steps", steps)
	}
}

// TestJournaledApplyFails fails a journaled Apply at each of its steps (an
// error, not a kill): the run undoes itself from its intent, the same undo
// Recover does after a kill, and leaves the root exactly as it was, with
// no journal or record, and nothing for Recover to do.
func TestJournaledApplyFails(t *testing.T) {
	fixedNow(t)
	steps := lastStep(t)
	for n := 1; n <= steps; n++ {
		root, c := journaledApply(t)
		before := snapshot(t, root)
		i := 0
		injected := errors.New("injected failure")
		failHook = func(op, path string) error {
			if i++; i == n {
				return injected
			}
			return nil
		}
		_, err := c.Apply(nil)
		failHook = nil
		var ae *ApplyError
		if !errors.As(err, &ae) || !errors.Is(err, injected) || !ae.RolledBack {
			t.Fatalf("step %d: err = %v; want a rolled back *ApplyError wrapping the injected failure", n, err)
		}
		if d := diffSnapshots(before, snapshot(t, root)); d != "" {
			t.Fatalf("step %d (%s %s): the root is not as before:\n%s", n, ae.Op, ae.Path, d)
		}
		if rec, err := testJournal().Recover(root); rec != nil || err != nil {
			t.Fatalf("step %d: Recover = %+v, %v; want nothing to do", n, rec, err)
		}
	}
}

// lastStep is the number of steps of the journaled Apply of crashAt.
func lastStep(t *testing.T) int {
	t.Helper()
	_, c := journaledApply(t)
	n := 0
	failHook = func(op, path string) error { n++; return nil }
	defer func() { failHook = nil }()
	if _, err := c.Apply(nil); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRecoverPartlyDone: a recovery can itself be interrupted; running it
// again finishes the job. Here the run died right before its commit (every
// file and the record written), and a recovery had already put back
// daemon.json and removed the client key when it died in turn.
func TestRecoverPartlyDone(t *testing.T) {
	fixedNow(t)
	before := func() map[string]string {
		r := t.TempDir()
		writeApplyTree(t, r)
		return snapshot(t, r)
	}()
	root, _ := crashAt(t, lastStep(t))
	writeTree(t, root, map[string]string{DaemonJSONPath: applyTree()[DaemonJSONPath]})
	if err := os.Remove(Join(root, tlsDir+"/clients/alice/key.pem")); err != nil {
		t.Fatal(err)
	}
	rec, err := testJournal().Recover(root)
	if err != nil || rec == nil {
		t.Fatalf("Recover = %+v, %v", rec, err)
	}
	if d := diffSnapshots(before, snapshot(t, root)); d != "" {
		t.Fatalf("the root is not as before:\n%s", d)
	}
}

// TestRecoverKeepsLaterEdits: a file changed after the interrupted run
// wrote it is left as it is, with its backup, and reported.
func TestRecoverKeepsLaterEdits(t *testing.T) {
	fixedNow(t)
	root, _ := crashAt(t, lastStep(t))
	writeTree(t, root, map[string]string{OverridePath: "[Service]\n# edited by hand\n"})
	rec, err := testJournal().Recover(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Kept, []string{OverridePath}) {
		t.Fatalf("kept %q; want override.conf", rec.Kept)
	}
	if b, _ := os.ReadFile(Join(root, OverridePath)); string(b) != "[Service]\n# edited by hand\n" {
		t.Fatalf("the edit was lost: %q", b)
	}
	if bak, _ := filepath.Glob(Join(root, OverridePath) + ".*.bak"); len(bak) != 1 {
		t.Fatalf("the backup of the edited file was removed: %q", bak)
	}
}

// TestJournalConfined: a record or an intent naming a path outside what
// Allow allows is refused before anything is touched, whatever the path
// looks like.
func TestJournalConfined(t *testing.T) {
	for _, bad := range []string{"/../victim/target.txt", "/srv/victim.txt", "/etc/docker/tls/../../../srv/x", "relative/x", "/"} {
		t.Run(strings.ReplaceAll(bad, "/", "_"), func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, map[string]string{"/srv/victim.txt": "victim", tlsDir + "/ca.pem": "ca"})
			before := snapshot(t, root)
			res := &Result{Written: []string{bad}, Restores: []Restore{{Path: bad, Created: true, SHA256: sum([]byte("victim"))}}}
			b, _ := json.Marshal(res)
			writeTree(t, root, map[string]string{tlsDir + "/last-run.json": string(b)})
			_, err := testJournal().LoadRecord(root)
			var re *RecordError
			if !errors.As(err, &re) || re.Entry != bad || !strings.Contains(err.Error(), "not a file docker-tls manages") {
				t.Fatalf("LoadRecord: %v", err)
			}
			if err := testJournal().Rollback(root, res); !errors.As(err, &re) {
				t.Fatalf("Rollback: %v", err)
			}
			in := intent{Kind: intentApply, Files: []intentFile{{Path: bad, NewSHA: sum([]byte("victim"))}}}
			b, _ = json.Marshal(in)
			writeTree(t, root, map[string]string{tlsDir + "/journal.json": string(b)})
			if _, err := testJournal().Recover(root); !errors.As(err, &re) {
				t.Fatalf("Recover: %v", err)
			}
			after := snapshot(t, root)
			delete(after, tlsDir+"/last-run.json")
			delete(after, tlsDir+"/journal.json")
			if d := diffSnapshots(before, after); d != "" {
				t.Fatalf("the root changed:\n%s", d)
			}
		})
	}
	// A backup that is not a backup of the file it restores.
	res := &Result{Restores: []Restore{{Path: DaemonJSONPath, Backup: "/etc/shadow", SHA256: sum(nil)}}}
	var re *RecordError
	if err := testJournal().checkResult("x", res); !errors.As(err, &re) || re.Entry != "/etc/shadow" {
		t.Fatalf("checkResult: %v", err)
	}
}

// TestRecordMustBePrivate: as root, a record that group or others may
// write is not trusted.
func TestRecordMustBePrivate(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("owner and mode checks apply when running as root")
	}
	root, res := applied(t)
	b, _ := json.Marshal(res)
	writeTree(t, root, map[string]string{tlsDir + "/last-run.json": string(b)})
	if err := os.Chmod(Join(root, tlsDir+"/last-run.json"), 0o666); err != nil {
		t.Fatal(err)
	}
	_, err := testJournal().LoadRecord(root)
	if !errors.Is(err, hostfs.ErrUnsafe) || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("err = %v", err)
	}
}

// TestJournaledRollback: Journal.Rollback undoes the run and forgets it; a
// rollback interrupted part-way is finished by Recover.
func TestJournaledRollback(t *testing.T) {
	fixedNow(t)
	root := t.TempDir()
	writeApplyTree(t, root)
	before := snapshot(t, root)
	c, err := Build(hostfs.New(root), applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	c.Journal = testJournal()
	res, err := c.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := testJournal().LoadRecord(root)
	if err != nil || fmt.Sprint(loaded) != fmt.Sprint(res) {
		t.Fatalf("LoadRecord = %v, %v; want %v", loaded, err, res)
	}
	// Half done: the override is back, then the process died.
	writeTree(t, root, map[string]string{OverridePath: proxyOverride})
	in := intent{Kind: intentRollback, Run: res}
	b, _ := json.Marshal(in)
	writeTree(t, root, map[string]string{tlsDir + "/journal.json": string(b)})
	if err := os.Chmod(Join(root, tlsDir+"/journal.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	rec, err := testJournal().Recover(root)
	if err != nil || rec == nil || !rec.Finished {
		t.Fatalf("Recover = %+v, %v", rec, err)
	}
	if d := diffSnapshots(before, snapshotWithout(t, root, res.Backups)); d != "" {
		t.Fatalf("the root is not as before:\n%s", d)
	}
	// And the direct way.
	root2 := t.TempDir()
	writeApplyTree(t, root2)
	c, _ = Build(hostfs.New(root2), applyFiles(), &testHost)
	c.Journal = testJournal()
	res, err = c.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := testJournal().Rollback(root2, res); err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(before, snapshotWithout(t, root2, res.Backups)); d != "" {
		t.Fatalf("the root is not as before:\n%s", d)
	}
}

// TestApplyRefusesLinks: a directory swapped for a link between Build and
// Apply is refused before anything is written, and nothing lands where it
// points.
func TestApplyRefusesLinks(t *testing.T) {
	root := t.TempDir()
	writeApplyTree(t, root)
	c, err := Build(hostfs.New(root), applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	if err := os.Rename(Join(root, tlsDir), filepath.Join(elsewhere, "tls")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(elsewhere, "tls"), Join(root, tlsDir)); err != nil {
		t.Fatal(err)
	}
	before, beforeElsewhere := snapshot(t, root), snapshot(t, elsewhere)
	_, err = c.Apply(nil)
	var ue *hostfs.UnsafeError
	if !errors.As(err, &ue) || ue.Path != Join(root, tlsDir) || !strings.Contains(err.Error(), "rm "+Join(root, tlsDir)) {
		t.Fatalf("err = %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, root)) + diffSnapshots(beforeElsewhere, snapshot(t, elsewhere)); d != "" {
		t.Fatalf("written through the link:\n%s", d)
	}
	// And Build says so too.
	if _, err := Build(hostfs.New(root), applyFiles(), &testHost); !errors.As(err, &ue) {
		t.Fatalf("Build: %v", err)
	}
}

// TestApplyNarrowsPrivateDirs: a private directory looser than 0700 is
// narrowed when a file in it is written, and put back on rollback.
func TestApplyNarrowsPrivateDirs(t *testing.T) {
	fixedNow(t)
	root := t.TempDir()
	writeApplyTree(t, root)
	writeTree(t, root, map[string]string{tlsDir + "/ca/issued.json": "{}\n"})
	if err := os.Chmod(Join(root, tlsDir+"/ca"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	c, err := Build(hostfs.New(root), []File{{Path: tlsDir + "/ca/issued.json", Data: []byte("{\"issued\": []}\n"), Mode: 0o644, DirMode: 0o700}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Private = []string{tlsDir + "/ca", tlsDir + "/clients"}
	failHook = func(op, path string) error {
		if op == "syncdir" && path == tlsDir+"/ca/issued.json" {
			fi, _ := os.Stat(Join(root, tlsDir+"/ca"))
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("ca dir mode %v while writing; want 0700", fi.Mode())
			}
			return errors.New("injected")
		}
		return nil
	}
	_, err = c.Apply(nil)
	failHook = nil
	var ae *ApplyError
	if !errors.As(err, &ae) || !ae.RolledBack {
		t.Fatalf("err = %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, root)); d != "" {
		t.Fatalf("rollback left changes:\n%s", d)
	}
	if _, err := c.Apply(nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(Join(root, tlsDir+"/ca")); fi.Mode().Perm() != 0o700 {
		t.Fatalf("ca dir mode %v; want 0700", fi.Mode())
	}
}

// TestPruneBackups keeps the newest KeepBackups backups of each file, and
// any the record restores from, whatever their age.
func TestPruneBackups(t *testing.T) {
	root := t.TempDir()
	ledger := tlsDir + "/ca/issued.json"
	tree := map[string]string{ledger: "{}", tlsDir + "/ca/ca.pem.2020-01-01T000000Z.bak": "other file's"}
	var all []string
	for day := 1; day <= 9; day++ {
		for _, suffix := range []string{"", "-1"} {
			b := fmt.Sprintf("%s.2026-01-%02dT120000Z%s.bak", ledger, day, suffix)
			tree[b] = "old"
			all = append(all, b)
		}
	}
	writeTree(t, root, tree)
	protect := []string{all[2]} // an old one the record still needs
	if err := PruneBackups(hostfs.New(root), []string{ledger}, protect); err != nil {
		t.Fatal(err)
	}
	got, _ := filepath.Glob(Join(root, ledger) + ".*.bak")
	for i := range got {
		got[i] = strings.TrimPrefix(got[i], root)
	}
	want := []string{all[2], all[15], all[16], all[17]} // protected + the newest three (day 9, day 9-1, day 8-1)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("left %q\nwant %q", got, want)
	}
	if _, err := os.Stat(Join(root, tlsDir+"/ca/ca.pem.2020-01-01T000000Z.bak")); err != nil {
		t.Fatalf("another file's backup was removed: %v", err)
	}
}

// TestSaveAndForgetRecord: a record saved outside a transaction reads back
// as it was, and only root may read it; once forgotten there is none, and
// forgetting none is no error.
func TestSaveAndForgetRecord(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, tlsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	j := testJournal()
	want := &Result{
		Written:  []string{DaemonJSONPath, tlsDir + "/members.pem"},
		Restores: []Restore{{Path: DaemonJSONPath, Created: true, SHA256: sum([]byte("{}\n"))}, {Path: tlsDir + "/members.pem", Created: true}},
		Dirs:     []string{tlsDir + "/ca"},
	}
	if err := j.SaveRecord(root, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, j.Record))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("record: %v, mode %v; want 0600", err, fi)
	}
	got, err := j.LoadRecord(root)
	if err != nil || got == nil || !slices.Equal(got.Written, want.Written) || !slices.Equal(got.Restores, want.Restores) || !slices.Equal(got.Dirs, want.Dirs) {
		t.Fatalf("LoadRecord = %+v, %v; want %+v", got, err, want)
	}
	for range 2 {
		if err := j.ForgetRecord(root); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := j.LoadRecord(root); got != nil || err != nil {
		t.Fatalf("after ForgetRecord: %+v, %v; want no record", got, err)
	}
}

// journaledApply is the apply tree's changes, with a journal and the
// private directories, on a fresh root.
func journaledApply(t *testing.T) (string, *Changes) {
	t.Helper()
	root := t.TempDir()
	writeApplyTree(t, root)
	c, err := Build(hostfs.New(root), applyFiles(), &testHost)
	if err != nil {
		t.Fatal(err)
	}
	c.Journal = testJournal()
	c.Private = []string{tlsDir + "/ca", tlsDir + "/clients"}
	return root, c
}
