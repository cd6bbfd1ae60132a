package main

// Command-level tests: the real command line through run(), with buffers for
// the streams and a fixture root (--root) that looks like a Debian host with
// the docker.io package installed. Every run is checked for the passphrase in
// its output; every refused run is checked to leave the root byte-for-byte as
// it was.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/setup"

	"github.com/docker-tls/docker-tls/pki"
)

const (
	testPass  = "correct horse battery staple"
	otherPass = "wrong horse battery staple!!"
	testFQDN  = "docker.example.com"
)

// secrets must never appear in anything a run prints.
var secrets = []string{testPass, otherPass}

type cliResult struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("docker-tls %s\nexit %d\n--- stdout:\n%s--- stderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runCLI runs the command line in-process, like main does.
func runCLI(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	r := cliResult{args: args, code: code, stdout: out.String(), stderr: errb.String()}
	for _, s := range secrets {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("the CA passphrase appears in the output of: %s", r)
		}
	}
	return r
}

// mustRun runs and fails the test unless the exit code is want.
func mustRun(t *testing.T, want int, args ...string) cliResult {
	t.Helper()
	r := runCLI(t, "", args...)
	if r.code != want {
		t.Fatalf("want exit %d, got:\n%s", want, r)
	}
	return r
}

// fixtureRoot is a temp root with Debian's docker.io unit and nothing else.
func fixtureRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	unit, err := os.ReadFile(filepath.Join("testdata", "cli", "docker.service"))
	if err != nil {
		t.Fatal(err)
	}
	writeRootFile(t, root, "lib/systemd/system/docker.service", unit, 0o644)
	return root
}

func writeRootFile(t *testing.T, root, rel string, data []byte, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func readRootFile(t *testing.T, root, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func initArgs(root string, extra ...string) []string {
	// --no-auto-renew: each init would install a copy of this test binary
	// (tens of MB) for its timer; the tests of the timer leave it out.
	return append([]string{"init", "--root", root, "--fqdn", testFQDN, "--no-auto-renew"}, extra...)
}

// initRoot is a root after a successful `init --yes` with the extra flags.
func initRoot(t *testing.T, extra ...string) string {
	t.Helper()
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	mustRun(t, 0, initArgs(root, append([]string{"--yes"}, extra...)...)...)
	return root
}

// copyRoot copies the tree at src, modes included, into a new temp root.
func copyRoot(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			if err := os.MkdirAll(to, 0o700); err != nil {
				return err
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.WriteFile(to, b, fi.Mode().Perm()); err != nil {
				return err
			}
		}
		return os.Chmod(to, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// node is one entry of a snapshot: its mode and, for files, its bytes (for
// symlinks, the target).
type node struct {
	mode fs.FileMode
	data string
}

// snapshot maps every path under root to its mode and content.
func snapshot(t *testing.T, root string) map[string]node {
	t.Helper()
	m := map[string]node{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		n := node{mode: fi.Mode()}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n.data = string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			n.data, _ = os.Readlink(p)
		}
		m[rel] = n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameTree fails the test when the two snapshots differ, naming each path.
func sameTree(t *testing.T, before, after map[string]node) {
	t.Helper()
	var diffs []string
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			diffs = append(diffs, "removed: "+p)
		case a.mode != b.mode:
			diffs = append(diffs, fmt.Sprintf("mode %v -> %v: %s", b.mode, a.mode, p))
		case a.data != b.data:
			diffs = append(diffs, "content changed: "+p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "added: "+p)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("the root changed:\n  %s", strings.Join(diffs, "\n  "))
	}
}

func wantMode(t *testing.T, root, rel string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(filepath.Join(root, rel))
	if err != nil {
		t.Error(err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", rel, got, want)
	}
}

func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

func inspect(t *testing.T, root, rel string) *pki.Info {
	t.Helper()
	info, err := pki.Inspect(readRootFile(t, root, rel))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return info
}

// backups lists the backups of rel (NAME.<stamp>.bak) under root.
func backups(t *testing.T, root, rel string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(root, rel) + ".*.bak")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ledger(t *testing.T, root string) *pki.Ledger {
	t.Helper()
	l, err := pki.ParseLedger(readRootFile(t, root, "etc/docker/tls/ca/issued.json"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func ledgerCount(l *pki.Ledger, kind pki.Kind, cn string) int {
	n := 0
	for _, e := range l.Issued {
		if e.Kind == kind && e.CommonName == cn {
			n++
		}
	}
	return n
}

func TestInitWritesFilesWithModes(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	r := mustRun(t, 0, initArgs(root, "--san-dns", "docker", "--san-ip", "192.0.2.10", "--client", "alice", "--client", "bob", "--yes")...)
	wantContains(t, "stdout", r.stdout, "Wrote ", "docker-tls apply",
		"/etc/docker/tls/clients/alice", "tcp://docker.example.com:2376", "docker-tls client archive alice alice.tar.gz", "docker-tls connect alice.tar.gz")

	for rel, mode := range map[string]fs.FileMode{
		"etc/docker/daemon.json":                            0o644,
		"etc/systemd/system/docker.service.d/override.conf": 0o644,
		"etc/docker/tls/ca.pem":                             0o444,
		"etc/docker/tls/server-cert.pem":                    0o444,
		"etc/docker/tls/server-key.pem":                     0o400,
		"etc/docker/tls/ca":                                 0o700,
		"etc/docker/tls/ca/ca.pem":                          0o444,
		"etc/docker/tls/ca/ca-key.pem":                      0o400,
		"etc/docker/tls/ca/issued.json":                     0o644,
		"etc/docker/tls/clients/alice/ca.pem":               0o644,
		"etc/docker/tls/clients/alice/cert.pem":             0o644,
		"etc/docker/tls/clients/alice/key.pem":              0o600,
		"etc/docker/tls/clients/bob/key.pem":                0o600,
		"etc/systemd/system/docker.service.d":               0o755,
		"lib/systemd/system/docker.service":                 0o644,
		"etc/docker/tls/clients/bob/cert.pem":               0o644,
		"etc/docker/tls/clients/bob/ca.pem":                 0o644,
		"etc/docker/tls/clients":                            0o700,
		"etc/docker/tls/clients/alice":                      0o700,
		"etc/docker/tls/members.pem":                        0o444,
		"etc/docker/tls/ca/anchors.pem":                     0o400,
	} {
		wantMode(t, root, rel, mode)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/docker/tls/clients/client")); err == nil {
		t.Error("the default client \"client\" was issued although --client was given")
	}

	// daemon.json: TLS on, the unix socket kept, the TLS port added.
	var cfg struct {
		TLS       bool     `json:"tls"`
		TLSVerify bool     `json:"tlsverify"`
		CACert    string   `json:"tlscacert"`
		Cert      string   `json:"tlscert"`
		Key       string   `json:"tlskey"`
		Hosts     []string `json:"hosts"`
	}
	if err := json.Unmarshal(readRootFile(t, root, "etc/docker/daemon.json"), &cfg); err != nil {
		t.Fatal(err)
	}
	// Per-member trust: dockerd trusts the members' anchors, never the root.
	if !cfg.TLS || !cfg.TLSVerify || cfg.CACert != "/etc/docker/tls/members.pem" || cfg.Cert != "/etc/docker/tls/server-cert.pem" ||
		cfg.Key != "/etc/docker/tls/server-key.pem" || !slices.Equal(cfg.Hosts, []string{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"}) {
		t.Errorf("daemon.json: %+v", cfg)
	}
	// override.conf: ExecStart reset, the unit's own command without -H.
	ov := string(readRootFile(t, root, "etc/systemd/system/docker.service.d/override.conf"))
	wantContains(t, "override.conf", ov, "[Service]\n", "\nExecStart=\nExecStart=/usr/sbin/dockerd $DOCKER_OPTS\n")
	if regexp.MustCompile(`(?m)^ExecStart=.*(-H|--host|fd://)`).MatchString(ov) {
		t.Errorf("override.conf still passes -H:\n%s", ov)
	}

	// The CA key is encrypted; the server and client keys are not.
	if k := readRootFile(t, root, "etc/docker/tls/ca/ca-key.pem"); !bytes.HasPrefix(k, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----")) || !pki.IsEncrypted(k) {
		t.Errorf("the CA key is not an encrypted PKCS#8 key:\n%.60s", k)
	}
	// The copies of the CA are the CA.
	ca := readRootFile(t, root, "etc/docker/tls/ca/ca.pem")
	for _, rel := range []string{"etc/docker/tls/ca.pem", "etc/docker/tls/clients/alice/ca.pem", "etc/docker/tls/clients/bob/ca.pem"} {
		if !bytes.Equal(readRootFile(t, root, rel), ca) {
			t.Errorf("%s is not the CA certificate", rel)
		}
	}
	srv := inspect(t, root, "etc/docker/tls/server-cert.pem")
	if srv.Kind != pki.KindServer || srv.CommonName != testFQDN || !slices.Contains(srv.DNSNames, "docker") ||
		!slices.Contains(srv.DNSNames, testFQDN) || !slices.Equal(srv.IPs, []string{"192.0.2.10"}) {
		t.Errorf("server certificate: %+v", srv)
	}
	root509, err := pki.ParseCert(ca)
	if err != nil {
		t.Fatal(err)
	}
	members, err := pki.ParseCerts(readRootFile(t, root, "etc/docker/tls/members.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2+pki.DefaultSlots {
		t.Errorf("members.pem holds %d anchors, want one per client and %d free", len(members), pki.DefaultSlots)
	}
	for i, name := range []string{"alice", "bob"} {
		c := inspect(t, root, "etc/docker/tls/clients/"+name+"/cert.pem")
		if c.Kind != pki.KindClient || c.CommonName != name {
			t.Errorf("client certificate %s: %+v", name, c)
		}
		// cert.pem: the certificate, then its anchor, which members.pem
		// lists and the root signed.
		chain, err := pki.ParseCerts(readRootFile(t, root, "etc/docker/tls/clients/"+name+"/cert.pem"))
		if err != nil || len(chain) != 2 || chain[0].CheckSignatureFrom(chain[1]) != nil || chain[1].CheckSignatureFrom(root509) != nil ||
			!chain[1].Equal(members[i]) {
			t.Errorf("client %s: cert.pem is not the certificate then its anchor (%v)", name, err)
		}
		if err := pki.CheckKeyPair(readRootFile(t, root, "etc/docker/tls/clients/"+name+"/cert.pem"),
			readRootFile(t, root, "etc/docker/tls/clients/"+name+"/key.pem")); err != nil {
			t.Errorf("client %s: %v", name, err)
		}
	}
	l := ledger(t, root)
	if ledgerCount(l, pki.KindServer, testFQDN) != 1 || ledgerCount(l, pki.KindClient, "alice") != 1 || ledgerCount(l, pki.KindClient, "bob") != 1 {
		t.Errorf("ledger: %+v", l.Issued)
	}

	// The passphrase is never on disk.
	for p, n := range snapshot(t, root) {
		if strings.Contains(n.data, testPass) {
			t.Errorf("%s contains the CA passphrase", p)
		}
	}
}

func TestInitTwiceChangesNothing(t *testing.T) {
	root := initRoot(t, "--client", "alice", "--san-ip", "192.0.2.10")
	before := snapshot(t, root)
	r := mustRun(t, 0, initArgs(root, "--client", "alice", "--san-ip", "192.0.2.10", "--yes")...)
	wantContains(t, "stdout", r.stdout, "Nothing to change")
	sameTree(t, before, snapshot(t, root))
}

func TestInitDryRunWritesNothing(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	before := snapshot(t, root)
	r := mustRun(t, 0, initArgs(root, "--dry-run")...)
	wantContains(t, "stdout", r.stdout, "Dry run: nothing was written.", "+++ b/etc/docker/daemon.json",
		"+ExecStart=/usr/sbin/dockerd $DOCKER_OPTS", "0400  /etc/docker/tls/server-key.pem")
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("escape codes in piped output:\n%q", r.stdout)
	}
	sameTree(t, before, snapshot(t, root))
}

func TestInitWithoutYesAndNoTerminalWritesNothing(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	before := snapshot(t, root)
	r := runCLI(t, "y\n", initArgs(root)...)
	if r.code != 2 {
		t.Fatalf("want exit 2:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, "nothing was written", "--yes")
	sameTree(t, before, snapshot(t, root))
}

func TestInitPassphraseFromFileOrStdin(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, "")
	root := fixtureRoot(t)
	before := snapshot(t, root)

	// No passphrase source and no terminal: refused, says how to pass one.
	r := runCLI(t, "", initArgs(root, "--yes")...)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, "--ca-passphrase-file", setup.PassphraseEnv)
	sameTree(t, before, snapshot(t, root))

	pf := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pf, []byte(testPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, 0, initArgs(root, "--ca-passphrase-file", pf, "--yes")...)
	// The same CA opens with the passphrase on stdin: nothing to change.
	r = runCLI(t, testPass+"\n", initArgs(root, "--ca-passphrase-file", "-", "--yes")...)
	if r.code != 0 || !strings.Contains(r.stdout, "Nothing to change") {
		t.Fatalf("want exit 0 and nothing to change:\n%s", r)
	}
	// A missing passphrase file is named.
	r = runCLI(t, "", initArgs(root, "--ca-passphrase-file", pf+".missing", "--yes")...)
	if r.code != 1 || !strings.Contains(r.stderr, "pass.missing") {
		t.Fatalf("want exit 1 naming the file:\n%s", r)
	}
}

func TestInitForceReplacesAndBacksUpTheCA(t *testing.T) {
	root := initRoot(t)
	oldCA := readRootFile(t, root, "etc/docker/tls/ca/ca.pem")
	oldKey := readRootFile(t, root, "etc/docker/tls/ca/ca-key.pem")
	mustRun(t, 0, initArgs(root, "--force", "--yes")...)
	if bytes.Equal(readRootFile(t, root, "etc/docker/tls/ca/ca.pem"), oldCA) {
		t.Fatal("--force kept the old CA")
	}
	for rel, old := range map[string][]byte{"etc/docker/tls/ca/ca.pem": oldCA, "etc/docker/tls/ca/ca-key.pem": oldKey} {
		bs := backups(t, root, rel)
		if len(bs) != 1 {
			t.Errorf("%s: want one backup, got %q", rel, bs)
			continue
		}
		if b, _ := os.ReadFile(bs[0]); !bytes.Equal(b, old) {
			t.Errorf("%s is not the old file", bs[0])
		}
		if strings.HasSuffix(bs[0], ".conf") {
			t.Errorf("backup name %s ends in .conf", bs[0])
		}
	}
	wantMode(t, root, "etc/docker/tls/ca/ca-key.pem", 0o400)
	for _, b := range backups(t, root, "etc/docker/tls/ca/ca-key.pem") {
		if fi, err := os.Stat(b); err != nil || fi.Mode().Perm() != 0o400 {
			t.Errorf("the backup of the CA key %s is not 0400", b)
		}
	}
	// The new CA signed the new leaves.
	caCert, err := pki.ParseCert(readRootFile(t, root, "etc/docker/tls/ca/ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := chainsTo(readRootFile(t, root, "etc/docker/tls/server-cert.pem"), caCert); err != nil {
		t.Errorf("the server certificate is not from the new CA: %v", err)
	}
}

// chainsTo verifies the server certificate of a server-cert.pem (its chain:
// the certificate, then the host issuer) against root alone, as a client
// that trusts only ca.pem does.
func chainsTo(chainPEM []byte, root *x509.Certificate) error {
	certs, err := pki.ParseCerts(chainPEM)
	if err != nil {
		return err
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err = certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

func TestInitRefusesBadInput(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, root string)
		args  []string // after init --root ROOT
		pass  string   // default testPass
		code  int
		want  []string // in stderr
	}{
		{name: "invalid daemon.json",
			setup: func(t *testing.T, root string) {
				writeRootFile(t, root, "etc/docker/daemon.json", []byte("{\n  \"log-level\": \"info\",\n"), 0o644)
			},
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"/etc/docker/daemon.json", "invalid JSON"}},
		{name: "duplicate keys in daemon.json",
			setup: func(t *testing.T, root string) {
				writeRootFile(t, root, "etc/docker/daemon.json", []byte(`{"debug": true, "debug": false}`+"\n"), 0o644)
			},
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"/etc/docker/daemon.json", "duplicate key", `"debug"`}},
		{name: "IP as --san-dns",
			args: []string{"--fqdn", testFQDN, "--san-dns", "192.0.2.10", "--yes"}, code: 2, want: []string{"--san-dns", "192.0.2.10 is an IP address", "--san-ip"}},
		{name: "IP as --fqdn",
			args: []string{"--fqdn", "192.0.2.10", "--yes"}, code: 2, want: []string{"--fqdn", "--san-ip"}},
		{name: "trailing dot in --fqdn",
			args: []string{"--fqdn", testFQDN + ".", "--yes"}, code: 2, want: []string{"--fqdn", "trailing dot"}},
		{name: "trailing dot in --san-dns",
			args: []string{"--fqdn", testFQDN, "--san-dns", "docker.internal.", "--yes"}, code: 2, want: []string{"--san-dns", "trailing dot"}},
		{name: "--san-ip not an IP",
			args: []string{"--fqdn", testFQDN, "--san-ip", "docker.internal", "--yes"}, code: 2, want: []string{"--san-ip", "not an IP address"}},
		{name: "listen without host",
			args: []string{"--fqdn", testFQDN, "--listen", ":2376", "--yes"}, code: 2, want: []string{"--listen", "missing host"}},
		{name: "listen port out of range",
			args: []string{"--fqdn", testFQDN, "--listen", "0.0.0.0:99999", "--yes"}, code: 2, want: []string{"--listen", "0.0.0.0:99999", "port"}},
		{name: "short passphrase", pass: "short phrase",
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"at least 15 characters"}},
		{name: "wrong passphrase for an existing CA", pass: otherPass,
			setup: func(t *testing.T, root string) {
				t.Setenv(setup.PassphraseEnv, testPass)
				mustRun(t, 0, initArgs(root, "--yes")...)
			},
			args: []string{"--fqdn", testFQDN, "--client", "carol", "--yes"}, code: 1, want: []string{"ca-key.pem", "wrong CA passphrase"}},
		{name: "CA certificate without its key",
			setup: func(t *testing.T, root string) {
				t.Setenv(setup.PassphraseEnv, testPass)
				mustRun(t, 0, initArgs(root, "--yes")...)
				if err := os.Remove(filepath.Join(root, "etc/docker/tls/ca/ca-key.pem")); err != nil {
					t.Fatal(err)
				}
			},
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"ca-key.pem", "missing"}},
		{name: "days beyond ca-days",
			args: []string{"--fqdn", testFQDN, "--ca-days", "365", "--days", "400", "--yes"}, code: 2, want: []string{"--days", "outlive the CA"}},
		{name: "unknown key type",
			args: []string{"--fqdn", testFQDN, "--key-type", "dsa-1024", "--yes"}, code: 2, want: []string{"dsa-1024"}},
		{name: "etc/docker is a regular file",
			setup: func(t *testing.T, root string) {
				writeRootFile(t, root, "etc/docker", []byte("not a directory\n"), 0o644)
			},
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"/etc/docker/", "not a directory"}},
		{name: "daemon.json is a directory",
			setup: func(t *testing.T, root string) {
				if err := os.MkdirAll(filepath.Join(root, "etc/docker/daemon.json"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"/etc/docker/daemon.json is a directory"}},
		{name: "client name with a slash",
			args: []string{"--fqdn", testFQDN, "--client", "../alice", "--yes"}, code: 2, want: []string{"--client", "'/'"}},
		{name: "missing docker.service",
			setup: func(t *testing.T, root string) {
				if err := os.Remove(filepath.Join(root, "lib/systemd/system/docker.service")); err != nil {
					t.Fatal(err)
				}
			},
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"docker.service not found"}},
		{name: "masked docker.service",
			setup: func(t *testing.T, root string) {
				if err := os.MkdirAll(filepath.Join(root, "etc/systemd/system"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("/dev/null", filepath.Join(root, "etc/systemd/system/docker.service")); err != nil {
					t.Fatal(err)
				}
			},
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"masked", "systemctl unmask"}},
		{name: "snap install",
			setup: func(t *testing.T, root string) {
				if err := os.RemoveAll(filepath.Join(root, "lib")); err != nil {
					t.Fatal(err)
				}
				writeRootFile(t, root, "var/snap/docker/current/config/daemon.json", []byte("{}\n"), 0o644)
			},
			args: []string{"--fqdn", testFQDN, "--yes"}, code: 1, want: []string{"snap", "/var/snap/docker/current/config/daemon.json"}},
		{name: "unknown flag",
			args: []string{"--fqdn", testFQDN, "--bogus", "--yes"}, code: 2, want: []string{"unknown flag: --bogus", "--help"}},
		{name: "passphrase as a flag value",
			args: []string{"--fqdn", testFQDN, "--ca-passphrase", testPass, "--yes"}, code: 2, want: []string{"unknown flag: --ca-passphrase"}},
		{name: "missing --fqdn",
			args: []string{"--yes"}, code: 2, want: []string{"--fqdn is required"}},
		{name: "positional argument",
			args: []string{"--fqdn", testFQDN, "extra", "--yes"}, code: 2, want: []string{"takes no arguments", "extra"}},
		{name: "--apply with --dry-run",
			args: []string{"--fqdn", testFQDN, "--apply", "--dry-run"}, code: 2, want: []string{"--apply", "--dry-run"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := fixtureRoot(t)
			if tc.setup != nil {
				tc.setup(t, root)
			}
			pass := tc.pass
			if pass == "" {
				pass = testPass
			}
			t.Setenv(setup.PassphraseEnv, pass)
			before := snapshot(t, root)
			r := runCLI(t, "", append([]string{"init", "--root", root}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("want exit %d:\n%s", tc.code, r)
			}
			if !strings.HasPrefix(r.stderr, "ERROR: ") {
				t.Errorf("stderr does not start with ERROR:\n%s", r)
			}
			wantContains(t, "stderr", r.stderr, tc.want...)
			if strings.Contains(r.stderr+r.stdout, "\x1b[") {
				t.Errorf("escape codes in piped output:\n%q", r.stderr)
			}
			sameTree(t, before, snapshot(t, root))
		})
	}
}

func TestNoSubcommandWithoutTerminalWritesNothing(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	before := snapshot(t, root)
	r := runCLI(t, "\n\n\n", "--root", root, "--fqdn", testFQDN)
	if r.code == 0 {
		t.Errorf("the wizard without a terminal succeeded:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, "init")
	if strings.Contains(r.stdout+r.stderr, "\x1b[") {
		t.Errorf("escape codes without a terminal:\n%q\n%q", r.stdout, r.stderr)
	}
	sameTree(t, before, snapshot(t, root))
}

func TestClientAdd(t *testing.T) {
	root := initRoot(t)
	// Flags after the positional argument.
	r := mustRun(t, 0, "client", "add", "bob", "--root", root)
	wantContains(t, "stdout", r.stdout, `Issued "bob"`, "docker-tls client archive bob bob.tar.gz",
		"docker-tls connect bob.tar.gz", `docker context create docker.example.com --docker "host=tcp://docker.example.com:2376,`)
	dir := "etc/docker/tls/clients/bob"
	wantMode(t, root, dir, 0o700)
	wantMode(t, root, dir+"/ca.pem", 0o644)
	wantMode(t, root, dir+"/cert.pem", 0o644)
	wantMode(t, root, dir+"/key.pem", 0o600)
	if !bytes.Equal(readRootFile(t, root, dir+"/ca.pem"), readRootFile(t, root, "etc/docker/tls/ca/ca.pem")) {
		t.Error("bob's ca.pem is not the CA")
	}
	certPEM := readRootFile(t, root, dir+"/cert.pem")
	if err := pki.CheckKeyPair(certPEM, readRootFile(t, root, dir+"/key.pem")); err != nil {
		t.Error(err)
	}
	c, err := pki.ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject.CommonName != "bob" || !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("bob's certificate: CN %q, EKU %v", c.Subject.CommonName, c.ExtKeyUsage)
	}
	// Issued under a free slot that members.pem already lists: no restart.
	if _, err := c.Verify(x509.VerifyOptions{Roots: certPool(t, readRootFile(t, root, "etc/docker/tls/members.pem")),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("bob's certificate does not verify with members.pem alone: %v", err)
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: certPool(t, readRootFile(t, root, "etc/docker/tls/ca/ca.pem")),
		Intermediates: certPool(t, certPEM), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("bob's cert.pem does not chain to the root: %v", err)
	}
	if n := ledgerCount(ledger(t, root), pki.KindClient, "bob"); n != 1 {
		t.Errorf("bob is %d times in the ledger", n)
	}

	// Issued already: refused, nothing written.
	before := snapshot(t, root)
	r = runCLI(t, "", "client", "add", "bob", "--root", root)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, `"bob" was already issued`, "--force")
	sameTree(t, before, snapshot(t, root))

	// A wrong passphrase: refused, nothing written.
	t.Setenv(setup.PassphraseEnv, otherPass)
	r = runCLI(t, "", "client", "add", "carol", "--root", root)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, "wrong CA passphrase")
	sameTree(t, before, snapshot(t, root))
	t.Setenv(setup.PassphraseEnv, testPass)

	// A bad name is a usage error.
	r = runCLI(t, "", "client", "add", "bob/../eve", "--root", root)
	if r.code != 2 {
		t.Fatalf("want exit 2:\n%s", r)
	}
	sameTree(t, before, snapshot(t, root))

	// --dry-run writes nothing.
	mustRun(t, 0, "client", "add", "dave", "--root", root, "--dry-run")
	sameTree(t, before, snapshot(t, root))

	// --force re-issues and backs the old files up.
	mustRun(t, 0, "client", "add", "--force", "bob", "--root", root)
	if bytes.Equal(readRootFile(t, root, dir+"/cert.pem"), certPEM) {
		t.Error("--force did not re-issue bob")
	}
	bs := backups(t, root, dir+"/cert.pem")
	if len(bs) != 1 {
		t.Fatalf("want one backup of bob's cert.pem, got %q", bs)
	}
	if b, _ := os.ReadFile(bs[0]); !bytes.Equal(b, certPEM) {
		t.Error("the backup is not the old certificate")
	}
	for _, b := range backups(t, root, dir+"/key.pem") {
		if fi, err := os.Stat(b); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("the backup of bob's key %s is not 0600", b)
		}
	}
	wantMode(t, root, dir+"/key.pem", 0o600)
	if n := ledgerCount(ledger(t, root), pki.KindClient, "bob"); n != 2 {
		t.Errorf("bob is %d times in the ledger, want 2", n)
	}
}

func TestClientAddWithoutCA(t *testing.T) {
	t.Setenv(setup.PassphraseEnv, testPass)
	root := fixtureRoot(t)
	before := snapshot(t, root)
	r := runCLI(t, "", "client", "add", "bob", "--root", root)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, "no CA at", "docker-tls init")
	sameTree(t, before, snapshot(t, root))
}

func TestClientAddArchive(t *testing.T) {
	root := initRoot(t)
	out := t.TempDir()
	archive := filepath.Join(out, "alice.tar.gz")
	r := mustRun(t, 0, "client", "add", "alice", "--archive", archive, "--root", root)
	wantContains(t, "stdout", r.stdout, "Archive: "+archive, "docker-tls connect alice.tar.gz", "tar -xzf alice.tar.gz")
	fi, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %04o, want 0600", fi.Mode().Perm())
	}
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	got := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || strings.Contains(h.Name, "/") {
			t.Errorf("unexpected entry %q (type %c)", h.Name, h.Typeflag)
		}
		if h.Name == "key.pem" && h.Mode&0o077 != 0 {
			t.Errorf("key.pem in the archive has mode %04o", h.Mode)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = b
	}
	dir := "etc/docker/tls/clients/alice/"
	if len(got) != 4 {
		t.Errorf("archive holds %d files, want docker-tls.json, ca.pem, cert.pem, key.pem", len(got))
	}
	// The metadata says where to connect, so that "connect" needs no flags.
	var meta member.Meta
	if err := json.Unmarshal(got["docker-tls.json"], &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Host != "tcp://docker.example.com:2376" || meta.Name != "alice" || meta.NotAfter.IsZero() ||
		!slices.Contains(meta.ServerNames, "docker.example.com") {
		t.Errorf("metadata %+v", meta)
	}
	for _, name := range []string{"ca.pem", "cert.pem", "key.pem"} {
		if !bytes.Equal(got[name], readRootFile(t, root, dir+name)) {
			t.Errorf("%s in the archive differs from the bundle", name)
		}
	}

	// An existing archive is not replaced without --force.
	before := snapshot(t, root)
	r = runCLI(t, "", "client", "add", "bob", "--archive", archive, "--root", root)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, archive, "already exists")
	sameTree(t, before, snapshot(t, root))
}

func TestClientList(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	mustRun(t, 0, "client", "add", "bob", "--days", "30", "--root", root)
	r := mustRun(t, 0, "client", "list", "--root", root)
	if !regexp.MustCompile(`(?m)^alice\s+[0-9a-f]+\s+\d{4}-\d{2}-\d{2}\s+36[45]\s+in bundle\s+1\s+/etc/docker/tls/clients/alice$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^bob\s+[0-9a-f]+\s+\d{4}-\d{2}-\d{2}\s+(29|30)\s+in bundle\s+2\s+/etc/docker/tls/clients/bob$`).MatchString(r.stdout) {
		t.Errorf("client list:\n%s", r.stdout)
	}
	r = mustRun(t, 0, "client", "list", "--json", "--root", root)
	var rows []setup.ClientRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("client list --json: %v\n%s", err, r.stdout)
	}
	if len(rows) != 2 || rows[0].Name != "alice" || rows[1].Name != "bob" || rows[0].Serial == "" || rows[1].DaysLeft > 30 {
		t.Errorf("client list --json: %+v", rows)
	}
	if want := inspect(t, root, "etc/docker/tls/clients/alice/cert.pem").Serial; rows[0].Serial != want {
		t.Errorf("alice's serial %s, want %s", rows[0].Serial, want)
	}

	// A removed bundle still shows, from the ledger.
	if err := os.RemoveAll(filepath.Join(root, "etc/docker/tls/clients/bob")); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, 0, "client", "list", "--root", root)
	wantContains(t, "client list", r.stdout, "bundle missing")
}

func TestRenewServer(t *testing.T) {
	root := initRoot(t, "--san-dns", "docker", "--san-ip", "192.0.2.10")
	const cert, key = "etc/docker/tls/server-cert.pem", "etc/docker/tls/server-key.pem"
	oldCert, oldKey := readRootFile(t, root, cert), readRootFile(t, root, key)
	old := inspect(t, root, cert)

	r := mustRun(t, 0, "renew", "--yes", "--root", root)
	wantContains(t, "stdout", r.stdout, "renewed", "Docker loads the new server certificate when it restarts", "docker-tls apply")
	now := inspect(t, root, cert)
	if now.Serial == old.Serial || bytes.Equal(readRootFile(t, root, key), oldKey) {
		t.Error("renew kept the old certificate or key")
	}
	if now.CommonName != old.CommonName || !sameSet(now.DNSNames, old.DNSNames) || !sameSet(now.IPs, old.IPs) {
		t.Errorf("renew changed the names: %+v -> %+v", old, now)
	}
	if err := pki.CheckKeyPair(readRootFile(t, root, cert), readRootFile(t, root, key)); err != nil {
		t.Error(err)
	}
	wantMode(t, root, key, 0o400)
	for rel, data := range map[string][]byte{cert: oldCert, key: oldKey} {
		bs := backups(t, root, rel)
		if len(bs) != 1 {
			t.Errorf("%s: want one backup, got %q", rel, bs)
			continue
		}
		if b, _ := os.ReadFile(bs[0]); !bytes.Equal(b, data) {
			t.Errorf("%s is not the old file", bs[0])
		}
	}
	for _, b := range backups(t, root, key) {
		if fi, err := os.Stat(b); err != nil || fi.Mode().Perm() != 0o400 {
			t.Errorf("the backup of the server key %s is not 0400", b)
		}
	}
	if n := ledgerCount(ledger(t, root), pki.KindServer, testFQDN); n != 2 {
		t.Errorf("the server is %d times in the ledger, want 2", n)
	}

	// --san-ip adds an IP and keeps the others.
	mustRun(t, 0, "renew", "--yes", "--san-ip", "192.0.2.11", "--root", root)
	now = inspect(t, root, cert)
	if !sameSet(now.IPs, []string{"192.0.2.10", "192.0.2.11"}) || !sameSet(now.DNSNames, old.DNSNames) {
		t.Errorf("renew --san-ip: IPs %v, DNS %v", now.IPs, now.DNSNames)
	}

	// A wrong passphrase: nothing written.
	before := snapshot(t, root)
	t.Setenv(setup.PassphraseEnv, otherPass)
	r = runCLI(t, "", "renew", "--root", root)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, "wrong CA passphrase")
	sameTree(t, before, snapshot(t, root))

	// One write gate for every command that replaces files: without a
	// terminal, only --yes writes.
	t.Setenv(setup.PassphraseEnv, testPass)
	for _, args := range [][]string{{"renew"}, {"renew", "--client", "client"}} {
		r = runCLI(t, "", append(args, "--root", root)...)
		if r.code != 2 {
			t.Fatalf("want exit 2:\n%s", r)
		}
		wantContains(t, "stderr", r.stderr, "nothing was written: add --yes")
		sameTree(t, before, snapshot(t, root))
	}
}

func TestRenewClient(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	const cert = "etc/docker/tls/clients/alice/cert.pem"
	old := readRootFile(t, root, cert)
	mustRun(t, 0, "renew", "--yes", "--client", "alice", "--days", "90", "--root", root)
	now := inspect(t, root, cert)
	if bytes.Equal(readRootFile(t, root, cert), old) || now.CommonName != "alice" || now.Kind != pki.KindClient {
		t.Errorf("renew --client alice: %+v", now)
	}
	if d := now.DaysLeft(now.NotBefore); d < 89 || d > 91 {
		t.Errorf("renewed for %d days, want 90", d)
	}
	if bs := backups(t, root, cert); len(bs) != 1 {
		t.Errorf("want one backup of alice's cert, got %q", bs)
	}
	wantMode(t, root, "etc/docker/tls/clients/alice/key.pem", 0o600)

	before := snapshot(t, root)
	r := runCLI(t, "", "renew", "--client", "nobody", "--root", root)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, `no client "nobody"`)
	sameTree(t, before, snapshot(t, root))
}

var dateLine = `\d{4}-\d{2}-\d{2}\s+\(\d+ days\)`

func TestStatusHealthy(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	r := mustRun(t, 0, "status", "--root", root)
	for _, re := range []string{
		`(?m)^ca\s+docker-tls CA\s+` + dateLine + `\s+/etc/docker/tls/ca/ca.pem$`,
		`(?m)^server\s+docker\.example\.com\s+` + dateLine + `\s+/etc/docker/tls/server-cert.pem$`,
		`(?m)^client\s+alice\s+` + dateLine + `\s+/etc/docker/tls/clients/alice/cert.pem$`,
		`(?m)^Hosts:\s+unix:///var/run/docker.sock, tcp://0.0.0.0:2376$`,
		`(?m)^ExecStart: /usr/sbin/dockerd \$DOCKER_OPTS$`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("status output does not match %s:\n%s", re, r.stdout)
		}
	}
	wantContains(t, "stdout", r.stdout, "No problems found.")

	r = mustRun(t, 0, "status", "--json", "--root", root)
	var rep setup.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	if !rep.Healthy || len(rep.Findings) != 0 || len(rep.Certificates) != 3 || rep.Certificates[1].Kind != "server" ||
		rep.Certificates[1].DaysLeft < 364 {
		t.Errorf("status --json: %+v", rep)
	}
}

func TestStatusProblems(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, root string)
		args  []string
		want  string // a finding
	}{
		{name: "expiring within --warn-days", args: []string{"--warn-days", "400"},
			want: `server docker.example.com expires in 36[45] days \(\d{4}-\d{2}-\d{2}\): run "docker-tls renew --root [^"]+"`},
		{name: "readable server key",
			setup: func(t *testing.T, root string) {
				if err := os.Chmod(filepath.Join(root, "etc/docker/tls/server-key.pem"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: `CIS 3.14: /etc/docker/tls/server-key.pem is 0644; the benchmark asks 0400: chmod 400 ` + "\\S+" + `/etc/docker/tls/server-key.pem`},
		{name: "unencrypted CA key",
			setup: func(t *testing.T, root string) {
				k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				der, err := x509.MarshalPKCS8PrivateKey(k)
				if err != nil {
					t.Fatal(err)
				}
				writeRootFile(t, root, "etc/docker/tls/ca/ca-key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
			},
			want: `the CA key /etc/docker/tls/ca/ca-key.pem is not encrypted`},
		{name: "TCP on 2375",
			setup: addHost(`"tcp://0.0.0.0:2375"`),
			want:  `/etc/docker/daemon.json hosts tcp://0.0.0.0:2375: dockerd serves TLS there, on 2375, the port of the unencrypted API`},
		// dockerd reads a host without a scheme as tcp, and without a port
		// as 2375: the same finding.
		{name: "TCP on 2375 without a scheme",
			setup: addHost(`"0.0.0.0:2375"`),
			want:  `/etc/docker/daemon.json hosts 0.0.0.0:2375: dockerd serves TLS there, on 2375`},
		{name: "TCP without a port",
			setup: addHost(`"tcp://10.0.0.1"`),
			want:  `/etc/docker/daemon.json hosts tcp://10.0.0.1: dockerd serves TLS there, on 2375`},
		{name: "TCP without TLS",
			setup: func(t *testing.T, root string) {
				b := readRootFile(t, root, "etc/docker/daemon.json")
				b = bytes.Replace(b, []byte(`"tlsverify": true`), []byte(`"tlsverify": false`), 1)
				b = bytes.Replace(b, []byte(`"tls": true`), []byte(`"tls": false`), 1)
				writeRootFile(t, root, "etc/docker/daemon.json", b, 0o644)
			},
			want: `/etc/docker/daemon.json hosts tcp://0.0.0.0:2376: dockerd listens there without TLS, and anyone who reaches it is root`},
		{name: "tlsverify off",
			setup: func(t *testing.T, root string) {
				b := bytes.Replace(readRootFile(t, root, "etc/docker/daemon.json"), []byte(`"tlsverify": true`), []byte(`"tlsverify": false`), 1)
				writeRootFile(t, root, "etc/docker/daemon.json", b, 0o644)
			},
			want: `/etc/docker/daemon.json does not set "tlsverify": true, so client certificates are not required`},
		{name: "override removed",
			setup: func(t *testing.T, root string) {
				if err := os.Remove(filepath.Join(root, "etc/systemd/system/docker.service.d/override.conf")); err != nil {
					t.Fatal(err)
				}
			},
			want: `/lib/systemd/system/docker.service:13: ExecStart= passes -H fd:// while /etc/docker/daemon.json sets "hosts": dockerd will refuse to start`},
		{name: "server key from another certificate",
			setup: func(t *testing.T, root string) {
				writeRootFile(t, root, "etc/docker/tls/server-key.pem", readRootFile(t, root, "etc/docker/tls/clients/client/key.pem"), 0o600)
			},
			want: `/etc/docker/tls/server-key.pem does not match /etc/docker/tls/server-cert.pem`},
		{name: "readable CA directory",
			setup: func(t *testing.T, root string) {
				if err := os.Chmod(filepath.Join(root, "etc/docker/tls/ca"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			want: `/etc/docker/tls/ca has mode 0755: chmod 700 /etc/docker/tls/ca`},
	}
	template := initRoot(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := copyRoot(t, template)
			if tc.setup != nil {
				tc.setup(t, root)
			}
			args := append([]string{"status", "--root", root}, tc.args...)
			r := runCLI(t, "", args...)
			if r.code != 1 {
				t.Fatalf("want exit 1:\n%s", r)
			}
			re := regexp.MustCompile(`(?m)^  ! ` + tc.want)
			if !strings.Contains(r.stdout, "\nProblems:\n") || !re.MatchString(r.stdout) {
				t.Errorf("no finding matching %q:\n%s", tc.want, r)
			}
			r = runCLI(t, "", append(args, "--json")...)
			if r.code != 1 {
				t.Fatalf("want exit 1:\n%s", r)
			}
			var rep setup.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("status --json: %v\n%s", err, r.stdout)
			}
			re = regexp.MustCompile(`^` + tc.want)
			if rep.Healthy || !slices.ContainsFunc(rep.Findings, func(f setup.Finding) bool { return re.MatchString(f.String()) }) {
				t.Errorf("status --json: healthy %v, findings %q", rep.Healthy, rep.Findings)
			}
		})
	}
}

// addHost adds an entry to daemon.json's hosts, after the TLS one.
func addHost(entry string) func(t *testing.T, root string) {
	return func(t *testing.T, root string) {
		b := readRootFile(t, root, "etc/docker/daemon.json")
		b = bytes.Replace(b, []byte(`"tcp://0.0.0.0:2376"`), []byte(`"tcp://0.0.0.0:2376", `+entry), 1)
		writeRootFile(t, root, "etc/docker/daemon.json", b, 0o644)
	}
}

func TestStatusWithoutSetup(t *testing.T) {
	root := fixtureRoot(t)
	r := runCLI(t, "", "status", "--root", root)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stdout", r.stdout, "/etc/docker/daemon.json does not exist", "/etc/docker/tls/server-cert.pem is missing")
	r = runCLI(t, "", "status", "--warn-days", "-1", "--root", root)
	if r.code != 2 {
		t.Fatalf("want exit 2:\n%s", r)
	}
}

func TestVersion(t *testing.T) {
	r := mustRun(t, 0, "version")
	if !strings.HasPrefix(r.stdout, "docker-tls ") {
		t.Errorf("version: %q", r.stdout)
	}
	r = mustRun(t, 2, "nosuchcommand")
	wantContains(t, "stderr", r.stderr, "nosuchcommand", "--help")
}

// sameSet compares two lists ignoring order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// certPool holds every certificate in a PEM file.
func certPool(t *testing.T, pemBytes []byte) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pemBytes) {
		t.Fatal("no certificate in the PEM data")
	}
	return p
}
