package wizard

import (
	"slices"
	"testing"

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
