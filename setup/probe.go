package setup

import (
	"context"
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
)

// Probe connects to the TLS endpoint in daemon.json with a client bundle of
// the current CA, checks the server's name against its certificate and GETs
// /_ping.
func (h *Host) Probe(timeout time.Duration) error {
	bundle, err := h.probeBundle(nil)
	if err != nil {
		return err
	}
	return h.pingWith(bundle, timeout)
}

func (h *Host) pingWith(bundle string, timeout time.Duration) error {
	addr, err := h.tlsAddr()
	if err != nil {
		return err
	}
	fqdn, _ := h.Endpoint()
	return h.ping(bundle, addr, fqdn, timeout)
}

// tlsAddr is where to connect: daemon.json's tcp host, with a wildcard or
// empty listen address replaced by loopback.
func (h *Host) tlsAddr() (string, error) {
	l, err := h.tcpListener()
	if err != nil {
		return "", err
	}
	host := l.Host
	switch host {
	case "0.0.0.0", "", "localhost":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, l.Port), nil
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
