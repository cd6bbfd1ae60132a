package setup

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// addClient adds name on h and writes it.
func addClient(t *testing.T, h *Host, name string) {
	t.Helper()
	p, err := h.PrepareClient(ClientInput{Name: name}, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
}

// TestBrokenAnchorsRefused: random bytes in ca/anchors.pem are an error
// naming the file: remove wrote an empty members.pem (everyone shut out at
// the next restart), add replaced every anchor.
func TestBrokenAnchorsRefused(t *testing.T) {
	h := New(newRoot(t))
	defer h.Close()
	mustInit(t, h, testInput())
	addClient(t, h, "alice")
	addClient(t, h, "bob")
	h.Close()

	junk := make([]byte, 4096)
	if _, err := rand.Read(junk); err != nil {
		t.Fatal(err)
	}
	junk = []byte(strings.ReplaceAll(string(junk), "-", "+"))
	if err := os.WriteFile(h.Path(AnchorsPath), junk, 0o400); err != nil {
		t.Fatal(err)
	}
	members, err := os.ReadFile(h.Path(MembersPath))
	if err != nil {
		t.Fatal(err)
	}
	h = New(h.root)
	defer h.Close()
	if _, err := h.PrepareRemove(RemoveInput{Name: "alice"}); err == nil || !strings.Contains(err.Error(), AnchorsPath) {
		t.Errorf("remove with a broken %s: %v", AnchorsPath, err)
	}
	if _, err := h.PrepareClient(ClientInput{Name: "carol"}, []byte(testPass)); err == nil || !strings.Contains(err.Error(), AnchorsPath) {
		t.Errorf("add with a broken %s: %v", AnchorsPath, err)
	}
	if after, _ := os.ReadFile(h.Path(MembersPath)); string(after) != string(members) {
		t.Errorf("%s changed", MembersPath)
	}
}

// TestBrokenLedgerRefused: issued.json that docker-tls did not write (null,
// a key twice) is an error naming the file.
func TestBrokenLedgerRefused(t *testing.T) {
	h := New(newRoot(t))
	defer h.Close()
	mustInit(t, h, testInput())
	h.Close()
	for _, bad := range []string{"null\n", `{"issued": [], "issued": []}`} {
		if err := os.WriteFile(h.Path(LedgerPath), []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		h := New(h.root)
		_, err := h.PrepareClient(ClientInput{Name: "carol"}, []byte(testPass))
		h.Close()
		if err == nil || !strings.Contains(err.Error(), LedgerPath) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestNamesUniqueRegardlessOfCase: "Alice" beside "alice" is refused at
// add and at sign.
func TestNamesUniqueRegardlessOfCase(t *testing.T) {
	h := New(newRoot(t))
	defer h.Close()
	mustInit(t, h, testInput())
	addClient(t, h, "alice")
	if _, err := h.PrepareClient(ClientInput{Name: "Alice"}, []byte(testPass)); err == nil || !strings.Contains(err.Error(), "only in case") {
		t.Errorf("add Alice: %v", err)
	}
	r, err := member.Request(member.RequestInput{Host: "docker.example.com", Name: "ALICE", ConfigDir: t.TempDir(), Out: filepath.Join(t.TempDir(), "a.csr")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.PrepareSign(SignInput{CSR: r.CSR}, []byte(testPass)); err == nil || !strings.Contains(err.Error(), "only in case") {
		t.Errorf("sign ALICE: %v", err)
	}
	// The same name is still re-issued with Reissue.
	if _, err := h.PrepareClient(ClientInput{Name: "alice", Reissue: true}, []byte(testPass)); err != nil {
		t.Errorf("re-issue alice: %v", err)
	}
}

// TestReadRequestFIFO: a FIFO given as the request is refused at once
// (it blocked forever, waiting for a writer).
func TestReadRequestFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "req.csr")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := New(t.TempDir()).ReadRequest(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("reading a FIFO as the request blocked")
	}
}

// TestTrustFilesDisagree: when members.pem and anchors.pem disagree (one
// restored from an older backup), add refuses rather than rebuild
// members.pem from the anchors file; junk in members.pem names it.
func TestTrustFilesDisagree(t *testing.T) {
	h := New(newRoot(t))
	defer h.Close()
	mustInit(t, h, testInput())
	addClient(t, h, "alice")
	h.Close()
	b, err := os.ReadFile(h.Path(AnchorsPath))
	if err != nil {
		t.Fatal(err)
	}
	as, err := pki.ParseAnchors(b)
	if err != nil || len(as) < 2 {
		t.Fatalf("%d anchors, %v", len(as), err)
	}
	members, _ := os.ReadFile(h.Path(MembersPath))
	try := func(what, want string) {
		t.Helper()
		h := New(h.root)
		defer h.Close()
		_, err := h.PrepareClient(ClientInput{Name: "carol"}, []byte(testPass))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", what, err, want)
		}
		// A removal rewrites members.pem from anchors.pem too.
		_, err = h.PrepareRemove(RemoveInput{Name: "alice"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s, remove: %v, want %q", what, err, want)
		}
	}
	if err := os.WriteFile(h.Path(AnchorsPath), pki.EncodeAnchors(as[:1]), 0o400); err != nil {
		t.Fatal(err)
	}
	try("fewer anchors than members.pem trusts", "which "+AnchorsPath+" does not hold")
	if err := os.WriteFile(h.Path(AnchorsPath), b, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.Path(MembersPath), as[0].CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	try("members.pem trusts fewer", "that "+MembersPath+" does not trust")
	if err := os.WriteFile(h.Path(MembersPath), append(append([]byte{}, members...), "junk\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	try("junk in members.pem", MembersPath)
	if got, _ := os.ReadFile(h.Path(MembersPath)); string(got) != string(members)+"junk\n" {
		t.Error("members.pem was rewritten")
	}
}
