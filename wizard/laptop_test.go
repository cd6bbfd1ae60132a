package wizard

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
)

// memberOf is the driver's MemberEngine fake.
func memberOf(d *driver) *memberFakes { return d.m.opts.Member.(*memberFakes) }

// errRefused is what the real probe says when nothing listens, with its hint.
//
//lint:ignore ST1005 net/http's own words, as the probe returns them
var errRefused = hint.With(fmt.Errorf("Get \"https://docker1.example.com:2376/_ping\": dial tcp 10.0.0.5:2376: connect: %w", syscall.ECONNREFUSED),
	"Nothing listens on docker1.example.com port 2376: Docker may not run with TLS yet (your admin runs \"docker-tls apply\"), or a firewall refuses the port.")

// TestScreensLaptop: a team member's machine, each screen of its two flows.
func TestScreensLaptop(t *testing.T) {
	t.Run("connect", func(t *testing.T) {
		forSizes(t, laptopOptions, func(t *testing.T, d *driver) {
			goldenScreen(t, d, "1-welcome")
			d.key("enter")
			d.wantStep(stepConnect)
			goldenScreen(t, d, "connect")
			memberOf(d).refuse = map[string]error{"bob.tar.gz": hint.With(
				errors.New(`bob.tar.gz: the key does not belong to the certificate of "bob": x509: private key does not match public key`),
				"Nothing was installed. Ask your admin for a new file if this one is wrong.")}
			d.typ("bob.tar.gz")
			d.key("enter")
			d.wantStep(stepConnect)
			goldenScreen(t, d, "connect-refused")
			d.clearAndType("alice.tar.gz")
			d.key("enter")
			d.wantStep(stepConnectDone)
			goldenScreen(t, d, "connect-done")
			d.key("end")
			goldenScreen(t, d, "connect-done-end")
		})
	})
	t.Run("connect-needs-host", func(t *testing.T) {
		forSizes(t, laptopOptions, func(t *testing.T, d *driver) {
			memberOf(d).noMeta = map[string]bool{"./bundle": true}
			d.key("enter")
			d.typ("./bundle")
			d.key("enter")
			d.wantStep(stepConnect)
			goldenScreen(t, d, "connect-needs-host")
		})
	})
	t.Run("connect-probe-failed", func(t *testing.T) {
		forSizes(t, laptopOptions, func(t *testing.T, d *driver) {
			memberOf(d).probeErr = errRefused
			d.key("enter")
			d.typ("alice.tar.gz")
			d.hold = func(msg tea.Msg) bool { _, ok := msg.(connectedMsg); return ok }
			d.key("enter")
			goldenScreen(t, d, "connecting")
			d.release()
			d.wantStep(stepConnectDone)
			goldenScreen(t, d, "connect-probe-failed")
		})
	})
	t.Run("request", func(t *testing.T) {
		forSizes(t, laptopOptions, func(t *testing.T, d *driver) {
			memberOf(d).waiting = true
			d.key("down")
			goldenScreen(t, d, "1-welcome-request")
			d.key("enter")
			d.wantStep(stepRequest)
			goldenScreen(t, d, "request")
			d.typ("docker1.example.com")
			d.key("enter")
			d.typ("alice")
			goldenScreen(t, d, "request-typed")
			d.key("enter", "enter")
			d.wantStep(stepRequest)
			goldenScreen(t, d, "request-would-replace")
			d.key("down", "enter")
			d.wantStep(stepRequestDone)
			goldenScreen(t, d, "request-done")
		})
	})
}

// TestConnectFlow: Enter takes "I received a file"; the file typed is what
// Connect gets; the done screen's Enter quits with the outcome in the
// Result, for the terminal once the screen is gone.
func TestConnectFlow(t *testing.T) {
	d := newDriver(t, newFakes(), laptopOptions())
	d.wantText("Connect to a Docker host", "/home/alice/.docker", "I received a file from my admin")
	if strings.Contains(d.screen(), "install Docker") {
		t.Errorf("the plain \"docker.service not found\" warning is for admins:\n%s", d.screen())
	}
	d.key("enter")
	d.wantStep(stepConnect)
	d.key("enter")
	d.wantText("✗ File from your admin: enter the path of the file your admin sent")
	d.key("esc")
	d.wantStep(stepWelcome)
	d.key("enter")
	d.typ(" alice.tar.gz ")
	d.key("enter")
	d.wantStep(stepConnectDone)
	d.wantText("Connected: the daemon at tcp://docker1.example.com:2376 lets you in", "docker --context docker1.example.com ps")
	d.key("enter")
	res := d.m.Result()
	if !d.quit || res.Task != TaskConnect || res.Connected == nil || res.Written {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
	mf := memberOf(d)
	if len(mf.connects) != 1 || mf.connects[0] != (member.ConnectInput{File: "alice.tar.gz"}) {
		t.Errorf("Connect calls = %+v", mf.connects)
	}
}

// TestConnectAsksHost: a file that does not say where to connect (a bundle
// directory) makes the page ask for the host, with the focus there.
func TestConnectAsksHost(t *testing.T) {
	o := laptopOptions()
	mf := o.Member.(*memberFakes)
	mf.noMeta = map[string]bool{"./bundle": true}
	d := newDriver(t, newFakes(), o)
	d.key("enter")
	d.typ("./bundle")
	d.key("enter")
	d.wantStep(stepConnect)
	d.wantText("./bundle does not say which Docker host it is for: enter its address below", "Docker host (HOST:PORT)")
	d.typ("docker2.example.com:2376")
	d.key("enter")
	d.wantStep(stepConnectDone)
	if len(mf.connects) != 2 || mf.connects[1] != (member.ConnectInput{File: "./bundle", Host: "docker2.example.com:2376"}) {
		t.Errorf("Connect calls = %+v", mf.connects)
	}
}

// TestCtrlCWhileConnecting: ctrl+c while the file is installed and the
// daemon asked waits for it (the install is never cut in half), then
// quits with what was done.
func TestCtrlCWhileConnecting(t *testing.T) {
	d := newDriver(t, newFakes(), laptopOptions())
	d.key("enter")
	d.typ("alice.tar.gz")
	d.hold = func(msg tea.Msg) bool { _, ok := msg.(connectedMsg); return ok }
	d.key("enter")
	d.key("ctrl+c")
	if d.quit {
		t.Fatal("ctrl+c quit while Connect was running")
	}
	d.wantText("Stopping once this is done")
	d.release()
	res := d.m.Result()
	if !d.quit || !res.Aborted || res.Connected == nil {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
}

// TestRequestFlow: the save path left empty is NAME.csr; a key waiting for
// an earlier request is asked about, "Keep it" (the default) keeps it,
// "Replace" replaces it; the done screen has the one line to send.
func TestRequestFlow(t *testing.T) {
	o := laptopOptions()
	mf := o.Member.(*memberFakes)
	mf.waiting = true
	d := newDriver(t, newFakes(), o)
	d.key("down", "enter")
	d.wantStep(stepRequest)
	d.typ("docker1.example.com")
	d.key("enter")
	d.typ("not a name")
	d.key("enter")
	d.wantText("✗ Your name, as your admin knows you:")
	d.clearAndType("alice")
	d.key("enter")
	d.wantText("alice.csr") // the placeholder follows the name
	d.key("enter")
	d.wantStep(stepRequest)
	d.wantText("already holds a key: it would be", "Replace it?")
	if strings.Contains(d.screen(), "--force") {
		t.Errorf("the wizard's question should replace the command's flag:\n%s", d.screen())
	}
	d.key("enter") // "Keep it"
	d.wantStep(stepRequest)
	d.key("down", "enter")
	d.wantStep(stepRequestDone)
	d.wantText("Made your key and a request for alice.", "/home/alice/.docker/tls/docker1.example.com/key.pem",
		"docker-tls client sign alice.csr --archive alice.tar.gz", "docker-tls connect alice.tar.gz")
	d.key("enter")
	want := []member.RequestInput{
		{Host: "docker1.example.com", Name: "alice"},
		{Host: "docker1.example.com", Name: "alice"},
		{Host: "docker1.example.com", Name: "alice", Force: true},
	}
	if !slices.Equal(mf.requests, want) {
		t.Errorf("Request calls = %+v", mf.requests)
	}
	if res := d.m.Result(); !d.quit || res.Task != TaskRequest || res.Requested == nil {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
}

// TestLaptopOnlyWithoutUnit: a machine with docker.service is set up, even
// with the member's side at hand; without one and without the member's
// side, the welcome only warns, as before.
func TestLaptopOnlyWithoutUnit(t *testing.T) {
	o := testOptions()
	o.Member = &memberFakes{}
	d := newDriver(t, newFakes(), o)
	d.wantText("Step 1/8 · Welcome", "Press Enter to start the setup.")
	o = laptopOptions()
	o.Member = nil
	d = newDriver(t, newFakes(), o)
	d.wantText("Step 1/8 · Welcome", "docker.service  not found")
	o = laptopOptions()
	o.Detected.ExistingCA = true
	d = newDriver(t, newFakes(), o)
	d.wantText("already set up on this host", "Add a team member")
}

// TestReplaceConfirmNoColor: the question whether to replace a waiting key
// shows its choice without colours too.
func TestReplaceConfirmNoColor(t *testing.T) {
	o := laptopOptions()
	o.Member.(*memberFakes).waiting = true
	d := newDriver(t, newFakes(), o)
	d.key("down", "enter")
	d.typ("docker1.example.com")
	d.key("enter")
	d.typ("alice")
	d.key("enter", "enter")
	d.wantText("Replace it?", "> Keep it")
	keep, keepPlain := asciiView(d), d.screen()
	d.key("down")
	d.wantText("> Replace it with a new key")
	if asciiView(d) == keep || d.screen() == keepPlain {
		t.Errorf("without colours, Keep and Replace look the same:\n%s", keepPlain)
	}
}
