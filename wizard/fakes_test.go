package wizard

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/docker-tls/docker-tls/pki"
)

// fakes are Deps that do no crypto and no I/O, and record their calls.
type fakes struct {
	mu         sync.Mutex
	rightPass  string
	startKeys  []string
	checks     []string
	prepares   []Answers
	prepareErr []error // returned by the first calls, in order
	applies    int
	applied    []string
	applyErr   error
	clients    [][3]string
	renews     int
	statusText string
	applyNows  int
	withApply  bool // offer ApplyNow
}

func newFakes() *fakes {
	return &fakes{rightPass: "correct horse battery staple", statusText: "CA valid until 2036-11-19\nserver certificate valid until 2027-11-22"}
}

func (f *fakes) deps() Deps {
	d := Deps{
		StartKeys: func(kt string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.startKeys = append(f.startKeys, kt)
		},
		CheckPassphrase: func(p string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.checks = append(f.checks, p)
			if p != f.rightPass {
				return fmt.Errorf("ca/ca-key.pem: %w", pki.ErrBadPassphrase)
			}
			return nil
		},
		Prepare: func(a Answers) (*Prepared, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.prepares = append(f.prepares, a)
			if len(f.prepareErr) > 0 {
				err := f.prepareErr[0]
				f.prepareErr = f.prepareErr[1:]
				return nil, err
			}
			return samplePrepared(), nil
		},
		Apply: func(p *Prepared, progress func(string)) error {
			f.mu.Lock()
			f.applies++
			err := f.applyErr
			f.mu.Unlock()
			for i, fv := range p.Files {
				if fv.Action == "unchanged" {
					continue
				}
				if err != nil && i == 4 {
					return err
				}
				progress(fv.Path)
				f.mu.Lock()
				f.applied = append(f.applied, fv.Path)
				f.mu.Unlock()
			}
			return nil
		},
		PrepareClient: func(name, days, pass string) (*Prepared, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.clients = append(f.clients, [3]string{name, days, pass})
			return clientPrepared(name), nil
		},
		PrepareRenew: func(pass string) (*Prepared, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.renews++
			return samplePrepared(), nil
		},
		Status: func() (string, error) { return f.statusText, nil },
	}
	if f.withApply {
		d.ApplyNow = func() (string, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.applyNows++
			return "docker restarted; TLS probe on 127.0.0.1:2376 ok", nil
		}
	}
	return d
}

func (f *fakes) snapshot() (prepares []Answers, applies int, startKeys []string) {
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
			Root:       "/srv/test-root",
			Hostname:   "docker1.example.com",
			IPs:        []string{"10.0.0.5", "192.168.1.20"},
			UnitPath:   "/lib/systemd/system/docker.service",
			ExecStart:  "/usr/sbin/dockerd -H fd:// $DOCKER_OPTS",
			DaemonJSON: true,
		},
		Defaults: Answers{Passphrase: "correct horse battery staple", PassphraseFromFile: true},
		Now:      testNow,
	}
}

func samplePrepared() *Prepared {
	const (
		cert = os.FileMode(0o644)
		key  = os.FileMode(0o600)
	)
	return &Prepared{
		Summary: []string{
			"CA          docker-tls CA, ecdsa-p256, until 2036-11-19 (new)",
			"Server      docker1.example.com, 10.0.0.5, 192.168.1.20, until 2027-11-22",
			"Clients     client",
			"dockerd     tcp://0.0.0.0:2376 with tlsverify, and the unix socket",
		},
		Files: []FileView{
			{Path: "/etc/docker/tls/ca/ca.pem", Mode: cert, Action: "create"},
			{Path: "/etc/docker/tls/ca/ca-key.pem", Mode: key, Action: "create"},
			{Path: "/etc/docker/tls/ca/issued.json", Mode: cert, Action: "create"},
			{Path: "/etc/docker/tls/ca.pem", Mode: cert, Action: "create"},
			{Path: "/etc/docker/tls/server-cert.pem", Mode: cert, Action: "create"},
			{Path: "/etc/docker/tls/server-key.pem", Mode: key, Action: "create"},
			{Path: "/etc/docker/tls/clients/client/ca.pem", Mode: cert, Action: "create"},
			{Path: "/etc/docker/tls/clients/client/cert.pem", Mode: cert, Action: "create"},
			{Path: "/etc/docker/tls/clients/client/key.pem", Mode: key, Action: "create"},
			{Path: "/etc/docker/daemon.json", Mode: cert, Action: "update", Diff: `--- /etc/docker/daemon.json
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
`},
			{Path: "/etc/systemd/system/docker.service.d/override.conf", Mode: cert, Action: "create", Diff: `--- /etc/systemd/system/docker.service.d/override.conf
+++ /etc/systemd/system/docker.service.d/override.conf
@@ -0,0 +1,3 @@
+[Service]
+ExecStart=
+ExecStart=/usr/sbin/dockerd $DOCKER_OPTS
`},
		},
		Warnings:  []string{"/etc/docker/daemon.json is updated; a backup is kept beside it"},
		Notes:     []string{"The unit passes -H fd://, which clashes with \"hosts\" in daemon.json: the override drops it."},
		NextSteps: "systemctl daemon-reload && systemctl restart docker\ndocker --tlsverify -H tcp://docker1.example.com:2376 version\n\nClient bundle: /etc/docker/tls/clients/client/\ndocker context create docker1 --docker \"host=tcp://docker1.example.com:2376,ca=...,cert=...,key=...\"",
	}
}

func clientPrepared(name string) *Prepared {
	dir := "/etc/docker/tls/clients/" + name + "/"
	return &Prepared{
		Files: []FileView{
			{Path: dir + "ca.pem", Mode: 0o644, Action: "create"},
			{Path: dir + "cert.pem", Mode: 0o644, Action: "create"},
			{Path: dir + "key.pem", Mode: 0o600, Action: "create"},
			{Path: "/etc/docker/tls/ca/issued.json", Mode: 0o644, Action: "update"},
		},
		NextSteps: "Send " + name + " the three files in " + dir + " (or: docker-tls client add " + name + " --archive)\n" +
			"and these lines:\n  mkdir -p ~/.docker && cp ca.pem cert.pem key.pem ~/.docker/\n" +
			"  export DOCKER_HOST=tcp://docker1.example.com:2376 DOCKER_TLS_VERIFY=1",
	}
}
