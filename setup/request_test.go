package setup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// TestReadRequest: the admin's request file is read and checked before any
// passphrase: a good one names the member; a missing, oversized, unsigned
// or non-file one is refused, each with advice.
func TestReadRequest(t *testing.T) {
	h := New(t.TempDir())
	work := t.TempDir()
	r, err := member.Request(member.RequestInput{Host: "docker.example.com", Name: "carol", ConfigDir: t.TempDir(), Out: filepath.Join(work, "carol.csr")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.ReadRequest(r.Out)
	if err != nil || got.Name != "carol" || string(got.CSR) != string(r.CSR) {
		t.Fatalf("ReadRequest: %+v, %v", got, err)
	}
	big := filepath.Join(work, "big.csr")
	if err := os.WriteFile(big, make([]byte, pki.MaxCSRSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(work, "garbage.csr")
	if err := os.WriteFile(garbage, []byte("not a request\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(work, "missing.csr"), "no such file"},
		{big, "larger than 65536 bytes: not a certificate request"},
		{work, "not a regular file"},
		{garbage, "CERTIFICATE REQUEST"},
	} {
		_, err := h.ReadRequest(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || hint.Of(err) == "" {
			t.Errorf("ReadRequest(%s) = %v (hint %q), want %q and a hint", tc.path, err, hint.Of(err), tc.want)
		}
	}
}

// TestMemberSide: the wizard connects from a machine without docker.service
// and without a CA; a Docker host, or the admin's CA, is set up.
func TestMemberSide(t *testing.T) {
	laptop := New(t.TempDir())
	host := New(newRoot(t))
	caOnly := New(newRoot(t))
	mustInit(t, caOnly, testInput())
	if err := os.Remove(caOnly.Path(filepath.Join("/lib/systemd/system/docker.service"))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    *Host
		want bool
	}{{"laptop", laptop, true}, {"docker host", host, false}, {"a CA without docker.service", caOnly, false}} {
		d, err := tc.h.Detect(false)
		if err != nil {
			t.Fatal(err)
		}
		if d.MemberSide() != tc.want {
			t.Errorf("%s: MemberSide() = %v", tc.name, !tc.want)
		}
	}
}

// TestRenewRefusesARequestSignedMember: renewing a member whose request
// was signed would make a key on the host (issue 24): refused with the way
// that keeps the key on their machine.
func TestRenewRefusesARequestSignedMember(t *testing.T) {
	h := New(newRoot(t))
	defer h.Close()
	mustInit(t, h, testInput())
	signRequest(t, h, "olga")
	_, err := h.PrepareRenew(RenewInput{Client: "olga"}, []byte(testPass))
	if err == nil || !strings.Contains(err.Error(), "signed a request") || !strings.Contains(hint.Of(err), "request --renew") {
		t.Fatalf("err %v (hint %q)", err, hint.Of(err))
	}
	if _, err := os.Stat(h.Path(ClientDir("olga") + "/" + member.KeyFile)); !os.IsNotExist(err) {
		t.Errorf("a key for olga on the host: %v", err)
	}
}

// signRequest has name make a request on their machine and the admin sign
// it on h.
func signRequest(t *testing.T, h *Host, name string) {
	t.Helper()
	r, err := member.Request(member.RequestInput{Host: "docker.example.com", Name: name, ConfigDir: t.TempDir(), Out: filepath.Join(t.TempDir(), name+".csr")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.PrepareSign(SignInput{CSR: r.CSR}, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
}
