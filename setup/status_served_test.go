package setup

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDockerd is a real TLS server that does what dockerd does with the
// files at its start: it loads server-cert.pem, server-key.pem and the
// tlscacert once, requires a client certificate they verify, and answers
// GET /_ping. Later changes to the files change nothing it serves.
func fakeDockerd(t *testing.T, h *Host, l net.Listener) *served {
	t.Helper()
	read := func(p string) []byte {
		b, err := os.ReadFile(h.Path(p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pair, err := tls.X509KeyPair(read(ServerCert), read(ServerKey))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(read(MembersPath)) {
		t.Fatal("members.pem holds no certificate")
	}
	seen := &served{}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/_ping" {
				w.Write([]byte("OK"))
				return
			}
			http.NotFound(w, r)
		}),
		// dockerd's tls.RequireAndVerifyClientCert, the check done here
		// to count the client certificates first.
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAnyClientCert,
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				seen.certs.Add(1)
				return verifyClient(raw, pool)
			}},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.Serve(tls.NewListener(countingListener{l, &seen.conns}, srv.TLSConfig))
	t.Cleanup(func() { srv.Close() })
	return seen
}

// verifyClient is crypto/tls's check of a client's chain.
func verifyClient(raw [][]byte, roots *x509.CertPool) error {
	var chain []*x509.Certificate
	for _, b := range raw {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return err
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return errors.New("no client certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return err
}

// served counts what fakeDockerd saw: connections, client certificates.
type served struct{ conns, certs atomic.Int32 }

type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// servedHost is a setup whose daemon.json listens on every address, at
// the port of a listener for fakeDockerd.
func servedHost(t *testing.T, c *clock, clients ...string) (*Host, net.Listener) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	_, port, _ := net.SplitHostPort(l.Addr().String())
	h := New(newRoot(t), WithNow(c.now))
	mustInit(t, h, testInput(func(in *InitInput) {
		in.Listen = "0.0.0.0:" + port
		in.Plan.Clients = clients
	}))
	return h, l
}

func probe(h *Host, addrs ...string) *Report {
	return h.Status(StatusInput{WarnDays: 30, Probe: true, Addrs: func() ([]string, error) { return addrs, nil }})
}

func coded(r *Report, code FindingCode) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// TestStatusProbeSeesWhatIsServed: a server that loaded the files is what
// they say: the probe passes, in one connection, and records the served
// certificate and the CA names asked for (the anchors).
func TestStatusProbeSeesWhatIsServed(t *testing.T) {
	c := &clock{t: time.Now()}
	h, l := servedHost(t, c, "alice", "bob")
	fakeDockerd(t, h, l)
	r := probe(h, "192.0.2.10", "127.0.0.1", "fe80::1")
	if !r.Healthy || r.Probe != "ok" {
		t.Fatalf("probe: %s, findings %q", r.Probe, lines(r.Findings))
	}
	if r.Served == nil || !r.Served.NotAfter.Equal(serverCert(t, h).NotAfter) {
		t.Fatalf("served %+v, want the end of server-cert.pem %s", r.Served, serverCert(t, h).NotAfter)
	}
	if n := len(r.Served.AcceptableCAs); n != 18 || r.Served.AcceptableCAs[0] != "member anchor 1" {
		t.Errorf("the CA names asked for: %q, want the 18 anchors", r.Served.AcceptableCAs)
	}
}

// TestStatusProbeRestartPending: the server certificate renewed on disk,
// the server not restarted: the probe passes (the old one is still valid)
// but names the pending restart with both end dates, and the end date
// that counts for expiry is the served one.
func TestStatusProbeRestartPending(t *testing.T) {
	c := &clock{t: time.Now()}
	h, l := servedHost(t, c, "alice")
	fakeDockerd(t, h, l)
	served := serverCert(t, h).NotAfter
	c.t = c.t.Add(340 * 24 * time.Hour) // 25 days before the end
	p, err := h.PrepareRenew(RenewInput{}, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
	file := serverCert(t, h).NotAfter
	if r := h.Status(StatusInput{WarnDays: 30}); hasFinding(lines(r.Findings), "server docker.example.com expires") {
		t.Fatalf("without a probe, the renewed file counts: %q", lines(r.Findings))
	}
	r := probe(h)
	got := coded(r, RestartPending)
	if len(got) != 1 || !got[0].Served.Equal(served) || !got[0].File.Equal(file) {
		t.Fatalf("restart pending: %+v, want served %s, file %s; all: %q", got, served, file, lines(r.Findings))
	}
	if !hasFinding(lines(r.Findings), "server docker.example.com expires in 24 days") {
		t.Errorf("the served certificate's end does not count: %q", lines(r.Findings))
	}
	if r.Healthy || !r.RestartPending() {
		t.Errorf("healthy %v, restart pending %v", r.Healthy, r.RestartPending())
	}
}

// TestStatusProbeStillTrusted: a member removed, the server not restarted:
// it still lists their anchor, and the probe names them.
func TestStatusProbeStillTrusted(t *testing.T) {
	c := &clock{t: time.Now()}
	h, l := servedHost(t, c, "alice", "bob", "carol")
	fakeDockerd(t, h, l)
	for _, name := range []string{"bob", "carol"} {
		p, err := h.PrepareRemove(RemoveInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Write(p, nil); err != nil {
			t.Fatal(err)
		}
	}
	r := probe(h)
	got := coded(r, StillTrusted)
	if len(got) != 2 || got[0].Member != "bob" || got[1].Member != "carol" || got[0].RemovedAt.IsZero() {
		t.Fatalf("still trusted: %+v; all: %q", got, lines(r.Findings))
	}
	if r.Probe != "ok" || len(coded(r, RestartPending)) != 0 {
		t.Errorf("probe %s, findings %q", r.Probe, lines(r.Findings))
	}
}

// TestStatusProbeSANDrift: an address of this host the certificate does
// not name is reported; loopback, link-local and named ones are not.
func TestStatusProbeSANDrift(t *testing.T) {
	c := &clock{t: time.Now()}
	h, l := servedHost(t, c, "alice")
	fakeDockerd(t, h, l)
	r := probe(h, "192.0.2.10", "10.0.0.7", "127.0.0.1", "::1", "fe80::1", "169.254.1.1", "2001:db8::7")
	var got []string
	for _, f := range coded(r, SANDrift) {
		got = append(got, f.Address)
	}
	if strings.Join(got, " ") != "10.0.0.7 2001:db8::7" {
		t.Errorf("drift %q, want 10.0.0.7 and 2001:db8::7; all: %q", got, lines(r.Findings))
	}
}

// TestStatusProbeWithoutBundle: with no bundle to connect with, the probe
// fails as before, yet the one connection (no client certificate) still
// shows what is served.
func TestStatusProbeWithoutBundle(t *testing.T) {
	c := &clock{t: time.Now()}
	h, l := servedHost(t, c, "alice")
	fakeDockerd(t, h, l)
	if err := os.Rename(h.Path(ClientDir("alice")), filepath.Join(h.Root(), "alice.moved")); err != nil {
		t.Fatal(err)
	}
	r := probe(h)
	if r.Probe != "failed" || !hasFinding(lines(r.Findings), "probe failed: no client bundle from the current CA to probe with") {
		t.Fatalf("probe %s: %q", r.Probe, lines(r.Findings))
	}
	if r.Served == nil || len(r.Served.AcceptableCAs) == 0 {
		t.Errorf("served %+v: the handshake without a certificate shows it", r.Served)
	}
}

// TestStatusOneConnection: status connects to dockerd once at most, with
// --probe or without (the live-restore advice asks over TLS in a
// sandbox), however many members there are.
func TestStatusOneConnection(t *testing.T) {
	c := &clock{t: time.Now()}
	h, l := servedHost(t, c, "alice", "bob", "carol")
	seen := fakeDockerd(t, h, l)
	if r := probe(h); r.Probe != "ok" {
		t.Fatalf("probe: %q", lines(r.Findings))
	}
	if n := seen.conns.Load(); n != 1 {
		t.Errorf("status --probe made %d connections, want 1", n)
	}
	h.Status(StatusInput{WarnDays: 30})
	if n := seen.conns.Load(); n != 2 {
		t.Errorf("status made %d connections, want 1", n-1)
	}
}

// TestStatusProbeOtherCA: a server whose certificate the bundle's ca.pem
// does not verify fails the probe as the docker CLI would, gets no client
// certificate, and is still compared with the files.
func TestStatusProbeOtherCA(t *testing.T) {
	c := &clock{t: time.Now()}
	other := New(newRoot(t), WithNow(c.now))
	mustInit(t, other, testInput())
	h, l := servedHost(t, c, "alice")
	seen := fakeDockerd(t, other, l) // another CA's files, same names
	r := probe(h)
	if r.Probe != "failed" || !hasFinding(lines(r.Findings), "tls: failed to verify certificate: x509: certificate signed by unknown authority") ||
		!hasFinding(lines(r.Findings), "(the daemon presents a certificate from another CA") {
		t.Fatalf("probe %s: %q", r.Probe, lines(r.Findings))
	}
	if n := seen.certs.Load(); n != 0 {
		t.Errorf("the unverified server got %d client certificates", n)
	}
	if len(coded(r, RestartPending)) != 1 {
		t.Errorf("served another certificate than the file: %q", lines(r.Findings))
	}
}

// TestDockerInterface: Docker's own bridges are not this host's names for
// members (issue 24: 172.17.0.1 was offered, pre-ticked).
func TestDockerInterface(t *testing.T) {
	for name, want := range map[string]bool{"docker0": true, "docker_gwbridge": true, "br-1a2b3c": true, "veth12ab": true, "eth0": false, "ens3": false, "bridge0": false} {
		if DockerInterface(name) != want {
			t.Errorf("DockerInterface(%q) = %v", name, !want)
		}
	}
}
