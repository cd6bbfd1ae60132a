package render

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ParseListen validates a listen address for daemon.json "hosts" and returns
// it normalized as "host:port" (IPv6 bracketed). A "tcp://" prefix is allowed.
// Port 2375, the conventional port of the unencrypted API, is refused.
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
		// dockerd parses tcp://:2376 as 127.0.0.1:2376 (opts.ParseTCPAddr),
		// so an empty host would silently listen on localhost only.
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
	if reason := checkHostName(host); reason != "" {
		return bad(reason)
	}
	return net.JoinHostPort(strings.ToLower(host), port), nil
}

// checkHostName returns why name is not a valid DNS host name, or "".
func checkHostName(name string) string {
	if len(name) > 253 {
		return "host name longer than 253 characters"
	}
	if strings.HasSuffix(name, ".") {
		return "host name must not end with a dot"
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return "host name has an empty or over-long label (each part between dots must be 1-63 characters)"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "host name labels must not start or end with '-'"
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return "host name may only contain letters, digits, '-' and '.'; got " + strconv.QuoteRune(r)
			}
		}
	}
	return ""
}
