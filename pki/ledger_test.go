package pki

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLedger(t *testing.T) {
	b := testBundle(t, ECDSAP256)
	l, err := ParseLedger(nil)
	if err != nil || len(l.Issued) != 0 {
		t.Fatalf("ParseLedger(nil) = %+v, %v", l, err)
	}
	if got := string(l.Marshal()); got != "{\n  \"issued\": []\n}\n" {
		t.Errorf("empty ledger marshals as %q", got)
	}
	issued := fixedNow.Add(123 * time.Millisecond)
	l.Add(b.Server, issued)
	l.Add(b.Clients[0], issued)
	if !l.Has(KindServer, "docker.test") || !l.Has(KindClient, "alice") || l.Has(KindClient, "docker.test") || l.Has(KindClient, "bob") {
		t.Errorf("Has: %+v", l.Issued)
	}
	out := l.Marshal()
	for _, want := range []string{`"serial": "` + serialHex(b.Server.Cert) + `"`, `"cn": "alice"`, `"kind": "client"`, `"issued_at": "2026-03-01T12:00:00Z"`, `"not_after": "`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ledger lacks %s:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(string(out), "}\n") {
		t.Error("no final newline")
	}
	back, err := ParseLedger(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Marshal()) != string(out) {
		t.Errorf("round trip changed the ledger:\n%s\n%s", out, back.Marshal())
	}
	if !back.Issued[0].NotAfter.Equal(b.Server.Cert.NotAfter) {
		t.Errorf("not_after %v", back.Issued[0].NotAfter)
	}
}

func TestParseLedger(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"okEmpty", "", false},
		{"okWhitespace", " \n", false},
		{"okNoEntries", `{"issued": []}`, false},
		{"failNull", `{"issued": null}`, true},
		{"failTopNull", `null`, true},
		{"okEntry", `{"issued": [{"serial": "ab", "cn": "alice", "kind": "client", "not_after": "2027-01-01T00:00:00Z", "issued_at": "2026-01-01T00:00:00Z"}]}`, false},
		{"okHostIssuer", `{"issued": [{"serial": "cd", "cn": "docker-tls host issuer docker.test", "kind": "host-issuer", "not_after": "2036-01-01T00:00:00Z", "issued_at": "2026-01-01T00:00:00Z"}]}`, false},
		{"failUnknownField", `{"issued": [], "extra": 1}`, true},
		{"failUnknownEntryField", `{"issued": [{"serial": "ab", "cn": "a", "kind": "client", "owner": "x"}]}`, true},
		{"failUnknownKind", `{"issued": [{"serial": "ab", "cn": "a", "kind": "admin"}]}`, true},
		{"failNoSerial", `{"issued": [{"cn": "a", "kind": "client"}]}`, true},
		{"failTrailingData", `{"issued": []} {}`, true},
		{"failNotJSON", `issued: []`, true},
		{"failBadTime", `{"issued": [{"serial": "ab", "cn": "a", "kind": "client", "not_after": "tomorrow"}]}`, true},
		{"failArray", `[]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLedger([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestLedgerMembers(t *testing.T) {
	b := memberBundle(t, ECDSAP256) // alice, bob; 5 anchors
	l := &Ledger{}
	for _, a := range b.Anchors {
		l.AddAnchor(a, fixedNow)
	}
	l.Add(b.Server, fixedNow)
	l.Add(b.Clients[0], fixedNow)
	l.Add(b.Clients[1], fixedNow)
	if got := l.Members(); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Errorf("Members = %v", got)
	}
	if l.AnchorOf("alice") != b.Anchors[0].Serial() || l.AnchorOf("carol") != "" {
		t.Errorf("AnchorOf alice = %q", l.AnchorOf("alice"))
	}
	if !l.Used(b.Anchors[1].Serial()) || l.Used(b.Anchors[2].Serial()) {
		t.Error("Used: bob's anchor is used, the third is free")
	}
	if l.NextSlot() != 6 {
		t.Errorf("NextSlot = %d, want 6", l.NextSlot())
	}
	removedAt := fixedNow.Add(24 * time.Hour)
	if !l.Remove("bob", removedAt) || l.Remove("bob", removedAt) || l.Remove("nobody", removedAt) {
		t.Error("Remove: bob once, then no more; nobody never")
	}
	if l.Active("bob") || !l.Active("alice") || !slices.Equal(l.Members(), []string{"alice"}) {
		t.Errorf("after removing bob: members %v", l.Members())
	}
	if e := l.Anchor(b.Anchors[1].Serial()); e == nil || e.RemovedAt == nil || !e.RemovedAt.Equal(removedAt) || e.Slot != 2 {
		t.Errorf("bob's anchor entry: %+v", e)
	}
	// Kept for the record, and his anchor is never handed to anyone else.
	if !l.Has(KindClient, "bob") || !l.Used(b.Anchors[1].Serial()) || l.NextSlot() != 6 {
		t.Error("bob's record went away")
	}
	l.Switch = &Switch{Root: "ab", Started: fixedNow, NewRoot: true}
	out := l.Marshal()
	for _, want := range []string{`"kind": "anchor"`, `"slot": 2`, `"anchor": "` + b.Anchors[0].Serial() + `"`,
		`"removed_at": "2026-03-02T12:00:00Z"`, `"switch": {`, `"new_root": true`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ledger lacks %s:\n%s", want, out)
		}
	}
	back, err := ParseLedger(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Marshal()) != string(out) || back.Active("bob") || back.Switch == nil || !back.Switch.NewRoot {
		t.Errorf("round trip:\n%s", back.Marshal())
	}
	// Added again later, bob is a member again, under a new anchor.
	l.Add(b.Clients[1], removedAt.Add(time.Hour))
	if !l.Active("bob") {
		t.Error("bob added again is not active")
	}
}

// TestNextSlotAfterRemoval: the slot of a removed member is never handed
// out again, even when it was the last one.
func TestNextSlotAfterRemoval(t *testing.T) {
	b := memberBundle(t, ECDSAP256)
	l := &Ledger{}
	for _, a := range b.Anchors[:3] {
		l.AddAnchor(a, fixedNow)
	}
	last := *b.Clients[0]
	last.Anchor = b.Anchors[2] // the highest slot
	l.Add(&last, fixedNow)
	l.Remove("alice", fixedNow)
	if got := l.NextSlot(); got != 4 {
		t.Errorf("NextSlot = %d after removing the member of slot 3, want 4", got)
	}
}
