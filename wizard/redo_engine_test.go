package wizard

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// TestRealEngineRedoKeepsEveryMember: "Redo the setup", Enter all the way,
// on a host with alice (from the setup), dave (added for 10 days) and nina
// and olga (who signed requests: their keys stay on their machines) shows
// each of them unchanged (nothing to write), writes no key for nina or olga, and keeps dave's
// 10 days (TestRedoInitKeepsEveryMember checks init on the same host).
func TestRealEngineRedoKeepsEveryMember(t *testing.T) {
	plan := pki.DefaultPlan()
	plan.FQDN, plan.Clients = "docker1.example.com", []string{"alice"}
	h, opts := initHost(t, plan, "0.0.0.0:2376")
	pass := []byte(newFakes().rightPass)
	p, err := h.PrepareClient(setup.ClientInput{Name: "dave", Days: 10}, pass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"nina", "olga"} {
		req, err := member.Request(member.RequestInput{Host: plan.FQDN, Name: name, ConfigDir: t.TempDir(), Out: filepath.Join(t.TempDir(), name+".csr")})
		if err != nil {
			t.Fatal(err)
		}
		p, err := h.PrepareSign(setup.SignInput{CSR: req.CSR}, pass)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Write(p, nil); err != nil {
			t.Fatal(err)
		}
	}
	det, err := h.Detect(false) // as the wizard starts on this host
	if err != nil {
		t.Fatal(err)
	}
	opts.Detected.Detection = *det
	dave := certAt(t, h, setup.ClientDir("dave")+"/"+member.CertFile)

	d := newDriver(t, h, opts)
	d.key("down", "down", "down", "down", "enter") // add, remove, renew, status, redo
	d.wantStep(stepCA)
	for range 12 {
		if d.m.step() == stepReview {
			break
		}
		d.key("enter")
	}
	d.wantStep(stepReview)
	// Every member is listed, and none is issued again.
	if got := pki.SplitNames(d.m.answers().Clients); len(got) != 4 {
		t.Errorf("clients answered: %q", d.m.answers().Clients)
	}
	d.wantText("Nothing to write")
	d.key("enter")
	for _, name := range []string{"nina", "olga"} {
		if _, err := os.Stat(h.Path(setup.ClientDir(name) + "/" + member.KeyFile)); !os.IsNotExist(err) {
			t.Errorf("the redo wrote a key for %s, who signed a request: %v", name, err)
		}
	}
	if now := certAt(t, h, setup.ClientDir("dave")+"/"+member.CertFile); now.Serial != dave.Serial {
		t.Errorf("dave was issued again: %v to %v", now.NotBefore, now.NotAfter)
	}
}
