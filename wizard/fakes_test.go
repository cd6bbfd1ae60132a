package wizard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

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
	members    []setup.ClientRow
	removes    []string
	removeErr  error
	switches   []string // passphrases PrepareSwitch got
	finalizes  []string
	impact     *setup.RestartImpact
	liveOn     int
	calls      []string // CheckRestart, EnableLiveRestore, Apply in order
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
		Findings: []string{}, Healthy: true,
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
	return samplePrepared(), nil
}

func (f *fakes) PrepareClient(in setup.ClientInput, pass []byte) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients = append(f.clients, in)
	f.clientPass = append(f.clientPass, string(pass))
	return clientPrepared(in.Name), nil
}

func (f *fakes) PrepareRenew(in setup.RenewInput, pass []byte) (*setup.Prepared, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renews = append(f.renews, in)
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

func (f *fakes) Apply(context.Context) (*setup.Applied, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applyNows++
	f.calls = append(f.calls, "Apply")
	return &setup.Applied{Bundle: "/etc/docker/tls/clients/client"}, nil
}

func (f *fakes) Clients() ([]setup.ClientRow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.members), nil
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

func samplePrepared() *setup.Prepared {
	const (
		cert = 0o644
		key  = 0o600
	)
	return &setup.Prepared{
		Summary: []string{
			"CA          docker-tls CA, ecdsa-p256, until 2036-11-19 (new)",
			"Server      docker1.example.com, 10.0.0.5, 192.168.1.20, until 2027-11-22",
			"Clients     client",
			"dockerd     tcp://0.0.0.0:2376 with tlsverify, and the unix socket",
		},
		Changes: &render.Changes{
			Changes: []render.Change{
				change("/etc/docker/tls/ca/ca.pem", cert, render.Create, ""),
				change("/etc/docker/tls/ca/ca-key.pem", key, render.Create, ""),
				change("/etc/docker/tls/ca/issued.json", cert, render.Create, ""),
				change("/etc/docker/tls/ca.pem", cert, render.Create, ""),
				change("/etc/docker/tls/server-cert.pem", cert, render.Create, ""),
				change("/etc/docker/tls/server-key.pem", key, render.Create, ""),
				change("/etc/docker/tls/clients/client/ca.pem", cert, render.Create, ""),
				change("/etc/docker/tls/clients/client/cert.pem", cert, render.Create, ""),
				change("/etc/docker/tls/clients/client/key.pem", key, render.Create, ""),
				change("/etc/docker/daemon.json", cert, render.Update, `--- /etc/docker/daemon.json
+++ /etc/docker/daemon.json
@@ -1,3 +1,9 @@
 {
-  "log-driver": "journald"
+  "log-driver": "journald",
+  "tls": true,
+  "tlsverify": true,
+  "tlscacert": "/etc/docker/tls/ca.pem",
+  "tlscert": "/etc/docker/tls/server-cert.pem",
+  "tlskey": "/etc/docker/tls/server-key.pem",
+  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
 }
`),
				change("/etc/systemd/system/docker.service.d/override.conf", cert, render.Create, `--- /etc/systemd/system/docker.service.d/override.conf
+++ /etc/systemd/system/docker.service.d/override.conf
@@ -0,0 +1,3 @@
+[Service]
+ExecStart=
+ExecStart=/usr/sbin/dockerd $DOCKER_OPTS
`),
			},
			Warnings: []string{"/etc/docker/daemon.json is updated; a backup is kept beside it"},
			Notes:    []string{"The unit passes -H fd://, which clashes with \"hosts\" in daemon.json: the override drops it."},
		},
		NextSteps: []setup.Step{
			{Text: "Restart Docker:", Commands: []string{"systemctl daemon-reload && systemctl restart docker"}},
			{Text: "Check it:", Commands: []string{"docker --tlsverify -H tcp://docker1.example.com:2376 version"}},
			{Text: "Client bundle: /etc/docker/tls/clients/client/", Commands: []string{
				`docker context create docker1 --docker "host=tcp://docker1.example.com:2376,ca=...,cert=...,key=..."`}},
		},
	}
}

func clientPrepared(name string) *setup.Prepared {
	dir := setup.ClientDir(name) + "/"
	return &setup.Prepared{
		Changes: &render.Changes{Changes: []render.Change{
			change(dir+"ca.pem", 0o644, render.Create, ""),
			change(dir+"cert.pem", 0o644, render.Create, ""),
			change(dir+"key.pem", 0o600, render.Create, ""),
			change("/etc/docker/tls/ca/issued.json", 0o644, render.Update, ""),
		}},
		NextSteps: []setup.Step{
			{Text: "Send " + name + " the three files in " + dir + " and these lines:", Commands: []string{
				"mkdir -p ~/.docker && cp ca.pem cert.pem key.pem ~/.docker/",
				"export DOCKER_HOST=tcp://docker1.example.com:2376 DOCKER_TLS_VERIFY=1",
			}},
		},
	}
}

// removePrepared is what removing a member writes.
func removePrepared(name string) *setup.Prepared {
	return &setup.Prepared{
		Summary: []string{
			"Remove    " + name + ": their anchor (member anchor 2) and its key leave /etc/docker/tls/members.pem and /etc/docker/tls/ca/anchors.pem; nobody else's files change",
			"Ledger    " + name + " stays on record, removed on 2026-11-22",
			"Bundle    /etc/docker/tls/clients/" + name + " moves to /etc/docker/tls/ca/removed/" + name + ".2026-11-22T183000Z",
		},
		Changes: &render.Changes{Changes: []render.Change{
			change("/etc/docker/tls/members.pem", 0o644, render.Update, ""),
			change("/etc/docker/tls/ca/anchors.pem", 0o600, render.Update, ""),
			change("/etc/docker/tls/ca/issued.json", 0o644, render.Update, ""),
		}},
		Removal: &setup.Removal{Name: name, Slot: 2, Bundle: "/etc/docker/tls/clients/" + name, Archive: "/etc/docker/tls/ca/removed/" + name + ".2026-11-22T183000Z"},
		NextSteps: []setup.Step{{Text: "The removal takes effect when Docker restarts (until then " + name + " still gets in). Restart it with apply, which checks Docker with a member's bundle and rolls back if it does not come back:",
			Commands: []string{"docker-tls apply"}}},
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
