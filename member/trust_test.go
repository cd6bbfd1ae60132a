package member

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A CA and bundles made by hand, as an attacker would make them: anyone can
// make a CA of any name.

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mint(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, []byte) {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func makeCA(t *testing.T, name string) *testCA {
	t.Helper()
	k := newKey(t)
	c, p := mint(t, &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, k.Public(), k)
	return &testCA{cert: c, key: k, pem: p}
}

func clientTmpl(cn string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
}

// bundleFor is an archive (in dir) of a bundle for tmpl signed by ca, for
// the daemon at host.
func bundleFor(t *testing.T, ca *testCA, tmpl *x509.Certificate, caPEM []byte) string {
	t.Helper()
	k := newKey(t)
	_, certPEM := mint(t, tmpl, ca.cert, k.Public(), ca.key)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	if caPEM == nil {
		caPEM = ca.pem
	}
	b := &Bundle{Meta: &Meta{Version: 1, Host: "tcp://docker.example.com:2376", Name: tmpl.Subject.CommonName, NotAfter: testNow.AddDate(1, 0, 0)},
		CA: caPEM, Cert: certPEM, Key: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})}
	data, err := b.Pack(testNow)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func connectIn(cfg, file string) ConnectInput {
	return ConnectInput{File: file, ConfigDir: cfg, Now: testNow, Timeout: time.Millisecond, Host: "127.0.0.1:1"}
}

func installed(t *testing.T, cfg string) map[string]string {
	t.Helper()
	out := map[string]string{}
	dir := filepath.Join(cfg, "tls", "127.0.0.1")
	for _, n := range []string{CAFile, CertFile, KeyFile} {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		out[n] = string(b)
	}
	return out
}

// TestConnectRefusesAForgedRenewal: an archive whose CA has the daemon's
// CA's name and whose certificate has the member's name does not replace
// the installed bundle: the new chain must verify against the installed
// ca.pem. A real renewal does, and the old files are backed up.
func TestConnectRefusesAForgedRenewal(t *testing.T) {
	cfg := t.TempDir()
	real := makeCA(t, "docker-tls CA")
	if _, err := Connect(connectIn(cfg, bundleFor(t, real, clientTmpl("alice"), nil))); err != nil {
		t.Fatal(err)
	}
	before := installed(t, cfg)
	forged := makeCA(t, "docker-tls CA")
	_, err := Connect(connectIn(cfg, bundleFor(t, forged, clientTmpl("alice"), nil)))
	if err == nil || !strings.Contains(err.Error(), "does not verify against the ca.pem there") {
		t.Fatalf("a forged renewal: %v", err)
	}
	if now := installed(t, cfg); now[CAFile] != before[CAFile] || now[CertFile] != before[CertFile] || now[KeyFile] != before[KeyFile] {
		t.Fatal("the forged archive replaced the installed bundle")
	}
	if _, err := Connect(connectIn(cfg, bundleFor(t, real, clientTmpl("alice"), nil))); err != nil {
		t.Fatalf("a real renewal: %v", err)
	}
	baks, _ := filepath.Glob(filepath.Join(cfg, "tls", "127.0.0.1", "key.pem.*.bak"))
	if len(baks) != 1 {
		t.Fatalf("backups of the key: %v", baks)
	}
	if b, _ := os.ReadFile(baks[0]); string(b) != before[KeyFile] {
		t.Error("the backup is not the old key")
	}
}

// TestConnectChecksWhatEachFileIs: only CA certificates in ca.pem, a
// clientAuth-only leaf that is not a CA in cert.pem, a printable name.
func TestConnectChecksWhatEachFileIs(t *testing.T) {
	ca := makeCA(t, "docker-tls CA")
	leafCA := clientTmpl("alice")
	leafCA.IsCA, leafCA.BasicConstraintsValid = true, true
	noEKU := clientTmpl("alice")
	noEKU.ExtKeyUsage = nil
	anyEKU := clientTmpl("alice")
	anyEKU.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	both := clientTmpl("alice")
	both.ExtKeyUsage = append(both.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	k := newKey(t)
	_, notACA := mint(t, clientTmpl("alice"), ca.cert, k.Public(), ca.key)
	for _, c := range []struct {
		name  string
		file  string
		wants string
	}{
		{"a leaf as ca.pem", bundleFor(t, ca, clientTmpl("alice"), notACA), "not a CA certificate"},
		{"a leaf with CA:TRUE", bundleFor(t, ca, leafCA, nil), "is a CA certificate"},
		{"no extended key usage", bundleFor(t, ca, noEKU, nil), "not for client authentication only"},
		{"anyExtendedKeyUsage", bundleFor(t, ca, anyEKU, nil), "not for client authentication only"},
		{"clientAuth and serverAuth", bundleFor(t, ca, both, nil), "not for client authentication only"},
		{"an escape sequence in the name", bundleFor(t, ca, clientTmpl("alice\x1b[2J"), nil), "control characters"},
		{"a newline in the name", bundleFor(t, ca, clientTmpl("alice\nbob  docker-tls: root"), nil), "control characters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := t.TempDir()
			_, err := Connect(connectIn(cfg, c.file))
			if err == nil || !strings.Contains(err.Error(), c.wants) {
				t.Fatalf("err %v, want %q", err, c.wants)
			}
			if _, err := os.Stat(filepath.Join(cfg, "tls")); !os.IsNotExist(err) {
				t.Error("something was installed")
			}
		})
	}
}

// TestConnectLeavesAContextMadeByHand: a docker context of that name that
// connect did not make is not updated without Force.
func TestConnectLeavesAContextMadeByHand(t *testing.T) {
	cfg := t.TempDir()
	if err := writeContextStore(cfg, "127.0.0.1", "tcp://10.0.0.9:2376", "prod, by hand", nil); err != nil {
		t.Fatal(err)
	}
	file := bundleFor(t, makeCA(t, "docker-tls CA"), clientTmpl("alice"), nil)
	_, err := Connect(connectIn(cfg, file))
	if err == nil || !strings.Contains(err.Error(), "docker-tls did not make") {
		t.Fatalf("err %v, want the context named", err)
	}
	if got := contextHost(cfg, "127.0.0.1"); got != "tcp://10.0.0.9:2376" {
		t.Fatalf("the context now points to %q", got)
	}
	in := connectIn(cfg, file)
	in.Force = true
	if _, err := Connect(in); err != nil {
		t.Fatal(err)
	}
	if got := contextHost(cfg, "127.0.0.1"); got != "tcp://127.0.0.1:1" {
		t.Errorf("with Force the context points to %q", got)
	}
}

// TestConnectRefusesAnotherUsersTree: as root over another user's
// DOCKER_CONFIG, and through a link anywhere, nothing is written.
func TestConnectRefusesAnotherUsersTree(t *testing.T) {
	file := bundleFor(t, makeCA(t, "docker-tls CA"), clientTmpl("alice"), nil)
	t.Run("link", func(t *testing.T) {
		cfg := t.TempDir()
		target := t.TempDir()
		if err := os.Symlink(target, filepath.Join(cfg, "tls")); err != nil {
			t.Fatal(err)
		}
		_, err := Connect(connectIn(cfg, file))
		if err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
			t.Fatalf("err %v", err)
		}
		if ents, _ := os.ReadDir(target); len(ents) != 0 {
			t.Errorf("written through the link: %v", ents)
		}
	})
	t.Run("owner", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give the tree to another user")
		}
		cfg := t.TempDir()
		if err := os.Chown(cfg, 1000, 1000); err != nil {
			t.Fatal(err)
		}
		_, err := Connect(connectIn(cfg, file))
		if err == nil || !strings.Contains(err.Error(), "belongs to uid 1000") {
			t.Fatalf("err %v", err)
		}
		if _, err := os.Stat(filepath.Join(cfg, "tls")); !os.IsNotExist(err) {
			t.Error("something was installed in another user's tree")
		}
	})
}

// TestConnectRefusesAFIFO: a FIFO given as the file (or planted in its
// place) is refused at once, not waited on forever.
func TestConnectRefusesAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "alice.tar.gz")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Connect(connectIn(t.TempDir(), fifo)); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("err %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("connect is waiting on a FIFO")
	}
}
