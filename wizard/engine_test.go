package wizard

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// The flows below run once against the real engine on a temp root, so that
// what the wizard passes is what setup needs (the fakes would accept
// anything).

const debianUnit = "[Service]\nType=notify\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS\n"

// realHost is a root set up with rsa-2048 certificates valid 90 days.
func realHost(t *testing.T) (*setup.Host, Options) {
	t.Helper()
	root := t.TempDir()
	unit := filepath.Join(root, "lib/systemd/system/docker.service")
	if err := os.MkdirAll(filepath.Dir(unit), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unit, []byte(debianUnit), 0o644); err != nil {
		t.Fatal(err)
	}
	h := setup.New(root)
	plan := pki.DefaultPlan()
	plan.FQDN, plan.KeyType, plan.Days = "docker1.example.com", pki.RSA2048, 90
	p, err := h.PrepareInit(setup.InitInput{Plan: plan, Listen: "0.0.0.0:2376"}, []byte(newFakes().rightPass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
	det, err := h.Detect(false)
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	opts.Detected.Detection, opts.Detected.Root = *det, root
	return h, opts
}

func certAt(t *testing.T, h *setup.Host, p string) *pki.Info {
	t.Helper()
	b, err := os.ReadFile(h.Path(p))
	if err != nil {
		t.Fatal(err)
	}
	info, err := pki.Inspect(b)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestRealEngineRenewKeepsProfile: the wizard's renew keeps the key type and
// lifetime of the certificate it replaces, as "docker-tls renew" does
// (TestRenewKeepsKeyTypeAndLifetime checks the command on the same setup).
func TestRealEngineRenewKeepsProfile(t *testing.T) {
	h, opts := realHost(t)
	old := certAt(t, h, setup.ServerCert)
	d := newDriver(t, h, opts)
	d.key("down", "down", "enter") // renew: after add and remove a member
	d.wantStep(stepRenew)
	d.key("enter") // the passphrase comes from the file
	d.wantStep(stepReview)
	d.wantText("rsa-2048, 90 days")
	d.key("enter")
	d.wantStep(stepDone)
	now := certAt(t, h, setup.ServerCert)
	if now.Serial == old.Serial || now.KeyType != "rsa-2048" || now.NotAfter.Sub(now.NotBefore).Hours() < 89*24 || now.NotAfter.Sub(now.NotBefore).Hours() > 91*24 {
		t.Errorf("renewed server certificate: %s, %v to %v", now.KeyType, now.NotBefore, now.NotAfter)
	}
}

// TestRealEngineAddMember: two screens, a bundle on disk and in the ledger.
func TestRealEngineAddMember(t *testing.T) {
	h, opts := realHost(t)
	d := newDriver(t, h, opts)
	d.key("enter")
	d.wantStep(stepMember)
	d.typ("alice")
	d.key("enter")
	d.clearAndType("30")
	d.key("enter")
	d.wantStep(stepMemberDone)
	d.wantText("Issued a certificate for alice", setup.ClientDir("alice"))
	c := certAt(t, h, setup.ClientDir("alice")+"/cert.pem")
	if c.CommonName != "alice" || c.Kind != pki.KindClient {
		t.Errorf("alice's certificate: %+v", c)
	}
	rows, err := h.Clients()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range rows {
		names[r.Name] = r.Problem
	}
	if p, ok := names["alice"]; !ok || p != "" {
		t.Errorf("client list: %v", names)
	}
}

// TestRealEngineRedoChangesNothing: redoing the setup with Enter all the
// way, the answers pre-filled from the current certificate, finds nothing
// to write: a re-run drops no name.
func TestRealEngineRedoChangesNothing(t *testing.T) {
	h, opts := realHost(t)
	d := newDriver(t, h, opts)
	d.key("down", "down", "down", "down", "enter") // add, remove, renew, status, redo
	d.wantStep(stepCA)
	for range 12 {
		if d.m.step == stepReview {
			break
		}
		d.key("enter")
	}
	d.wantStep(stepReview)
	d.wantText("Nothing to write")
	if d.m.a.KeyType != "rsa-2048" || d.m.a.Days != "90" {
		t.Errorf("answers not from the current certificate: %+v", *d.m.a)
	}
}
