package setup

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
)

// TestRerunWhenMembersAreDue: an init re-run that lists a member whose
// certificate is due issues a host-keyed member again with their own
// lifetime, and refuses (with the way that keeps the key on their
// machine) to issue one whose request was signed.
func TestRerunWhenMembersAreDue(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	h := New(newRoot(t), WithNow(c.now))
	defer h.Close()
	mustInit(t, h, testInput())
	p, err := h.PrepareClient(ClientInput{Name: "dave", Days: 100}, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.AddDate(0, 0, 80) // 20 days left: due
	p, err = h.PrepareInit(testInput(func(in *InitInput) { in.Plan.Clients = []string{"client", "dave"} }), []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Outline.Members {
		if m.Name == "dave" && (!m.New || m.NotAfter.Sub(c.t) < 99*24*time.Hour || m.NotAfter.Sub(c.t) > 101*24*time.Hour) {
			t.Errorf("dave, due, issued again: %+v (want 100 days from now)", m)
		}
	}

	signRequest(t, h, "olga")
	c.t = c.t.AddDate(0, 0, 350) // olga has 15 days left
	_, err = h.PrepareInit(testInput(func(in *InitInput) { in.Plan.Clients = []string{"olga"} }), []byte(testPass))
	if err == nil || !strings.Contains(err.Error(), "request --renew") {
		t.Fatalf("a due member whose request was signed: err %v (hint %q)", err, hint.Of(err))
	}
	if _, err := os.Stat(h.Path(ClientDir("olga") + "/" + member.KeyFile)); !os.IsNotExist(err) {
		t.Errorf("a key for olga on the host: %v", err)
	}
}
