package setup

import (
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// TestInitTwiceChangesNothing: the same answers again write nothing.
func TestInitTwiceChangesNothing(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	p, err := h.PrepareInit(testInput(), []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || p.Outline.Server.Change != Unchanged {
		t.Errorf("second init: empty %v, server %+v", p.Empty(), p.Outline.Server)
	}
}

// TestInitReissuesOnChangedNames: a re-run that adds or drops a DNS name
// or an IP re-issues the server certificate, and says what it drops.
func TestInitReissuesOnChangedNames(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*InitInput)
		removed string
		names   func(*pki.Info) []string
		want    []string
	}{
		{"dropIP", func(in *InitInput) { in.Plan.IPs = nil }, "192.0.2.10",
			func(i *pki.Info) []string { return i.IPs }, nil},
		{"addIP", func(in *InitInput) { in.Plan.IPs = append(in.Plan.IPs, "192.0.2.11") }, "",
			func(i *pki.Info) []string { return i.IPs }, []string{"192.0.2.10", "192.0.2.11"}},
		{"addDNS", func(in *InitInput) { in.Plan.DNSNames = []string{"build.example.com"} }, "",
			func(i *pki.Info) []string { return i.DNSNames }, []string{"docker.example.com", "build.example.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(newRoot(t))
			mustInit(t, h, testInput(func(in *InitInput) { in.Plan.DNSNames = nil }))
			old := serverCert(t, h)
			p := mustInit(t, h, testInput(tc.edit))
			now := serverCert(t, h)
			if now.Serial == old.Serial {
				t.Fatalf("server certificate not re-issued; server %+v", p.Outline.Server)
			}
			if got := tc.names(now); !slices.Equal(got, tc.want) {
				t.Errorf("names %q, want %q", got, tc.want)
			}
			if tc.removed != "" && !slices.Contains(p.Outline.Server.RemovedIPs, tc.removed) {
				t.Errorf("removed IPs %q do not name %q", p.Outline.Server.RemovedIPs, tc.removed)
			}
		})
	}
}

// TestInitRenewsInsideTheWindow: a leaf within 30 days of its end is
// re-issued by init, one outside the window is kept.
func TestInitRenewsInsideTheWindow(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)}
	h := New(newRoot(t), WithNow(c.now))
	mustInit(t, h, testInput())
	old := serverCert(t, h)

	c.t = old.NotAfter.AddDate(0, 0, -31)
	if p, err := h.PrepareInit(testInput(), []byte(testPass)); err != nil || !p.Empty() {
		t.Fatalf("31 days before the end: empty %v, err %v", p != nil && p.Empty(), err)
	}
	c.t = old.NotAfter.AddDate(0, 0, -29)
	p := mustInit(t, h, testInput())
	if now := serverCert(t, h); now.Serial == old.Serial || !now.NotAfter.After(old.NotAfter) {
		t.Errorf("29 days before the end the server certificate was kept; server %+v", p.Outline.Server)
	}
	cb, _, _ := h.read(ClientDir("client") + "/" + member.CertFile)
	if ci, _ := pki.Inspect(cb); ci == nil || !ci.NotAfter.After(old.NotAfter) {
		t.Error("the client certificate in its last 29 days was not re-issued")
	}
}

// TestCAKeyIsWrittenExclusively: the CA key is created with O_EXCL (link),
// so a key that appears between reading and writing is never replaced;
// only --force, which backs the old key up, may replace one.
func TestCAKeyIsWrittenExclusively(t *testing.T) {
	for _, force := range []bool{false, true} {
		h := New(newRoot(t))
		p, err := h.PrepareInit(testInput(func(in *InitInput) { in.Force = force }), []byte(testPass))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range p.Changes.Changes {
			if c.Path == CAKey {
				found = true
				if c.Exclusive == force {
					t.Errorf("force %v: CA key Exclusive = %v", force, c.Exclusive)
				}
			}
		}
		if !found {
			t.Fatal("no CA key in a new setup")
		}
	}
}

// TestInitValidatesListen: the listen address is a field of the input, with
// the same words in both front ends.
func TestInitValidatesListen(t *testing.T) {
	in := testInput(func(in *InitInput) { in.Listen = ":2376" })
	err := in.Validate()
	fe := pki.AsFieldErrors(err)
	if len(fe) != 1 || fe[0].Field != pki.FieldListen {
		t.Fatalf("err = %v, want one listen FieldError", err)
	}
}

// TestWriteReportsEachFileAsItGoes: progress is called during the write,
// with each file already in place, in the order Written lists them.
func TestWriteReportsEachFileAsItGoes(t *testing.T) {
	h := New(newRoot(t))
	p, err := h.PrepareInit(testInput(), []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	w, err := h.Write(p, func(path string) {
		if !h.exists(path) {
			t.Errorf("progress(%s) before the file is written", path)
		}
		seen = append(seen, path)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, w.Files) || len(seen) != p.Pending() {
		t.Errorf("progress %q, written %q, pending %d", seen, w.Files, p.Pending())
	}
}

// TestWriteReportsAnUnrecordedRun: when the run cannot be recorded for a
// later apply, the files are written and Write says so.
func TestWriteReportsAnUnrecordedRun(t *testing.T) {
	root := newRoot(t)
	h := New(root)
	// A directory where the record goes: it cannot be written.
	if err := os.MkdirAll(h.Path(LastRunPath), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := h.PrepareInit(testInput(), []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	w, err := h.Write(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.RecordErr == nil || !h.exists(ServerCert) {
		t.Errorf("RecordErr = %v, server cert written: %v", w.RecordErr, h.exists(ServerCert))
	}
}

// TestDetectOffersTheMembers: a re-run starts from the members whose
// bundles are in order, so that Enter all the way drops nobody; one whose
// bundle is gone is not offered again.
func TestDetectOffersTheMembers(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput(func(in *InitInput) { in.Plan.Clients = []string{"alice", "bob"} }))
	d, err := h.Detect(false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Current == nil || !slices.Equal(d.Current.Clients, []string{"alice", "bob"}) {
		t.Fatalf("Current = %+v; want the clients alice and bob", d.Current)
	}
	if err := os.Remove(h.Path(ClientDir("bob") + "/" + member.CertFile)); err != nil {
		t.Fatal(err)
	}
	if d, err = h.Detect(false); err != nil || !slices.Equal(d.Current.Clients, []string{"alice"}) {
		t.Fatalf("Current = %+v, %v; want only alice, whose bundle is in order", d.Current, err)
	}
}

// TestRestartIsSaid: what waits for a restart is typed, per operation, so
// that both front ends say it (internal/say words it).
func TestRestartIsSaid(t *testing.T) {
	h := New(newRoot(t))
	if p := mustInit(t, h, testInput()); p.Restart != RestartConfig {
		t.Errorf("init: Restart = %v, want RestartConfig", p.Restart)
	}
	r, err := h.PrepareRenew(RenewInput{}, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if r.Restart != RestartServer {
		t.Errorf("renew: Restart = %v, want RestartServer", r.Restart)
	}
}

// TestDryRunNeedsNoPassphrase: a dry run of a new setup prepares everything
// without a passphrase, and its result can never be written.
func TestDryRunNeedsNoPassphrase(t *testing.T) {
	h := New(newRoot(t))
	defer h.Close()
	p, err := h.PrepareInit(testInput(func(in *InitInput) { in.DryRun = true }), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Outline.CA == nil || !p.Outline.CA.New || p.Pending() == 0 {
		t.Fatalf("the dry run shows no new setup: %+v, %d files", p.Outline.CA, p.Pending())
	}
	if _, err := h.Write(p, nil); !errors.Is(err, ErrDryRun) {
		t.Fatalf("writing a dry run: %v, want ErrDryRun", err)
	}
	if _, err := os.Stat(h.Path(CAKey)); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote the CA key: %v", err)
	}
}
