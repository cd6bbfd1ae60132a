package main

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/setup"
)

// TestClientListKeyColumn: the KEY column says where the member's key is.
// A removed member's bundle was moved away, and a bundle whose files are
// gone holds no key: neither is "in bundle".
func TestClientListKeyColumn(t *testing.T) {
	removed := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	until := time.Date(2027, 11, 22, 0, 0, 0, 0, time.UTC)
	rows := []setup.ClientRow{
		{Name: "alice", Serial: "1f", NotAfter: until, DaysLeft: 350, Bundle: "/etc/docker/tls/clients/alice"},
		{Name: "bob", Serial: "2e", NotAfter: until, RemovedAt: &removed, Problem: "removed 2026-11-02"},
		{Name: "carol", Serial: "3d", NotAfter: until, FromRequest: true, Bundle: "/etc/docker/tls/clients/carol"},
		{Name: "dave", Serial: "4c", NotAfter: until, FromRequest: true, RemovedAt: &removed, Problem: "removed 2026-11-02"},
		{Name: "erin", Serial: "5b", NotAfter: until, Problem: "bundle missing"},
	}
	var b bytes.Buffer
	if err := printClients(&b, rows); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^alice\s+1f\s+2027-11-22\s+350\s+in bundle\s+/etc/docker/tls/clients/alice$`,
		`(?m)^bob\s+2e\s+2027-11-22\s+removed 2026-11-02\s+-\s+-$`,
		`(?m)^carol\s+3d\s+2027-11-22\s+0\s+member's\s+/etc/docker/tls/clients/carol$`,
		`(?m)^dave\s+4c\s+2027-11-22\s+removed 2026-11-02\s+-\s+-$`,
		`(?m)^erin\s+5b\s+2027-11-22\s+bundle missing\s+-\s+-$`,
	} {
		if !regexp.MustCompile(re).MatchString(b.String()) {
			t.Errorf("no line matches %s:\n%s", re, b.String())
		}
	}
}
