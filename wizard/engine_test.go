package wizard

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/member"
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
	plan := pki.DefaultPlan()
	plan.FQDN, plan.KeyType, plan.Days = "docker1.example.com", pki.RSA2048, 90
	return initHost(t, plan, "0.0.0.0:2376")
}

// initHost is a temp root with Debian's unit, set up with plan and listen
// by the real engine, and the wizard's options for it.
func initHost(t *testing.T, plan pki.Plan, listen string) (*setup.Host, Options) {
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
	// As the wizard and init make one: with the renewal timer.
	p, err := h.PrepareInit(setup.InitInput{Plan: plan, Listen: listen, AutoRenew: true}, []byte(newFakes().rightPass))
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
		if d.m.step() == stepReview {
			break
		}
		d.key("enter")
	}
	d.wantStep(stepReview)
	d.wantText("Nothing to write")
	if d.m.answers().KeyType != "rsa-2048" || d.m.answers().Days != "90" {
		t.Errorf("answers not from the current certificate: %+v", *d.m.answers())
	}
}

// TestRealEngineRequestSignConnect: the member's side and the admin's
// "sign a request file" on the real engine, on temp dirs: the member
// requests on their machine, the admin signs in the wizard (no key ever on
// the host), a wrong file is refused with nothing installed, and the
// archive connects, with the probe failing because nothing listens.
func TestRealEngineRequestSignConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	h, admin := realHostAt(t, "localhost", fmt.Sprintf("127.0.0.1:%d", port))

	cfg := t.TempDir()
	laptopRoot := t.TempDir() // no docker.service, no CA
	det, err := setup.New(laptopRoot).Detect(false)
	if err != nil {
		t.Fatal(err)
	}
	laptop := laptopOptions()
	laptop.Detected.Detection, laptop.Detected.Root, laptop.Detected.ConfigDir = *det, laptopRoot, cfg
	laptop.Member = &member.Machine{ConfigDir: cfg}
	work := t.TempDir()
	csr := filepath.Join(work, "carol.csr")

	// The member: "I need a certificate".
	d := newDriver(t, newFakes(), laptop)
	d.wantText("Connect to a Docker host")
	d.key("down", "enter")
	d.wantStep(stepRequest)
	d.typ(fmt.Sprintf("localhost:%d", port))
	d.key("enter")
	d.typ("carol")
	d.key("enter")
	d.typ(csr)
	d.key("enter")
	d.wantStep(stepRequestDone)
	d.wantText("docker-tls client sign carol.csr --archive carol.tar.gz")
	key := filepath.Join(cfg, "tls", "localhost", member.KeyFile)
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the member's key: %v %v", fi, err)
	}

	// The admin: "Add a team member", "Sign the request file they sent".
	d = newDriver(t, h, admin)
	d.key("enter")
	d.wantStep(stepMember)
	d.key("shift+tab", "right", "enter")
	d.typ(csr)
	d.key("enter", "enter") // the days; the passphrase comes from the file
	d.wantStep(stepMemberDone)
	d.wantText("Issued a certificate for carol", "docker-tls client archive carol carol.tar.gz")
	if _, err := os.Stat(h.Path(setup.ClientDir("carol") + "/" + member.KeyFile)); !os.IsNotExist(err) {
		t.Errorf("the host holds a key for carol: %v", err)
	}
	m, err := h.ArchiveClient("carol")
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.Files.Pack(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(work, "carol.tar.gz")
	if err := member.WriteArchive(archive, data, false); err != nil {
		t.Fatal(err)
	}

	// The member again: "I received a file", the wrong one first.
	before := treeOf(t, cfg)
	d = newDriver(t, newFakes(), laptop)
	d.key("enter")
	d.wantStep(stepConnect)
	d.typ(csr)
	d.key("enter")
	d.wantStep(stepConnect)
	d.wantWords("✗", "this is your request: send it to your admin", "Nothing was installed")
	if after := treeOf(t, cfg); !maps.Equal(before, after) {
		t.Errorf("a refused file changed %s:\nbefore %v\nafter  %v", cfg, before, after)
	}
	d.clearAndType(archive)
	d.key("enter")
	d.wantStep(stepConnectDone)
	d.wantWords("did not answer over TLS", "matches the key you made with the request",
		fmt.Sprintf("Nothing listens on localhost port %d", port))
	for _, f := range []string{member.CAFile, member.CertFile, member.KeyFile} {
		if _, err := os.Stat(filepath.Join(cfg, "tls", "localhost", f)); err != nil {
			t.Errorf("%s not installed: %v", f, err)
		}
	}
	d.key("enter")
	if res := d.m.Result(); !d.quit || res.Connected == nil || res.Connected.ProbeError == nil {
		t.Errorf("quit=%v result=%+v", d.quit, res)
	}
}

// realHostAt is realHost for a server certificate for fqdn, daemon.json
// listening on listen.
func realHostAt(t *testing.T, fqdn, listen string) (*setup.Host, Options) {
	t.Helper()
	plan := pki.DefaultPlan()
	plan.FQDN, plan.IPs = fqdn, []string{"127.0.0.1"}
	return initHost(t, plan, listen)
}

// treeOf maps each file under dir to its content and mode.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		v := fi.Mode().String()
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + string(b)
		}
		out[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
