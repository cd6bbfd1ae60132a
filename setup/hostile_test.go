package setup

import (
	"crypto/rand"
	"os"
	"strings"
	"testing"
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
