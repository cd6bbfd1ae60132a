package setup

import (
	"errors"
	"strings"
	"testing"
)

func TestParseListen(t *testing.T) {
	ok := []struct{ in, want string }{
		{"0.0.0.0:2376", "0.0.0.0:2376"},
		{"tcp://0.0.0.0:2376", "0.0.0.0:2376"},
		{" 10.0.0.5:02376 ", "10.0.0.5:2376"},
		{"[::]:2376", "[::]:2376"},
		{"[0:0::1]:2376", "[::1]:2376"},
		{"[::ffff:192.0.2.1]:2376", "192.0.2.1:2376"},
		{"Docker.Example.COM:2376", "docker.example.com:2376"},
		{"localhost:1", "localhost:1"},
		{"host-1:65535", "host-1:65535"},
	}
	for _, tt := range ok {
		got, err := ParseListen(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseListen(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, why string }{
		{"", "empty"},
		{":2376", "localhost only"},
		{"0.0.0.0", "missing port"},
		{"::1:2376", "bracketed"},
		{"[::1]", "not HOST:PORT"},
		{"0.0.0.0:0", "1 to 65535"},
		{"0.0.0.0:65536", "1 to 65535"},
		{"0.0.0.0:+5", "1 to 65535"},
		{"0.0.0.0:http", "1 to 65535"},
		{"host_name:2376", "is not allowed in a host name"},
		{"host.:2376", "trailing dot"},
		{"-host:2376", "starts or ends with a hyphen"},
		{"a..b:2376", "empty label"},
		// The advice for a missing host never names the port refused next.
		{":2375", "use 0.0.0.0:2376 for all IPv4 interfaces"},
		{"[zz::1]:2376", "invalid IPv6"},
		{"0.0.0.0:2375", "2375 is the conventional port of the unencrypted API; clients and scanners treat it as plain HTTP: use 2376"},
		{"tcp://[::]:2375", "use 2376"},
		{"docker.example.com:02375", "unencrypted API"},
	}
	for _, tt := range bad {
		_, err := ParseListen(tt.in)
		var le *ListenError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ParseListen(%q) = %v; want a *ListenError saying %q", tt.in, err, tt.why)
		}
	}
}

func FuzzParseListen(f *testing.F) {
	for _, s := range []string{"0.0.0.0:2376", "[::]:2376", ":2376", "a.b:1", "[fe80::1%eth0]:2376", "tcp://x:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ParseListen(s)
		if err != nil {
			return
		}
		again, err := ParseListen(out)
		if err != nil || again != out {
			t.Fatalf("ParseListen(%q) = %q, which re-parses to %q, %v", s, out, again, err)
		}
	})
}
