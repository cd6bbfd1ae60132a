package setup

// What the host's daemon.json says about where dockerd listens, for the
// addresses members connect to and the probes.

import (
	"net"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// Endpoint is the FQDN (the server certificate's CN) and the address
// clients use (tcp://FQDN:PORT, the port from daemon.json's tcp host).
func (h *Host) Endpoint() (fqdn, host string) {
	fqdn = "docker.example.com"
	if b, ok, _ := h.read(ServerCert); ok {
		if info, err := pki.Inspect(b); err == nil && info.CommonName != "" {
			fqdn = info.CommonName
		}
	}
	port := "2376"
	if l, err := h.tcpListener(); err == nil {
		port = l.Port
	}
	return fqdn, "tcp://" + net.JoinHostPort(fqdn, port)
}

// daemonConfig reads daemon.json; a missing file is (nil, nil).
func (h *Host) daemonConfig() (*render.DaemonConfig, error) {
	b, ok, err := h.read(h.configPath())
	if err != nil || !ok {
		return nil, err
	}
	return render.ParseDaemonConfig(b)
}

// tcpListener is the first tcp host of daemon.json.
func (h *Host) tcpListener() (render.DockerHost, error) {
	cfg, err := h.daemonConfig()
	if err != nil {
		return render.DockerHost{}, err
	}
	return tcpListenerOf(cfg)
}

// Listen is the TLS listen address daemon.json has now, "" if none.
func (h *Host) Listen() string {
	l, err := h.tcpListener()
	if err != nil || l.Host == "" {
		return ""
	}
	s, err := ParseListen(net.JoinHostPort(l.Host, l.Port))
	if err != nil {
		return ""
	}
	return s
}
