package pki

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// handshake runs one mutual-TLS connection over 127.0.0.1 with dockerd's
// settings (tlsverify: RequireAndVerifyClientCert) and returns the server's
// and the client's errors. The client reads a byte after the handshake: in
// TLS 1.3 the server's verdict on the client certificate arrives only then.
// wantHandshake runs a handshake and checks each side: no error where its
// fail is nil, else an error fail accepts.
func wantHandshake(t *testing.T, srv, cli *tls.Config, srvFail, cliFail func(error) bool) {
	t.Helper()
	srvErr, cliErr := handshake(t, srv, cli)
	check := func(side string, err error, fail func(error) bool) {
		t.Helper()
		switch {
		case fail == nil && err != nil:
			t.Errorf("%s: unexpected error: %v", side, err)
		case fail != nil && err == nil:
			t.Errorf("%s: succeeded, want a failure", side)
		case fail != nil && !fail(err):
			t.Errorf("%s: wrong failure: %v", side, err)
		}
	}
	check("server", srvErr, srvFail)
	check("client", cliErr, cliFail)
}

func handshake(t *testing.T, srv, cli *tls.Config) (srvErr, cliErr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	done := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		tc := tls.Server(conn, srv)
		if err := tc.HandshakeContext(ctx); err != nil {
			done <- err
			return
		}
		_, err = tc.Write([]byte("ok"))
		done <- err
	}()

	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: cli}
	conn, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err == nil {
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 2)
		_, err = io.ReadFull(conn, buf)
		if err == nil && string(buf) != "ok" {
			err = errors.New("unexpected reply " + string(buf))
		}
	}
	return <-done, err
}

// tlsPair is the key pair a TLS server or client loads from the files
// docker-tls writes: the chain (the certificate, then its host issuer or
// anchor, if any) and the key.
func tlsPair(t *testing.T, l *Leaf) tls.Certificate {
	t.Helper()
	c, err := tls.X509KeyPair(l.Chain(), l.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTLSHandshake(t *testing.T) {
	now := time.Now()
	// The CA was made a month ago, so that clients issued "in the past"
	// are still within its validity.
	plan := testPlan(ECDSAP256)
	plan.Clients = []string{"alice"}
	ours, err := Issue(plan, nil, []byte(testPass), at(now.AddDate(0, -1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	// Re-issue the server now, so that its validity starts now.
	server, err := IssueServer(ours.CA, plan, at(now))
	if err != nil {
		t.Fatal(err)
	}
	foreign := testBundle(t, ECDSAP256) // same names, another CA

	issueClient := func(name string, days int, when time.Time, ca *CA) *Leaf {
		t.Helper()
		l, err := IssueClient(ca, name, days, ECDSAP256, at(when))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	alice := ours.Clients[0]
	expired := issueClient("old", 1, now.AddDate(0, 0, -20), ours.CA)
	future := issueClient("future", 30, now.AddDate(0, 0, 2), ours.CA)
	// A "CA" whose key is not the one in its certificate. IssueClient
	// refuses it (x509.CreateCertificate checks), so forge the leaf by hand
	// with the parent's public key hidden: what signs is not what the
	// server trusts.
	badKeyCA := &CA{Cert: ours.CA.Cert, CertPEM: ours.CA.CertPEM, Key: foreign.CA.Key}
	if _, err := IssueClient(badKeyCA, "mallory", 30, ECDSAP256); err == nil {
		t.Fatal("IssueClient with a CA key that does not match its certificate: want an error")
	}
	badSig := forgeLeaf(t, badKeyCA, "mallory")
	expiredServer, err := IssueServer(ours.CA, func() Plan { p := plan; p.Days = 1; return p }(), at(now.AddDate(0, 0, -10)))
	if err != nil {
		t.Fatal(err)
	}

	serverConfig := func(cert *Leaf) *tls.Config {
		return &tls.Config{
			Certificates: []tls.Certificate{tlsPair(t, cert)},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    pool(ours.CA),
			MinVersion:   tls.VersionTLS12,
		}
	}
	clientConfig := func(cert *Leaf, name string) *tls.Config {
		c := &tls.Config{RootCAs: pool(ours.CA), ServerName: name, MinVersion: tls.VersionTLS12}
		if cert != nil {
			c.Certificates = []tls.Certificate{tlsPair(t, cert)}
		}
		return c
	}

	var (
		unknownCA = func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }
		hostname  = func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }
		invalid   = func(r x509.InvalidReason) func(error) bool {
			return func(err error) bool { var e x509.CertificateInvalidError; return errors.As(err, &e) && e.Reason == r }
		}
		alert = func(text string) func(error) bool {
			return func(err error) bool { return err != nil && strings.Contains(err.Error(), text) }
		}
	)

	tests := []struct {
		name    string
		srv     *tls.Config
		cli     *tls.Config
		srvFail func(error) bool // nil: the server must succeed
		cliFail func(error) bool // nil: the client must succeed
	}{
		{"okRightClient", serverConfig(server), clientConfig(alice, "docker.test"), nil, nil},
		// Issue's server certificate, from the host issuer: the client
		// trusts the root only and verifies it through the chain sent.
		{"okHostIssuerChain", serverConfig(ours.Server), clientConfig(alice, "docker.test"), nil, nil},
		{"okHostIssuerChainIPv6", serverConfig(ours.Server), clientConfig(alice, "::1"), nil, nil},
		{"failHostIssuerNotSent", serverOnly(t, serverConfig(ours.Server), ours.Server), clientConfig(alice, "docker.test"),
			alert("bad certificate"), unknownCA},
		{"okExtraDNSName", serverConfig(server), clientConfig(alice, "docker.internal"), nil, nil},
		{"okIPv4SAN", serverConfig(server), clientConfig(alice, "127.0.0.1"), nil, nil},
		{"okIPv6SAN", serverConfig(server), clientConfig(alice, "2001:db8::1"), nil, nil},
		{"okTLS12", serverConfig(server), func() *tls.Config { c := clientConfig(alice, "docker.test"); c.MaxVersion = tls.VersionTLS12; return c }(), nil, nil},
		{"failNoClientCert", serverConfig(server), clientConfig(nil, "docker.test"),
			alert("didn't provide a certificate"), alert("certificate required")},
		{"failClientFromForeignCA", serverConfig(server), clientConfig(foreign.Clients[0], "docker.test"),
			unknownCA, alert("unknown certificate authority")},
		{"failExpiredClient", serverConfig(server), clientConfig(expired, "docker.test"),
			invalid(x509.Expired), alert("expired certificate")},
		{"failNotYetValidClient", serverConfig(server), clientConfig(future, "docker.test"),
			invalid(x509.Expired), alert("expired certificate")}, // Go reports "not yet valid" as Expired, "current time ... is before"
		{"failServerCertAsClient", serverConfig(server), clientConfig(server, "docker.test"),
			invalid(x509.IncompatibleUsage), alert("bad certificate")},
		{"failClientSignedByMismatchedCAKey", serverConfig(server), clientConfig(badSig, "docker.test"),
			func(err error) bool { return unknownCA(err) && strings.Contains(err.Error(), "verification failure") }, alert("unknown certificate authority")},
		// A client cert has no SANs, so the name check refuses it first...
		{"failClientCertAsServer", serverConfig(alice), clientConfig(alice, "alice"),
			alert("bad certificate"), hostname},
		// ...and without the name check, its EKU (clientAuth only) still does.
		{"failClientCertAsServerEKU", serverConfig(alice), chainOnly(clientConfig(alice, "alice")),
			alert("bad certificate"), invalid(x509.IncompatibleUsage)},
		{"failWrongServerName", serverConfig(server), clientConfig(alice, "other.test"),
			alert("bad certificate"), hostname},
		{"failIPNotInCert", serverConfig(server), clientConfig(alice, "10.0.0.1"),
			alert("bad certificate"), hostname},
		{"failServerFromForeignCA", serverConfig(foreign.Server), clientConfig(alice, "docker.test"),
			alert("bad certificate"), unknownCA},
		{"failExpiredServer", serverConfig(expiredServer), clientConfig(alice, "docker.test"),
			alert("bad certificate"), invalid(x509.Expired)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantHandshake(t, tt.srv, tt.cli, tt.srvFail, tt.cliFail)
		})
	}
}

// serverOnly makes c send l's certificate without the host issuer.
func serverOnly(t *testing.T, c *tls.Config, l *Leaf) *tls.Config {
	t.Helper()
	pair, err := tls.X509KeyPair(l.CertPEM, l.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	c.Certificates = []tls.Certificate{pair}
	return c
}

func forgeLeaf(t *testing.T, ca *CA, name string) *Leaf {
	t.Helper()
	key, err := GenerateKey(ECDSAP256, nil)
	if err != nil {
		t.Fatal(err)
	}
	parent := *ca.Cert
	parent.PublicKey = nil // skip CreateCertificate's key check
	o := newOptions(nil)
	tmpl := clientTemplate(name, key.Public(), time.Now(), 30)
	tmpl.AuthorityKeyId = ca.Cert.SubjectKeyId
	cert, der, err := sign(tmpl, &parent, key.Public(), ca.Key, o)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := EncodeKey(key)
	return &Leaf{Name: name, Kind: KindClient, Cert: cert, CertPEM: encodeDER(der), KeyPEM: keyPEM}
}

// chainOnly makes c verify the server's chain and EKU (serverAuth, the
// default of x509.VerifyOptions) but not its name.
func chainOnly(c *tls.Config) *tls.Config {
	roots := c.RootCAs
	c.InsecureSkipVerify = true // replaced by VerifyConnection below
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots})
		return err
	}
	return c
}
