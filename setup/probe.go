package setup

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// probeTimeout bounds status's one connection to dockerd.
const probeTimeout = 5 * time.Second

// Served is what dockerd served to status --probe: the certificate it
// loaded at its start, which need not be server-cert.pem's.
type Served struct {
	CommonName string    `json:"common_name"`
	Serial     string    `json:"serial"`
	NotAfter   time.Time `json:"not_after"`
	DaysLeft   int       `json:"days_left"`
	// AcceptableCAs are the CA names dockerd listed in its
	// CertificateRequest (what its tlscacert held at its start); nil when
	// it asked for no client certificate or the handshake ended before.
	AcceptableCAs []string `json:"acceptable_cas,omitempty"`
}

// servedProbe is status's one TLS connection to dockerd: the chain it
// served and the CA names it asked for, recorded before any client
// certificate is sent, then GET /_ping with a member's bundle when there is
// one (and GET /info for the advice, on the same connection).
type servedProbe struct {
	chain      []*x509.Certificate // leaf first, as served
	acceptable [][]byte            // its CA names (DER)
	verifyErr  error               // the served chain against the bundle's ca.pem
	err        error               // why the probe failed; nil: GET /_ping answered
	client     *http.Client        // the connection, when the probe succeeded
}

func (p *servedProbe) servedLeaf() *x509.Certificate {
	if p == nil || len(p.chain) == 0 {
		return nil
	}
	return p.chain[0]
}

// connect makes the probe: one connection, with the first usable member
// bundle if any (its ca.pem verifies the server as a member's docker CLI
// would), else without a client certificate, only to see what is served.
func (st *statusRun) connect() *servedProbe {
	p := &servedProbe{}
	fqdn := st.serverName()
	cfg, bundleErr := st.bundleTLS(fqdn)
	addr, err := st.tlsAddr()
	switch {
	case bundleErr != nil && err == nil:
		// Said as before; the handshake still shows what is served.
		_ = p.handshake(context.Background(), addr, &tls.Config{ServerName: fqdn, MinVersion: tls.VersionTLS12})
		fallthrough
	case bundleErr != nil:
		p.err = bundleErr
		return p
	case err != nil:
		p.err = err
		return p
	}
	p.client = &http.Client{Timeout: probeTimeout, Transport: &http.Transport{
		MaxConnsPerHost: 1, // /_ping and /info share the one connection
		DialTLSContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return p.dial(ctx, addr, cfg)
		},
	}}
	if _, err := member.GetOK(context.Background(), p.client, "https://"+addr, "/_ping", 256); err != nil {
		p.err, p.client = err, nil
	}
	return p
}

// dial connects with cfg and records what the server presents and asks
// for; the server's chain is verified against cfg.RootCAs the way crypto/tls
// does it, and the client certificate is shown only to a verified server.
func (p *servedProbe) dial(ctx context.Context, addr string, cfg *tls.Config) (net.Conn, error) {
	conn, err := p.handshakeConn(ctx, addr, cfg)
	if p.verifyErr != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, p.verifyErr
	}
	return conn, err
}

// handshake is a handshake only, to see what is served.
func (p *servedProbe) handshake(ctx context.Context, addr string, cfg *tls.Config) error {
	conn, err := p.handshakeConn(ctx, addr, cfg)
	if conn != nil {
		conn.Close()
	}
	return err
}

func (p *servedProbe) handshakeConn(ctx context.Context, addr string, base *tls.Config) (*tls.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	raw, err := (&net.Dialer{Timeout: probeTimeout}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	cfg := base.Clone()
	roots, certs := cfg.RootCAs, cfg.Certificates
	cfg.Certificates = nil
	cfg.InsecureSkipVerify = true // verified below, after the chain is recorded
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		p.chain = cs.PeerCertificates
		if roots != nil {
			p.verifyErr = verifyServer(cs.PeerCertificates, roots, cfg.ServerName)
		}
		return nil
	}
	cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		p.acceptable = cri.AcceptableCAs
		if p.verifyErr != nil || len(certs) == 0 {
			return &tls.Certificate{}, nil // none: the server is not verified, or there is no bundle
		}
		return &certs[0], nil
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// verifyServer is crypto/tls's check of a server's chain.
func verifyServer(chain []*x509.Certificate, roots *x509.CertPool, name string) error {
	if len(chain) == 0 {
		return errors.New("tls: server presented no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, DNSName: name, Intermediates: inter}); err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: chain, Err: err}
	}
	return nil
}

// bundleTLS is the TLS configuration of the first member bundle a probe
// can use: issued by the current CA, not removed, its key here.
func (st *statusRun) bundleTLS(serverName string) (*tls.Config, error) {
	v := &clientView{now: st.now, ca: st.ca, ledger: st.ledger, anchors: st.anchors, trusted: map[string]bool{}, perMember: st.perMember}
	if b, ok, _ := st.read(MembersPath); ok {
		if certs, err := pki.ParseCerts(b); err == nil {
			for _, c := range certs {
				v.trusted[string(c.Raw)] = true
			}
		}
	}
	for _, n := range st.clientNames {
		b, ok, err := st.read(ClientDir(n) + "/" + member.CertFile)
		if err != nil || !ok {
			continue
		}
		if r := v.bundleRow(n, b); r.Problem == "" && r.hasKey() {
			return st.bundleConfig(r.Bundle, serverName)
		}
	}
	return nil, hint.With(errors.New("no client bundle from the current CA to probe with"), "Add one with \"docker-tls client add NAME\".")
}

// bundleConfig reads the bundle in dir as a member's docker CLI would.
func (st *statusRun) bundleConfig(dir, serverName string) (*tls.Config, error) {
	var files [3][]byte
	for i, name := range []string{member.CAFile, member.CertFile, member.KeyFile} {
		b, ok, err := st.read(dir + "/" + name)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("client bundle %s has no %s", dir, name)
		}
		files[i] = b
	}
	c, err := member.TLSClient(files[0], files[1], files[2], serverName, probeTimeout)
	if err != nil {
		return nil, fmt.Errorf("client bundle %s: %w", dir, err)
	}
	return c.Transport.(*http.Transport).TLSClientConfig, nil
}

// serverName is the name a member connects by: server-cert.pem's CN.
func (st *statusRun) serverName() string {
	if b, ok, _ := st.read(ServerCert); ok {
		if c, err := pki.ParseCert(b); err == nil && c.Subject.CommonName != "" {
			return c.Subject.CommonName
		}
	}
	return "docker.example.com"
}

// tlsAddr is where the probe connects: daemon.json's tcp host.
func (st *statusRun) tlsAddr() (string, error) {
	if st.cfgErr != nil {
		return "", st.cfgErr
	}
	l, err := tcpListenerOf(st.cfg)
	if err != nil {
		return "", err
	}
	return dialAddr(l), nil
}

// tcpListenerOf is the first tcp host of daemon.json (nil: none).
func tcpListenerOf(cfg *render.DaemonConfig) (render.DockerHost, error) {
	if cfg == nil {
		return render.DockerHost{}, fmt.Errorf("no %s to find the TLS address in", render.DaemonJSONPath)
	}
	for _, s := range cfg.Hosts {
		if d, err := render.ParseDockerHost(s); err == nil && d.Proto == "tcp" {
			return d, nil
		}
	}
	return render.DockerHost{}, fmt.Errorf("%s has no tcp:// entry in hosts", render.DaemonJSONPath)
}

// tlsAddr is where to connect: daemon.json's tcp host, with a wildcard or
// empty listen address replaced by loopback.
func (h *Host) tlsAddr() (string, error) {
	l, err := h.tcpListener()
	if err != nil {
		return "", err
	}
	return dialAddr(l), nil
}

// dialAddr is a listener's address to connect to, a wildcard or empty
// listen address replaced by loopback.
func dialAddr(l render.DockerHost) string {
	host := l.Host
	switch host {
	case "0.0.0.0", "", "localhost":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, l.Port)
}

// probeBundle picks a client bundle issued by the current CA: preferably one
// written by the run res records, else the first that chains to ca/ca.pem. A
// bundle left from a CA replaced with --force would fail the probe for no
// fault of Docker.
func (h *Host) probeBundle(written []string) (string, error) {
	rows, err := h.Clients()
	if err != nil {
		return "", err
	}
	var fallback string
	for _, r := range rows {
		if r.Problem != "" || !r.hasKey() {
			continue
		}
		if slices.Contains(written, r.Bundle+"/"+member.CertFile) {
			return r.Bundle, nil
		}
		if fallback == "" {
			fallback = r.Bundle
		}
	}
	if fallback == "" {
		return "", hint.With(errors.New("no client bundle from the current CA to probe with"), "Add one with \"docker-tls client add NAME\".")
	}
	return fallback, nil
}

// ping does GET /_ping over mutual TLS with the bundle in dir (a real path).
func (h *Host) ping(dir, addr, serverName string, timeout time.Duration) error {
	client, err := h.bundleClient(dir, serverName, timeout)
	if err != nil {
		return err
	}
	_, err = member.GetOK(context.Background(), client, "https://"+addr, "/_ping", 256)
	return err
}

// bundleClient is an HTTPS client with the bundle in dir (a real path under
// the root, read through hostfs like every file there).
func (h *Host) bundleClient(dir, serverName string, timeout time.Duration) (*http.Client, error) {
	var files [3][]byte
	for i, name := range []string{member.CAFile, member.CertFile, member.KeyFile} {
		b, ok, err := h.read(dir + "/" + name)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("client bundle %s has no %s", dir, name)
		}
		files[i] = b
	}
	c, err := member.TLSClient(files[0], files[1], files[2], serverName, timeout)
	if err != nil {
		return nil, fmt.Errorf("client bundle %s: %w", dir, err)
	}
	return c, nil
}

// notUpYet: the daemon is not listening (yet), as opposed to a TLS failure.
func notUpYet(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
}

// probeHint says what a failed probe most likely means.
func probeHint(err error) string {
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return " (nothing listens there: is Docker running with this configuration? \"systemctl restart docker\" loads it, \"docker-tls apply\" restarts and checks)"
	case errors.As(err, &hostErr):
		return " (the server certificate does not name the host probed: \"docker-tls renew --san-dns NAME\" adds a name)"
	case errors.As(err, &unknown):
		return " (the daemon presents a certificate from another CA: restart Docker so that it loads the current files)"
	case strings.Contains(err.Error(), "bad certificate"), strings.Contains(err.Error(), "unknown certificate authority"):
		return " (the daemon refused the client certificate: restart Docker so that it trusts the current CA)"
	}
	return ""
}
