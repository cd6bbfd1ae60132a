package wizard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/docker-tls/docker-tls/setup"
)

// fakes is an Engine that does no crypto and no I/O, and records its calls.
type fakes struct {
	mu         sync.Mutex
	rightPass  string
	startKeys  []string
	checks     []string
	prepares   []setup.InitInput
	prepareErr []error // returned by the first calls, in order
	applies    int
	applied    []string
	applyErr   error
	clients    []setup.ClientInput
	clientPass []string
	renews     []setup.RenewInput
	report     *setup.Report
	applyNows  int
	keys       *pki.KeyProgress // what KeyProgress reports; nil: none started
	issued     []string         // the client names Clients lists
	refuse     []string         // names PrepareClient refuses as issued (a list read too late)
	members    []setup.ClientRow
	removes    []string
	removeErr  error
	switches   []string // passphrases PrepareSwitch got
	finalizes  []string
	impact     *setup.RestartImpact
	liveOn     int
	calls      []string          // CheckRestart, EnableLiveRestore, Apply in order
	requests   map[string]string // request files ReadRequest knows: path -> the name asked for
	reads      []string          // paths ReadRequest was given
	signs      []setup.SignInput
	signPass   []string
	timer      *setup.TimerOutline // what PrepareInit's outline says of the renewal timer
}

var _ Engine = (*fakes)(nil)

func newFakes() *fakes {
	now := testNow()
	return &fakes{rightPass: "correct horse battery staple", report: &setup.Report{
		Root: "/srv/test-root",
		Certificates: []setup.CertStatus{
			{Kind: "ca", Name: "docker-tls CA", NotAfter: now.AddDate(10, 0, 0), DaysLeft: 3650},
			{Kind: "server", Name: "docker1.example.com", NotAfter: now.AddDate(1, 0, 0), DaysLeft: 365},
		},
		Findings: []setup.Finding{}, Healthy: true,
	}}
}

func (f *fakes) StartKeys(kt pki.KeyType, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.startKeys = append(f.startKeys, string(kt))
}

func (f *fakes) CheckPassphrase(p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, string(p))
	if string(p) != f.rightPass {
		return fmt.Errorf("ca/ca-key.pem: %w", pki.ErrBadPassphrase)
	}
	return nil
}

func (f *fakes) PrepareInit(in setup.InitInput, pass []byte) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prepares = append(f.prepares, in)
	if len(f.prepareErr) > 0 {
		err := f.prepareErr[0]
		f.prepareErr = f.prepareErr[1:]
		return nil, err
	}
	p := samplePrepared()
	p.Outline.Timer = f.timer
	return p, nil
}

func (f *fakes) PrepareClient(in setup.ClientInput, pass []byte) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients = append(f.clients, in)
	f.clientPass = append(f.clientPass, string(pass))
	if slices.Contains(f.refuse, in.Name) {
		return nil, hint.With(fmt.Errorf("a client named %q was %w", in.Name, setup.ErrIssued), "Pick another name.")
	}
	p := clientPrepared(in.Name)
	p.Member.NotAfter = testNow().AddDate(0, 0, cmp.Or(in.Days, pki.DefaultDays))
	return p, nil
}

// ReadRequest knows the files in requests; any other cannot be read.
func (f *fakes) ReadRequest(path string) (*setup.RequestFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads = append(f.reads, path)
	name, ok := f.requests[path]
	if !ok {
		return nil, hint.With(fmt.Errorf("cannot read the request: open %s: no such file or directory", path), "Give the .csr file the member sent.")
	}
	return &setup.RequestFile{Path: path, CSR: []byte("CSR of " + name), Name: name}, nil
}

func (f *fakes) PrepareSign(in setup.SignInput, pass []byte) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signs = append(f.signs, in)
	f.signPass = append(f.signPass, string(pass))
	name, _ := strings.CutPrefix(string(in.CSR), "CSR of ")
	if slices.Contains(f.refuse, name) {
		return nil, hint.With(fmt.Errorf("a client named %q was %w", name, setup.ErrIssued), "Ask for a request with another name.")
	}
	return signPrepared(name), nil
}

func (f *fakes) PrepareRenew(in setup.RenewInput, pass []byte) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renews = append(f.renews, in)
	if in.Client != "" {
		return clientPrepared(in.Client), nil // the engine re-issues them
	}
	return samplePrepared(), nil
}

func (f *fakes) Write(p *setup.Prepared, progress func(string)) (*setup.Written, error) {
	f.mu.Lock()
	f.applies++
	err := f.applyErr
	f.mu.Unlock()
	w := &setup.Written{}
	for i, fv := range p.Files() {
		if fv.Action == "unchanged" {
			continue
		}
		if err != nil && i == 4 {
			return nil, err
		}
		progress(fv.Path)
		w.Files = append(w.Files, fv.Path)
		f.mu.Lock()
		f.applied = append(f.applied, fv.Path)
		f.mu.Unlock()
	}
	return w, nil
}

func (f *fakes) Status(setup.StatusInput) *setup.Report { return f.report }

func (f *fakes) KeyProgress() (pki.KeyProgress, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keys == nil {
		return pki.KeyProgress{}, false
	}
	return *f.keys, true
}

// Clients lists the members, then a row for each name in issued.
func (f *fakes) Clients() ([]setup.ClientRow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rows := slices.Clone(f.members)
	for _, n := range f.issued {
		rows = append(rows, setup.ClientRow{Name: n, Bundle: setup.ClientDir(n)})
	}
	return rows, nil
}

func (f *fakes) Apply(context.Context) (*setup.Applied, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applyNows++
	f.calls = append(f.calls, "Apply")
	return &setup.Applied{Bundle: "/etc/docker/tls/clients/client"}, nil
}

func (f *fakes) PrepareRemove(in setup.RemoveInput) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removes = append(f.removes, in.Name)
	if f.removeErr != nil {
		return nil, f.removeErr
	}
	return removePrepared(in.Name), nil
}

func (f *fakes) PrepareSwitch(pass []byte) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.switches = append(f.switches, string(pass))
	return samplePrepared(), nil
}

func (f *fakes) PrepareFinalize(pass []byte) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finalizes = append(f.finalizes, string(pass))
	return samplePrepared(), nil
}

func (f *fakes) CheckRestart(context.Context) *setup.RestartImpact {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "CheckRestart")
	if f.impact == nil {
		return &setup.RestartImpact{Reached: true}
	}
	r := *f.impact
	return &r
}

func (f *fakes) EnableLiveRestore(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.liveOn++
	f.calls = append(f.calls, "EnableLiveRestore")
	return nil
}

func (f *fakes) snapshot() (prepares []setup.InitInput, applies int, startKeys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.prepares), f.applies, slices.Clone(f.startKeys)
}

var errInvalidJSON = errors.New(`/etc/docker/daemon.json: invalid character '}' looking for beginning of object key string (line 3)`)

func testNow() time.Time { return time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC) }

// testOptions is a Debian-like host with docker.io, daemon.json present, no
// CA yet, and the passphrase given by file.
func testOptions() Options {
	return Options{
		Detected: Detected{
			Detection: setup.Detection{
				UnitPath:   "/lib/systemd/system/docker.service",
				ExecStart:  "/usr/sbin/dockerd -H fd:// $DOCKER_OPTS",
				DaemonJSON: true,
			},
			Root:     "/srv/test-root",
			Hostname: "docker1.example.com",
			IPs:      []string{"10.0.0.5", "192.168.1.20"},
		},
		Defaults: Answers{Passphrase: "correct horse battery staple", PassphraseFromFile: true},
		Now:      testNow,
	}
}

// change makes a render.Change for a file a fake operation writes.
func change(path string, mode os.FileMode, action render.Action, diff string) render.Change {
	return render.Change{File: render.File{Path: path, Mode: mode}, Action: action, Diff: diff}
}

// samplePrepared is what the real engine prepares for the fixture of the
// screenshots: Debian's unit and a daemon.json that listened on 2375.
func samplePrepared() *setup.Prepared {
	const (
		cert   = 0o644 // what a member's bundle and the configs get
		key    = 0o600
		certRO = 0o444 // what dockerd reads, and the CA's copy (CIS 3.10, 3.12)
		keyRO  = 0o400 // CIS 3.14
	)
	return &setup.Prepared{
		Outline: setup.Outline{
			CA:      &setup.CAOutline{Name: "docker-tls CA", KeyType: pki.ECDSAP256, NotAfter: day(2036, 11, 19), New: true},
			Server:  &setup.ServerOutline{FQDN: "docker1.example.com", Change: setup.Issued, KeyType: pki.ECDSAP256, NotAfter: day(2027, 11, 22), DNS: []string{"docker1.example.com"}, IPs: []string{"10.0.0.5", "192.168.1.20"}},
			Members: []setup.MemberOutline{{Name: "client", New: true, NotAfter: day(2027, 11, 22), Slot: 1}},
			Listen:  "0.0.0.0:2376",
			Trust:   &setup.TrustOutline{New: true, Anchors: 17, Members: 1, Free: 16},
		},
		Restart:  setup.RestartConfig,
		Root:     "/srv/test-root",
		Endpoint: "tcp://docker1.example.com:2376",
		Changes: &render.Changes{
			Changes: []render.Change{
				change("/etc/docker/tls/ca.pem", certRO, render.Create, ""),
				change("/etc/docker/tls/members.pem", certRO, render.Create, ""),
				change("/etc/docker/tls/server-cert.pem", certRO, render.Create, ""),
				change("/etc/docker/tls/server-key.pem", keyRO, render.Create, ""),
				change("/etc/docker/tls/ca/anchors.pem", keyRO, render.Create, ""),
				change("/etc/docker/tls/ca/ca-key.pem", keyRO, render.Create, ""),
				change("/etc/docker/tls/ca/ca.pem", certRO, render.Create, ""),
				change("/etc/docker/tls/ca/issued.json", cert, render.Create, ""),
				change("/etc/docker/tls/clients/client/ca.pem", cert, render.Create, ""),
				change("/etc/docker/tls/clients/client/cert.pem", cert, render.Create, ""),
				change("/etc/docker/tls/clients/client/key.pem", key, render.Create, ""),
				change("/etc/docker/daemon.json", cert, render.Update, `--- a/etc/docker/daemon.json
+++ b/etc/docker/daemon.json
@@ -1,4 +1,9 @@
 {
   "log-driver": "journald",
-  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
+  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],
+  "tls": true,
+  "tlscacert": "/etc/docker/tls/members.pem",
+  "tlscert": "/etc/docker/tls/server-cert.pem",
+  "tlskey": "/etc/docker/tls/server-key.pem",
+  "tlsverify": true
 }
`),
				change("/etc/systemd/system/docker.service.d/override.conf", cert, render.Create, `--- /dev/null
+++ b/etc/systemd/system/docker.service.d/override.conf
@@ -0,0 +1,8 @@
+[Service]
+# Managed by docker-tls. The -H/--host and --tls* flags moved to
+# /etc/docker/daemon.json ("hosts", "tls", "tlsverify", ...): dockerd
+# refuses to start when a setting is both a flag and in daemon.json.
+# The empty ExecStart= clears the unit's command first; systemd
+# refuses a second ExecStart= otherwise.
+ExecStart=
+ExecStart=/usr/sbin/dockerd $DOCKER_OPTS
`),
			},
			Warnings: []string{`daemon.json: dropped insecure "tcp://0.0.0.0:2375" from hosts: port 2375 is the unencrypted API, root access for anyone who can reach it`},
		},
	}
}

// clientPrepared is what the real engine prepares for a new member, its
// hand-over from setup's own words.
func clientPrepared(name string) *setup.Prepared {
	dir := setup.ClientDir(name) + "/"
	mem := &setup.Member{Name: name, Serial: "54d3b3ed0d88f92f", NotAfter: testNow().AddDate(1, 0, 0), Dir: setup.ClientDir(name),
		Endpoint: "tcp://docker1.example.com:2376", FQDN: "docker1.example.com"}
	return &setup.Prepared{
		Outline: setup.Outline{Members: []setup.MemberOutline{{Name: name, New: true, NotAfter: day(2027, 11, 22)}}},
		Changes: &render.Changes{Changes: []render.Change{
			change(dir+"ca.pem", 0o644, render.Create, ""),
			change(dir+"cert.pem", 0o644, render.Create, ""),
			change(dir+"key.pem", 0o600, render.Create, ""),
			change("/etc/docker/tls/ca/issued.json", 0o644, render.Update, ""),
		}},
		Member: mem,
	}
}

// signPrepared is what the real engine prepares for a member's request:
// no key.pem, the key stayed with them.
func signPrepared(name string) *setup.Prepared {
	p := clientPrepared(name)
	p.Outline.Members[0].FromRequest = true
	p.Changes.Changes = slices.DeleteFunc(p.Changes.Changes, func(c render.Change) bool { return strings.HasSuffix(c.Path, "/key.pem") })
	p.Member.Files = &member.Bundle{CA: []byte("ca"), Cert: []byte("cert")}
	return p
}

// memberFakes is a MemberEngine that does no crypto and no I/O, and
// records its calls.
type memberFakes struct {
	mu         sync.Mutex
	connects   []member.ConnectInput
	requests   []member.RequestInput
	refuse     map[string]error // files Connect refuses, and why
	probeErr   error            // what the probe says; nil: the daemon answers
	noMeta     map[string]bool  // files that do not say their host
	waiting    bool             // a key waits for an earlier request (until Force)
	requestErr error
}

var _ MemberEngine = (*memberFakes)(nil)

func (f *memberFakes) Connect(in member.ConnectInput) (*member.Connected, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connects = append(f.connects, in)
	if err := f.refuse[in.File]; err != nil {
		return nil, err
	}
	host := "tcp://docker1.example.com:2376"
	if f.noMeta[in.File] {
		if in.Host == "" {
			return nil, hint.With(member.ErrNoMeta, "Give the daemon's address with --host HOST:PORT.")
		}
		host = "tcp://" + in.Host
	}
	ctx := strings.TrimSuffix(strings.TrimPrefix(host, "tcp://"), ":2376")
	c := &member.Connected{Name: "alice", Context: ctx, Dir: "/home/alice/.docker/tls/" + ctx, Host: host,
		NotAfter: testNow().AddDate(1, 0, 0), ByCLI: true, Version: "20.10.24+dfsg1", ProbeError: f.probeErr}
	if f.probeErr != nil {
		c.Version = ""
	}
	return c, nil
}

func (f *memberFakes) Request(in member.RequestInput) (*member.Requested, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, in)
	if f.requestErr != nil {
		return nil, f.requestErr
	}
	if err := pki.ValidateClientName(in.Name); err != nil {
		return nil, pki.FieldErrors{{Field: pki.FieldClients, Value: in.Name, Reason: err.Error()}}
	}
	host, _, _ := strings.Cut(in.Host, ":")
	dir := "/home/alice/.docker/tls/" + host
	if f.waiting && !in.Force {
		return nil, hint.With(fmt.Errorf("%s already holds a key: %w", dir, member.ErrWouldReplace), "add --force")
	}
	out := cmp.Or(in.Out, member.RequestFileName(in.Name)) // as the engine does
	return &member.Requested{Name: in.Name, CSR: []byte("CSR"), KeyPath: dir + "/key.pem", Context: host, Out: out}, nil
}

// laptopOptions is a member's laptop: no docker.service, no CA.
func laptopOptions() Options {
	return Options{
		Detected: Detected{
			Detection: setup.Detection{NoUnit: fmt.Errorf("%w under /: install Docker", render.ErrNoUnit),
				Warnings: []string{"docker.service not found under /: install Docker"}},
			Root:      "/",
			Hostname:  "alice-laptop",
			ConfigDir: "/home/alice/.docker",
		},
		Now:    testNow,
		Member: &memberFakes{},
	}
}

// keyProgress is an ecdsa-p256 progress: want keys, those done taking took.
func keyProgress(want int, took ...time.Duration) pki.KeyProgress {
	return pki.KeyProgress{Type: pki.ECDSAP256, Want: want, Done: took}
}

// removePrepared is what removing a member writes.
func removePrepared(name string) *setup.Prepared {
	return &setup.Prepared{
		Changes: &render.Changes{Changes: []render.Change{
			change("/etc/docker/tls/members.pem", 0o444, render.Update, ""),
			change("/etc/docker/tls/ca/anchors.pem", 0o400, render.Update, ""),
			change("/etc/docker/tls/ca/issued.json", 0o644, render.Update, ""),
		}},
		Removal: &setup.Removal{Name: name, Slot: 2, Bundle: "/etc/docker/tls/clients/" + name, Archive: "/etc/docker/tls/ca/removed/" + name + ".2026-11-22T183000Z",
			At: time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC)},
		Restart: setup.RestartRemoval,
	}
}

// sampleMembers are three members under per-member trust.
func sampleMembers() []setup.ClientRow {
	until := testNow().AddDate(1, 0, 0)
	return []setup.ClientRow{
		{Name: "alice", Serial: "a1", NotAfter: until, DaysLeft: 365, Bundle: "/etc/docker/tls/clients/alice", Slot: 1},
		{Name: "bob", Serial: "b2", NotAfter: until, DaysLeft: 365, Bundle: "/etc/docker/tls/clients/bob", Slot: 2},
		{Name: "carol", Serial: "c3", NotAfter: until.AddDate(0, -6, 0), DaysLeft: 180, Bundle: "/etc/docker/tls/clients/carol", Slot: 3},
	}
}

// day is midnight UTC of a date, for the fakes' end dates.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
