package wizard

import (
	"slices"
	"strings"
	"testing"
)

// toSign goes from the welcome screen of a host with a CA to the member
// page with "Sign the request file they sent" chosen.
func toSign(d *driver) {
	d.t.Helper()
	d.key("enter")
	d.wantStep(stepMember)
	d.key("shift+tab", "right")
	d.wantText("Request file")
	if strings.Contains(d.screen(), "Name\n") {
		d.t.Fatalf("the name field stays after choosing to sign:\n%s", d.screen())
	}
}

// TestScreensSign: the admin's "sign a request file", beside "make a key
// for them", at both sizes.
func TestScreensSign(t *testing.T) {
	forSizes(t, existingOptions, func(t *testing.T, d *driver) {
		f := d.m.eng.(*fakes)
		f.issued = []string{"bob"}
		f.requests = map[string]string{"carol.csr": "carol", "bob.csr": "bob"}
		toSign(d)
		goldenScreen(t, d, "member-sign")
		d.key("enter") // to the file
		d.typ("nobody.csr")
		d.key("enter", "enter")
		d.typ(f.rightPass)
		d.key("enter")
		d.wantStep(stepMember)
		goldenScreen(t, d, "member-sign-bad-file")
		d.clearAndType("bob.csr")
		d.key("enter", "enter", "enter")
		goldenScreen(t, d, "member-sign-taken")
		d.clearAndType("carol.csr")
		d.key("enter", "enter", "enter")
		d.wantStep(stepMemberDone)
		goldenScreen(t, d, "member-sign-done")
	})
}

// TestSignFlow: the request file is read before the passphrase is checked
// (a wrong file or a name already issued costs no passphrase), then
// PrepareSign gets the request read and the days; the bundle has no key.
func TestSignFlow(t *testing.T) {
	f := newFakes()
	f.issued = []string{"bob"}
	f.requests = map[string]string{"carol.csr": "carol", "bob.csr": "bob"}
	d := newDriver(t, f, existingOptions())
	toSign(d)
	d.key("enter")
	d.typ("nobody.csr")
	d.key("enter", "enter")
	d.typ("not the passphrase")
	d.key("enter")
	d.wantText("✗ Request file: cannot read the request: open nobody.csr: no such file", "Give the .csr file the member sent.")
	d.clearAndType("bob.csr")
	d.key("enter", "enter", "enter")
	d.wantText("✗ Request file: the request is for bob, who already has a certificate", "Request of  bob")
	f.mu.Lock()
	if len(f.checks) != 0 || len(f.signs) != 0 {
		t.Errorf("passphrase checks %q and PrepareSign calls %d before a good request", f.checks, len(f.signs))
	}
	f.mu.Unlock()
	d.clearAndType("carol.csr")
	d.key("enter")
	d.clearAndType("90")
	d.key("enter")
	d.clearAndType(f.rightPass)
	d.key("enter")
	d.wantStep(stepMemberDone)
	d.wantText("Issued a certificate for carol", "(it holds no private key: theirs stayed on their")
	if strings.Contains(d.screen(), "key.pem   create") {
		t.Errorf("a signed request's bundle lists a key:\n%s", d.screen())
	}
	d.key("enter")
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.reads, []string{"nobody.csr", "bob.csr", "carol.csr"}) || !slices.Equal(f.checks, []string{f.rightPass}) {
		t.Errorf("reads %q, checks %q", f.reads, f.checks)
	}
	if len(f.signs) != 1 || string(f.signs[0].CSR) != "CSR of carol" || f.signs[0].Days != 90 || f.signPass[0] != f.rightPass || len(f.clients) != 0 {
		t.Errorf("PrepareSign calls %+v, PrepareClient calls %+v", f.signs, f.clients)
	}
	res := d.m.Result()
	if !d.quit || res.Task != TaskMember || res.Member == nil || res.Member.Name != "carol" {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
}

// TestSignRefusedByEngine: a name the list did not have yet, refused when
// signing, shows next to the file, and the member page keeps the choice.
func TestSignRefusedByEngine(t *testing.T) {
	f := newFakes()
	f.refuse = []string{"dave"}
	f.requests = map[string]string{"dave.csr": "dave"}
	d := newDriver(t, f, existingOptions())
	toSign(d)
	d.key("enter")
	d.typ("dave.csr")
	d.key("enter", "enter")
	d.typ(f.rightPass)
	d.key("enter")
	d.wantStep(stepMember)
	d.wantText("✗ Request file: the request is for dave, who already has a certificate", "docker-tls client sign dave.csr")
	if d.m.memberAnswers().How != memberSignRequest {
		t.Errorf("the choice went back to %q", d.m.memberAnswers().How)
	}
}

// TestSignChoiceKeepsAnswers: switching between "make a key" and "sign"
// keeps what was typed in each, and the days and passphrase.
func TestSignChoiceKeepsAnswers(t *testing.T) {
	d := newDriver(t, newFakes(), existingOptions())
	d.key("enter")
	d.typ("alice")
	d.key("shift+tab", "right")
	d.key("enter")
	d.typ("carol.csr")
	d.key("shift+tab", "left")
	d.wantText("> alice")
	d.key("right")
	d.wantText("> carol.csr")
	if d.m.memberAnswers().Name != "alice" || d.m.memberAnswers().File != "carol.csr" {
		t.Errorf("answers %+v", *d.m.memberAnswers())
	}
}
