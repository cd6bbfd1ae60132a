package setup

import (
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
		if slices.Contains(written, r.Bundle+"/"+BundleCert) {
			return r.Bundle, nil
		}
		if fallback == "" {
			fallback = r.Bundle
		}
	}
	if fallback == "" {
		return "", WithHint(errors.New("no client bundle from the current CA to probe with"), "Add one with \"docker-tls client add NAME\".")
	}
	return fallback, nil
}

// ping does GET /_ping over mutual TLS with the bundle in dir (a real path).
func (h *Host) ping(dir, addr, serverName string, timeout time.Duration) error {
	client, err := h.bundleClient(dir, serverName, timeout)
	if err != nil {
		return err
	}
	resp, err := client.Get("https://" + addr + "/_ping")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /_ping: %s %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
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
