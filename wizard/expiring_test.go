package wizard

import (
	"reflect"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/setup"
)

// expiringOptions is an existing setup whose server certificate ends in 20
// days, alice's in 12, and olga's (from her request) in 5.
func expiringOptions() Options {
	o := existingOptions()
	now := testNow()
	server := Cert{Kind: "server", Name: "docker1.example.com", NotAfter: now.AddDate(0, 0, 20)}
	o.Detected.Server = &server
	o.Detected.Expiring = []Cert{server,
		{Kind: "client", Name: "alice", NotAfter: now.AddDate(0, 0, 12)},
		{Kind: "client", Name: "olga", NotAfter: now.AddDate(0, 0, 5), FromRequest: true},
	}
	return o
}

// TestScreensExpiring: the welcome names what ends within 30 days, and its
// menu offers first (the default) to renew the server's certificate, then
// each member's the host can renew; the renew screen says what is renewed
// and when it ends now.
func TestScreensExpiring(t *testing.T) {
	forSizes(t, expiringOptions, func(t *testing.T, d *driver) {
		goldenScreen(t, d, "1-welcome")
		d.wantWords("ends soon server docker1.example.com on 2026-12-12, in 20 days",
			"ends soon client alice on 2026-12-04, in 12 days",
			"> Renew the server certificate (ends in 20 days)",
			"Renew alice's certificate (ends in 12 days)")
		if strings.Contains(d.screen(), "Renew olga") {
			t.Error("olga's key is on her machine: the host cannot renew her")
		}
		d.key("enter")
		d.wantStep(stepRenew)
		d.wantWords("The server certificate docker1.example.com ends 2026-12-12 (in 20 days); the new one keeps its names, key type and lifetime")
		goldenScreen(t, d, "2-renew-server")
		d.key("esc")
		d.wantStep(stepWelcome)
		d.key("down", "enter")
		d.wantStep(stepRenew)
		d.wantText("Renew alice's certificate · 1/4")
		d.wantWords("alice's certificate ends 2026-12-04 (in 12 days).")
		goldenScreen(t, d, "3-renew-member")
	})
}

// TestRenewMember: renewing a member from the menu asks the engine to
// renew that client (not the server), and the run ends with their bundle.
func TestRenewMember(t *testing.T) {
	f := newFakes()
	d := newDriver(t, f, expiringOptions())
	d.key("down", "enter")
	d.typ(f.rightPass)
	d.key("enter")
	d.wantStep(stepReview)
	d.key("enter")
	d.wantStep(stepDone)
	if len(f.renews) != 1 || !reflect.DeepEqual(f.renews[0], setup.RenewInput{Client: "alice"}) {
		t.Fatalf("renews %+v", f.renews)
	}
	d.key("enter")
	res := d.m.Result()
	if res.Task != TaskMember || res.Member == nil || res.Member.Name != "alice" {
		t.Errorf("result %+v", res)
	}

	// The server's renewal is still RenewInput{}.
	f = newFakes()
	d = newDriver(t, f, expiringOptions())
	d.key("enter")
	d.typ(f.rightPass)
	d.key("enter", "enter")
	d.wantStep(stepDone)
	if len(f.renews) != 1 || !reflect.DeepEqual(f.renews[0], setup.RenewInput{}) {
		t.Fatalf("renews %+v", f.renews)
	}
}

func TestEndWords(t *testing.T) {
	for n, want := range map[int]string{20: "ends in 20 days", 1: "ends in 1 day", 0: "ends today", -1: "ended 1 day ago", -3: "ended 3 days ago"} {
		if got := endsIn(n); got != want {
			t.Errorf("endsIn(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestWelcomeServer: a host set up shows its server certificate's name
// and end date, rather than this machine's host name, and offers nothing
// first when nothing ends soon.
func TestWelcomeServer(t *testing.T) {
	o := existingOptions()
	o.Detected.Hostname = "build-box"
	o.Detected.Server = &Cert{Kind: "server", Name: "docker1.example.com", NotAfter: testNow().AddDate(1, 0, 0)}
	d := newDriver(t, newFakes(), o)
	d.wantText("server          docker1.example.com, until 2027-11-22", "> Add a team member")
	if strings.Contains(d.screen(), "build-box") || strings.Contains(d.screen(), "ends soon") {
		t.Errorf("welcome:\n%s", d.screen())
	}
	d.key("down", "down", "enter")
	d.wantStep(stepRenew)
	d.wantWords("The server certificate docker1.example.com ends 2027-11-22 (in 365 days)")
}

// TestScreensDoneTimer: the done screen of a first setup that installed
// the renewal timer says when it next checks and what starts it; without
// the timer (--no-auto-renew) it says nothing of one.
func TestScreensDoneTimer(t *testing.T) {
	opts := func() Options { o := testOptions(); o.CanApply = true; return o }
	forSizes(t, opts, func(t *testing.T, d *driver) {
		d.m.eng.(*fakes).timer = &setup.TimerOutline{Units: []string{"/etc/systemd/system/docker-tls-renew.service",
			"/etc/systemd/system/docker-tls-renew.timer"}, Binary: "/usr/local/sbin/docker-tls"}
		walkToReview(d)
		d.key("enter")
		d.wantStep(stepDone)
		d.wantWords("docker-tls-renew.timer checks the server certificate daily (OnCalendar=daily, up to an hour later), next on 2026-11-23 between 00:00 and 01:00;",
			`it starts when Docker is restarted with "docker-tls apply", and at every boot.`)
		goldenScreen(t, d, "8-done")
		d.key("down", "enter")
		d.wantWords("applying started it, and it starts at every boot.")
	})
	d := newDriver(t, newFakes(), testOptions())
	walkToReview(d)
	d.key("enter")
	d.wantStep(stepDone)
	if strings.Contains(d.screen(), "docker-tls-renew.timer") {
		t.Errorf("a setup without the timer speaks of it:\n%s", d.screen())
	}
}
