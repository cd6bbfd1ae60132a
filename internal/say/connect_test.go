package say

import (
	"crypto/x509"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
)

// TestConnectStepsAfterAFailedProbe: a daemon that did not answer is tried
// again; one that answered with a certificate the bundle refuses (not for
// this name, another CA) is not: the steps remove what connect left.
func TestConnectStepsAfterAFailedProbe(t *testing.T) {
	cert := &x509.Certificate{DNSNames: []string{"docker.example.com"}}
	for _, tc := range []struct {
		name  string
		err   error
		retry bool
	}{
		{"refused", hint.With(fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "nothing listens"), true},
		{"other name", hint.With(fmt.Errorf("get: %w", x509.HostnameError{Certificate: cert, Host: "10.0.0.1"}), "names"), false},
		{"other CA", fmt.Errorf("get: %w", x509.UnknownAuthorityError{}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &member.Connected{Context: "work", Dir: "/home/a b/.docker/tls/work", ProbeError: tc.err}
			var text []string
			for _, s := range ConnectSteps(c) {
				text = append(text, s.Text)
				text = append(text, s.Commands...)
			}
			got := strings.Join(text, "\n")
			if retry := strings.Contains(got, "try again"); retry != tc.retry {
				t.Errorf("try again = %v, want %v:\n%s", retry, tc.retry, got)
			}
			if !tc.retry && (!strings.Contains(got, "docker context rm work") || !strings.Contains(got, "rm -r '/home/a b/.docker/tls/work'")) {
				t.Errorf("no way to remove what connect left:\n%s", got)
			}
		})
	}
}
