package setup

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
)

// ListenError explains why a listen address was refused.
type ListenError struct {
	Input  string
	Reason string
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("listen address %q: %s", e.Input, e.Reason)
}

// ParseListen validates a listen address for daemon.json "hosts" and returns
// it normalized as "host:port" (IPv6 bracketed). A "tcp://" prefix is allowed.
// Port 2375, the conventional port of the unencrypted API, is refused. Host
// names follow the same rule as the certificate's (pki.NormalizeHost).
func ParseListen(s string) (string, error) {
	in := s
	bad := func(reason string) (string, error) { return "", &ListenError{Input: in, Reason: reason} }
	s = strings.TrimPrefix(strings.TrimSpace(s), "tcp://")
	if s == "" {
		return bad("empty; use HOST:PORT, e.g. 0.0.0.0:2376")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		switch {
		case strings.Count(s, ":") > 1 && !strings.HasPrefix(s, "["):
			return bad("IPv6 addresses must be bracketed, e.g. [::]:2376")
		case !strings.Contains(s, ":"):
			return bad("missing port; use HOST:PORT, e.g. " + net.JoinHostPort(s, "2376"))
		}
		return bad("not HOST:PORT (e.g. 0.0.0.0:2376 or [::]:2376)")
	}
	if host == "" {
		// dockerd parses tcp://:2376 as localhost (opts.ParseTCPAddr), so an
		// empty host would silently listen on localhost only. Suggest the
		// port typed, unless it is the one refused below.
		if port == "2375" {
			port = "2376"
		}
		return bad("missing host: dockerd reads tcp://:PORT as localhost only; use 0.0.0.0:" + port + " for all IPv4 interfaces or [::]:" + port + " for all")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "+") {
		return bad("port must be a number from 1 to 65535")
	}
	if n == 2375 {
		return bad("2375 is the conventional port of the unencrypted API; clients and scanners treat it as plain HTTP: use 2376")
	}
	port = strconv.Itoa(n)
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4In6() {
			ip = ip.Unmap()
		}
		return net.JoinHostPort(ip.String(), port), nil
	}
	if strings.Contains(host, ":") {
		return bad("invalid IPv6 address " + strconv.Quote(host))
	}
	name, err := pki.NormalizeHost(host)
	if err != nil {
		return bad("host " + err.Error())
	}
	return net.JoinHostPort(name, port), nil
}
