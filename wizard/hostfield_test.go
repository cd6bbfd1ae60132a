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

// TestBareHostNameHint: a host name without a dot is accepted, and the
// server page says under its fields that clients elsewhere need a name
// they can resolve; a full name shows no such line.
func TestBareHostNameHint(t *testing.T) {
	d := newDriver(t, newFakes(), testOptions())
	d.key("enter", "enter", "enter")
	d.wantStep(stepServer)
	if strings.Contains(d.screen(), "has no domain") {
		t.Fatalf("a hint for docker1.example.com:\n%s", d.screen())
	}
	d.clearAndType("docker1")
	d.wantWords(`"docker1" has no domain`)
	d.key("enter")
	d.wantWords(`"docker1" has no domain`) // accepted: the focus moved on
	if d.m.answers().FQDN != "docker1" {
		t.Errorf("FQDN %q", d.m.answers().FQDN)
	}
	if BareHostNote("docker1.lan") != "" || BareHostNote("") != "" {
		t.Error("a note for a name with a domain, or for none")
	}
}
