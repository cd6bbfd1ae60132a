package wizard

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
)

// TestRequestHostField: the member's host field takes what the command
// takes (HOST, HOST:PORT, tcp://HOST:PORT) and refuses a web address at
// the field, with the reason, before anything is made.
func TestRequestHostField(t *testing.T) {
	o := laptopOptions()
	mf := o.Member.(*memberFakes)
	d := newDriver(t, newFakes(), o)
	d.key("down", "enter")
	d.wantStep(stepRequest)
	d.typ("https://docker1.example.com:2376")
	d.key("enter")
	d.wantWords("✗ Docker host", "https://", "HOST:PORT")
	d.typ("x") // still the host field
	if a := d.m.cur.(*requestFlow); a.req.Host != "https://docker1.example.com:2376x" {
		t.Errorf("the focus left the host field: host %q", a.req.Host)
	}
	d.clearAndType("tcp://docker1.example.com:2376")
	d.key("enter")
	d.typ("alice")
	d.key("enter", "enter")
	d.wantStep(stepRequestDone)
	want := []member.RequestInput{{Host: "docker1.example.com:2376", Name: "alice"}}
	if !slices.Equal(mf.requests, want) {
		t.Errorf("Request calls = %+v", mf.requests)
	}
}

// TestConnectDaemonOfAnotherCA: a daemon that answered with a certificate
// the bundle refuses is not said to be silent, and the steps remove what
// connect left rather than "try again".
func TestConnectDaemonOfAnotherCA(t *testing.T) {
	o := laptopOptions()
	o.Member.(*memberFakes).probeErr = hint.With(fmt.Errorf("get: %w", x509.UnknownAuthorityError{}), "another CA")
	d := newDriver(t, newFakes(), o)
	d.key("enter")
	d.wantStep(stepConnect)
	d.typ("alice.tar.gz")
	d.key("enter")
	d.wantStep(stepConnectDone)
	d.wantWords("answered, but its certificate is not one this bundle accepts", "docker context rm docker1.example.com")
	if strings.Contains(d.screen(), "did not answer") || strings.Contains(d.screen(), "try again") {
		t.Errorf("a daemon that answered:\n%s", d.screen())
	}
}
