package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
)

// DaemonConfig is what docker-tls reads in a daemon.json: the keys it sets or
// checks. ParseDaemonConfig reads it with the strict parser the merge uses,
// so that every command sees the file the same way.
type DaemonConfig struct {
	Hosts       []string
	TLS         *bool
	TLSVerify   *bool
	TLSCACert   string
	TLSCert     string
	TLSKey      string
	LiveRestore *bool
}

// ParseDaemonConfig parses a daemon.json strictly (one object, no duplicate
// keys), past a UTF-8 byte order mark. Empty input is an empty configuration. Errors are *MergeError with
// the line and column, or the key whose value has the wrong type.
func ParseDaemonConfig(data []byte) (*DaemonConfig, error) {
	src := bytes.Trim(stripBOM(data), " \t\r\n")
	if len(src) == 0 {
		return &DaemonConfig{}, nil
	}
	obj, err := parseObject(src)
	if err != nil {
		return nil, err
	}
	c := &DaemonConfig{}
	for _, m := range obj.members {
		raw := src[m.valStart:m.valEnd]
		var dst any
		switch m.key {
		case "hosts":
			dst = &c.Hosts
		case "tls":
			dst = &c.TLS
		case "tlsverify":
			dst = &c.TLSVerify
		case "tlscacert":
			dst = &c.TLSCACert
		case "tlscert":
			dst = &c.TLSCert
		case "tlskey":
			dst = &c.TLSKey
		case "live-restore":
			dst = &c.LiveRestore
		default:
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, &MergeError{Path: DaemonJSONPath, Key: m.key, Err: fmt.Errorf("has the wrong type: %s", typeWanted(m.key))}
		}
	}
	return c, nil
}

func typeWanted(key string) string {
	switch key {
	case "hosts":
		return "must be an array of strings"
	case "tlscacert", "tlscert", "tlskey":
		return "must be a string"
	}
	return "must be true or false"
}

// TLSOn reports whether dockerd serves TLS on its TCP listeners with this
// file: "tlsverify" implies "tls".
func (c *DaemonConfig) TLSOn() bool {
	return c.TLSVerify != nil && *c.TLSVerify || c.TLS != nil && *c.TLS
}

// DockerHost is one "hosts" entry or -H value, read the way dockerd reads it
// (opts.ParseHost in moby): no scheme means tcp, and a tcp address without a
// host or a port gets dockerd's defaults (localhost, 2375).
type DockerHost struct {
	Proto string // tcp, unix, fd, ssh, npipe
	Host  string // tcp: the host, "" when dockerd's default (localhost) applies
	Port  string // tcp: the port, 2375 when none is given
	Path  string // unix: the socket path
}

// PlainPort reports a tcp listener on 2375, the conventional port of the
// unencrypted API, where clients and scanners expect plain HTTP.
func (h DockerHost) PlainPort() bool { return h.Proto == "tcp" && h.Port == "2375" }

// ParseDockerHost parses s as dockerd does for a listen address.
func ParseDockerHost(s string) (DockerHost, error) {
	s = strings.TrimSpace(s)
	proto, addr, ok := strings.Cut(s, "://")
	if !ok {
		if s == "" {
			return DockerHost{}, errors.New("empty host")
		}
		proto, addr = "tcp", s
	}
	switch proto {
	case "tcp":
		addr, _, _ = strings.Cut(addr, "/") // dockerd allows a path after the address
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			// No port: the whole address is the host, brackets and all.
			if strings.Count(addr, ":") > 0 && !(strings.HasPrefix(addr, "[") && strings.HasSuffix(addr, "]")) {
				return DockerHost{}, fmt.Errorf("invalid tcp address %q", s)
			}
			host, port = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), ""
		}
		if port == "" {
			port = "2375" // dockerd's default for tcp, with or without TLS
		}
		return DockerHost{Proto: "tcp", Host: host, Port: port}, nil
	case "unix":
		return DockerHost{Proto: "unix", Path: addr}, nil
	case "fd", "ssh", "npipe":
		return DockerHost{Proto: proto, Path: addr}, nil
	}
	return DockerHost{}, fmt.Errorf("invalid bind address format: %s", s)
}
