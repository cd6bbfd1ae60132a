package main

// End to end: renew --auto with no passphrase anywhere, judged by a real
// dockerd, the docker CLI, curl and Python's ssl module (what the Docker SDK
// for Python verifies with).

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/pki"
)

// servedLeaf is the certificate dockerd serves on addr (no client
// certificate: the server's comes first in the handshake).
func servedLeaf(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	var leaf *x509.Certificate
	conf := &tls.Config{InsecureSkipVerify: true, VerifyConnection: func(cs tls.ConnectionState) error {
		leaf = cs.PeerCertificates[0]
		return nil
	}}
	c, err := tls.DialWithDialer(&netDialer, "tcp", addr, conf)
	if err == nil {
		c.Close()
	}
	if leaf == nil {
		t.Fatalf("no certificate from %s: %v", addr, err)
	}
	return leaf
}

var netDialer = net.Dialer{Timeout: 10 * time.Second}

// fileLeaf is the first certificate of server-cert.pem, and how many the
// file holds.
func fileLeaf(t *testing.T, root string) (*x509.Certificate, int) {
	t.Helper()
	data := readRootFile(t, root, "etc/docker/tls/server-cert.pem")
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		t.Fatal("server-cert.pem holds no certificate")
	}
	return certs[0], len(certs)
}

// autoRenew runs renew --auto as the timer does: no passphrase in the
// environment, no terminal.
func autoRenew(t *testing.T, root string, args ...string) cmdResult {
	t.Helper()
	return runTool(t, nil, dockerTLSBinary(t), append([]string{"renew", "--auto", "--root", root}, args...)...)
}

// TestE2EAutoRenew: a setup whose 3-day certificate is due, with a
// container running. With live-restore off, renew --auto renews without a passphrase and leaves the
// restart pending (dockerd keeps serving the old certificate); apply loads
// it. With live-restore on, it restarts dockerd itself, which then serves
// the renewed certificate, verified through the host issuer by the docker
// CLI, curl and Python.
func TestE2EAutoRenew(t *testing.T) {
	m := newMemberHost(t, "--client", "alice", "--days", "3")
	alice := clientBundle(m.root, "alice")
	if _, n := fileLeaf(t, m.root); n != 2 {
		t.Fatalf("server-cert.pem holds %d certificates, want the server's and the host issuer's", n)
	}
	m.in(t, "alice through the host issuer", alice)
	docker := func(args ...string) cmdResult { return dockerWith(t, m.cfg, m.host, alice, args...) }
	if r := docker("import", sleeperImage(t), "sleeper:1"); r.code != 0 {
		t.Fatalf("docker import:\n%s", r)
	}
	if r := docker("run", "-d", "--network", "none", "--name", "kept", "sleeper:1", "/sleep"); r.code != 0 {
		t.Fatalf("docker run:\n%s", r)
	}
	t.Cleanup(func() { docker("rm", "-f", "kept") })
	started := strings.TrimSpace(docker("inspect", "-f", "{{.State.StartedAt}}", "kept").stdout)

	if r := autoRenew(t, m.root); r.code != 0 || !strings.Contains(r.stdout, "nothing to do") {
		t.Fatalf("renew --auto with 3 days of 3 left:\n%s", r)
	}
	old := servedLeaf(t, m.addr)
	pid := m.pid()
	metrics := filepath.Join(t.TempDir(), "node-exporter", "docker_tls.prom")
	r := autoRenew(t, m.root, "--before", "3", "--metrics", metrics)
	if r.code != 0 || !strings.Contains(r.stdout, "Restart pending: live-restore is off, so a restart would stop the 1 running container") {
		t.Fatalf("renew --auto with live-restore off:\n%s", r)
	}
	if b, err := os.ReadFile(metrics); err != nil || !strings.Contains(string(b), "\ndocker_tls_restart_pending 1\n") {
		t.Errorf("the metrics do not say the restart is pending (%v):\n%s", err, b)
	}
	r = runTool(t, nil, dockerTLSBinary(t), "status", "--probe", "--warn-days", "1", "--root", m.root)
	if r.code != 1 || !strings.Contains(r.stdout, "restart pending") {
		t.Errorf("status --probe with the renewal not loaded:\n%s", r)
	}
	if m.pid() != pid {
		t.Fatal("renew --auto restarted dockerd with live-restore off")
	}
	renewed, _ := fileLeaf(t, m.root)
	if renewed.Equal(old) {
		t.Fatal("renew --auto did not renew the file")
	}
	if served := servedLeaf(t, m.addr); !served.Equal(old) {
		t.Fatal("dockerd serves another certificate without a restart")
	}

	m.apply(t, "--live-restore")
	if served := servedLeaf(t, m.addr); !served.Equal(renewed) {
		t.Fatal("after apply, dockerd does not serve the renewed certificate")
	}
	if r := runTool(t, nil, dockerTLSBinary(t), "status", "--probe", "--warn-days", "1", "--root", m.root); r.code != 0 {
		t.Errorf("status --probe after apply:\n%s", r)
	}

	pid = m.pid()
	r = autoRenew(t, m.root, "--before", "3")
	if r.code != 0 || !strings.Contains(r.stdout, "Docker was restarted and serves it") {
		t.Fatalf("renew --auto with live-restore on:\n%s", r)
	}
	if m.pid() == pid {
		t.Error("renew --auto did not restart dockerd with live-restore on")
	}
	now, _ := fileLeaf(t, m.root)
	if now.Equal(renewed) {
		t.Fatal("the second renew --auto did not renew")
	}
	if served := servedLeaf(t, m.addr); !served.Equal(now) {
		t.Fatal("after renew --auto's restart, dockerd does not serve the renewed certificate")
	}
	m.in(t, "alice after renew --auto", alice)
	if state := docker("inspect", "-f", "{{.State.Running}} {{.State.StartedAt}}", "kept"); strings.TrimSpace(state.stdout) != "true "+started {
		t.Errorf("the container did not keep running through renew --auto's restart (started %s):\n%s", started, state)
	}
	pythonVerifies(t, m, alice)
}

// pythonVerifies connects with Python's ssl module, which the Docker SDK for
// Python uses through requests: the root as the only trust, the member's
// certificate, and the host name checked.
func pythonVerifies(t *testing.T, m *memberHost, b bundle) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not installed: the chain is not checked with Python's ssl")
		return
	}
	_, port, _ := strings.Cut(m.addr, ":")
	script := `import ssl, socket, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
with socket.create_connection(("localhost", int(sys.argv[4])), timeout=20) as s:
    with ctx.wrap_socket(s, server_hostname="localhost") as c:
        c.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
        print(c.recv(4096).decode().split("\r\n\r\n", 1)[1])
`
	r := runTool(t, nil, py, "-c", script, b.ca, b.cert, b.key, port)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "OK" {
		t.Errorf("Python's ssl does not verify the server through the host issuer:\n%s", r)
	}
}

// issuerSigned is a client bundle for name signed with the host issuer's key
// (as whoever reads ca/host-issuer-key.pem could make one), its cert.pem
// holding the chain up to the root.
func issuerSigned(t *testing.T, root, name string) bundle {
	t.Helper()
	issuerPEM := readRootFile(t, root, "etc/docker/tls/ca/host-issuer.pem")
	issuer, err := pki.ParseCert(issuerPEM)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := pki.ParseKey(readRootFile(t, root, "etc/docker/tls/ca/host-issuer-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	d := t.TempDir()
	b := bundle{filepath.Join(d, "ca.pem"), filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem")}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), issuerPEM...)
	for p, data := range map[string][]byte{
		b.ca: readRootFile(t, root, "etc/docker/tls/ca.pem"), b.cert: chain,
		b.key: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// TestE2EHostIssuerSignsNoClient: the host issuer's key is not encrypted,
// so it must give no way in: a client certificate it signs is refused by
// dockerd, whether dockerd trusts the member anchors or the whole CA (where
// the chain does reach the root, and its serverAuth-only EKU refuses it).
func TestE2EHostIssuerSignsNoClient(t *testing.T) {
	for _, trust := range []string{"member", "ca"} {
		t.Run(trust, func(t *testing.T) {
			m := newMemberHost(t, "--client", "alice", "--trust", trust)
			m.in(t, "alice", clientBundle(m.root, "alice"))
			reason := "tls: client didn't provide a certificate"
			if trust == "ca" {
				reason = "incompatible key usage"
			}
			m.out(t, "with a certificate the host issuer signed", issuerSigned(t, m.root, "mallory"), reason, "")
		})
	}
}
