package setup

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
)

// autoSetup is a sandbox made by init at a fixed time, with its clock.
func autoSetup(t *testing.T) (*Host, *clock, string) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	root := newRoot(t)
	h := New(root, WithNow(c.now))
	mustInit(t, h, testInput())
	h.Close()
	return New(root, WithNow(c.now)), c, root
}

// snapshot is every file under root with its bytes and mode.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = fi.Mode().String() + string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	for p, v := range a {
		if b[p] != v {
			t.Errorf("%s: %s changed", what, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			t.Errorf("%s: %s appeared", what, p)
		}
	}
}

// serverChain reads server-cert.pem: the leaf, then the host issuer.
func serverChain(t *testing.T, h *Host) []*x509.Certificate {
	t.Helper()
	b, ok, err := h.read(ServerCert)
	if err != nil || !ok {
		t.Fatalf("read %s: %v", ServerCert, err)
	}
	certs, err := pki.ParseCerts(b)
	if err != nil {
		t.Fatal(err)
	}
	return certs
}

func TestAutoRenewNotDueWritesNothing(t *testing.T) {
	h, c, root := autoSetup(t)
	defer h.Close()
	leaf := serverChain(t, h)[0]
	before := snapshot(t, root)
	c.t = leaf.NotAfter.Add(-leaf.NotAfter.Sub(leaf.NotBefore)/3 - time.Hour)
	res, err := h.AutoRenew(context.Background(), AutoInput{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Renewed || res.Written != nil {
		t.Fatalf("renewed with more than a third of the life left: %+v", res)
	}
	if want := leaf.NotAfter.Add(-leaf.NotAfter.Sub(leaf.NotBefore) / 3); !res.Due.Equal(want) {
		t.Errorf("due %s, want %s", res.Due, want)
	}
	sameTree(t, "a run with nothing due", before, snapshot(t, root))
}

// TestAutoRenewThroughHostIssuer: once two thirds of the life are gone, the
// certificate is renewed with no passphrase, by the host issuer, with the
// same names, key type and lifetime; the chain verifies to the root.
func TestAutoRenewThroughHostIssuer(t *testing.T) {
	h, c, _ := autoSetup(t)
	defer h.Close()
	old := serverChain(t, h)
	c.t = old[0].NotAfter.Add(-old[0].NotAfter.Sub(old[0].NotBefore)/3 + time.Hour)
	res, err := h.AutoRenew(context.Background(), AutoInput{Restart: RestartAlways})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Renewed || res.Restarted || res.Pending != PendingSandbox {
		t.Fatalf("result %+v: want renewed, the restart pending (a sandbox)", res)
	}
	now := serverChain(t, h)
	if len(now) != 2 || now[0].SerialNumber.Cmp(old[0].SerialNumber) == 0 {
		t.Fatalf("server-cert.pem after renewal: %d certificates, serial kept %v", len(now), now[0].SerialNumber.Cmp(old[0].SerialNumber) == 0)
	}
	if !now[1].Equal(old[1]) {
		t.Error("the host issuer changed: renew --auto must reuse it")
	}
	if pki.LifetimeDays(now[0]) != pki.LifetimeDays(old[0]) || pki.KeyTypeOf(now[0].PublicKey) != pki.KeyTypeOf(old[0].PublicKey) ||
		strings.Join(now[0].DNSNames, ",") != strings.Join(old[0].DNSNames, ",") || len(now[0].IPAddresses) != len(old[0].IPAddresses) {
		t.Errorf("the profile changed: %v %v %v -> %v %v %v", old[0].DNSNames, old[0].IPAddresses, pki.LifetimeDays(old[0]), now[0].DNSNames, now[0].IPAddresses, pki.LifetimeDays(now[0]))
	}
	rootPEM, _, _ := h.read(CACert)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(rootPEM)
	inter := x509.NewCertPool()
	inter.AddCert(now[1])
	if _, err := now[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: "docker.example.com", CurrentTime: c.t,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("the renewed chain does not verify: %v", err)
	}
	if res.NewNotAfter != now[0].NotAfter {
		t.Errorf("result says it ends %s, the file %s", res.NewNotAfter, now[0].NotAfter)
	}
}

func TestAutoRenewBefore(t *testing.T) {
	h, _, _ := autoSetup(t)
	defer h.Close()
	res, err := h.AutoRenew(context.Background(), AutoInput{Before: 400, Restart: RestartNever})
	if err != nil || !res.Renewed {
		t.Fatalf("--before 400 on a 365-day certificate: renewed %v, err %v", res != nil && res.Renewed, err)
	}
}

// TestAutoRenewClockBehind: a certificate that starts in the future means
// the clock is wrong; it is said, and nothing is renewed over it.
func TestAutoRenewClockBehind(t *testing.T) {
	h, c, root := autoSetup(t)
	defer h.Close()
	before := snapshot(t, root)
	c.t = c.t.AddDate(0, 0, -2)
	_, err := h.AutoRenew(context.Background(), AutoInput{Before: 400})
	if !errors.Is(err, ErrClockBehind) {
		t.Fatalf("err %v, want ErrClockBehind", err)
	}
	sameTree(t, "a run with the clock behind", before, snapshot(t, root))
}

// TestAutoRenewNeedsAHostIssuer: a setup older than the host issuer is
// refused with the fix, and a passphrase-backed renew gives it one.
func TestAutoRenewNeedsAHostIssuer(t *testing.T) {
	h, _, root := autoSetup(t)
	defer h.Close()
	for _, p := range []string{HostIssuerCert, HostIssuerKey} {
		if err := os.Remove(filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := h.AutoRenew(context.Background(), AutoInput{Before: 400})
	if !errors.Is(err, ErrNoHostIssuer) || !strings.Contains(hint.Of(err), "with the CA passphrase") {
		t.Fatalf("err %v (hint %q), want ErrNoHostIssuer and the fix", err, hint.Of(err))
	}
	p, err := h.PrepareRenew(RenewInput{}, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, HostIssuerKey)); err != nil {
		t.Fatalf("renew with the passphrase made no host issuer: %v", err)
	}
	if res, err := h.AutoRenew(context.Background(), AutoInput{Before: 400}); err != nil || !res.Renewed {
		t.Fatalf("after renew: renewed %v, err %v", res != nil && res.Renewed, err)
	}
}

// TestAutoRenewRefusesAnOpenIssuerKey: the host issuer's key is not
// encrypted, so one that others may read is refused with the fix.
func TestAutoRenewRefusesAnOpenIssuerKey(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("owners and modes are checked as root only")
	}
	h, _, root := autoSetup(t)
	defer h.Close()
	if err := os.Chmod(filepath.Join(root, HostIssuerKey), 0o444); err != nil {
		t.Fatal(err)
	}
	_, err := h.AutoRenew(context.Background(), AutoInput{Before: 400})
	if err == nil || !strings.Contains(err.Error(), "mode 0444") || !strings.Contains(hint.Of(err), "chmod 0400") {
		t.Fatalf("err %v (hint %q), want the mode and chmod 0400", err, hint.Of(err))
	}
}

// TestAutoRenewTwoAtOnce: two timers that fire together renew once: the
// second waits for the lock and finds nothing due.
func TestAutoRenewTwoAtOnce(t *testing.T) {
	h, c, root := autoSetup(t)
	h.Close()
	c.t = c.t.AddDate(0, 0, 300)
	var wg sync.WaitGroup
	results := make([]*AutoResult, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := New(root, WithNow(c.now))
			defer h.Close()
			results[i], errs[i] = h.AutoRenew(context.Background(), AutoInput{Restart: RestartNever})
		}()
	}
	wg.Wait()
	renewed := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if r.Renewed {
			renewed++
		}
	}
	if renewed != 1 {
		t.Fatalf("%d runs renewed, want 1", renewed)
	}
}
