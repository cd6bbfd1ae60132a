package pki

import (
	"crypto/rand"
	"strings"
	"testing"
)

// TestParseAnchorsStrict: anchors.pem is exactly what EncodeAnchors writes;
// random bytes, text around the blocks or PEM headers are errors, never "no
// anchors" (a remove then wrote an empty members.pem, an add replaced every
// anchor).
func TestParseAnchorsStrict(t *testing.T) {
	b := memberBundle(t, ECDSAP256)
	good := string(EncodeAnchors(b.Anchors))
	if as, err := ParseAnchors([]byte(good + "\n\n")); err != nil || len(as) != len(b.Anchors) {
		t.Fatalf("trailing line breaks: %d anchors, %v", len(as), err)
	}
	random := make([]byte, 2048)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	// Bytes with no "-----BEGIN " in them: pem.Decode finds nothing.
	random = []byte(strings.ReplaceAll(string(random), "-", "+"))
	withHeader := strings.Replace(good, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\n", 1)
	for _, tt := range []struct{ name, in, want string }{
		{"random bytes", string(random), "not PEM text"},
		{"text", "these are not anchors\n", "not PEM text"},
		{"text before", "hello\n" + good, "not PEM text"},
		{"text between", strings.Replace(good, "-----END CERTIFICATE-----\n", "-----END CERTIFICATE-----\nnote\n", 1), "not PEM text"},
		{"text after", good + "trailing\n", "not PEM text"},
		{"broken block", good + "-----BEGIN CERTIFICATE-----\nAAAA\n", "broken PEM"},
		{"header", withHeader, "headers"},
	} {
		if as, err := ParseAnchors([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %d anchors, err = %v, want %q", tt.name, len(as), err, tt.want)
		}
	}
	if as, err := ParseAnchors([]byte("\n")); err != nil || len(as) != 0 {
		t.Errorf("white space only: %v, %v", as, err)
	}
}

// TestParseLedgerStrict: issued.json is what Marshal writes; null, another
// top level and keys given twice (the decoder keeps the last) are errors.
func TestParseLedgerStrict(t *testing.T) {
	l := &Ledger{}
	b := testBundle(t, ECDSAP256)
	l.Add(b.Server, b.Server.Cert.NotBefore)
	good := string(l.Marshal())
	if _, err := ParseLedger([]byte(good)); err != nil {
		t.Fatalf("what Marshal writes: %v", err)
	}
	if _, err := ParseLedger((&Ledger{}).Marshal()); err != nil {
		t.Fatalf("an empty ledger as written: %v", err)
	}
	entry := good[strings.Index(good, "{\n      \"serial\"") : strings.LastIndex(good, "}\n  ]")+1]
	for _, tt := range []struct{ name, in, want string }{
		{"null", "null", "not a JSON object"},
		{"array", "[]", "not a JSON object"},
		{"string", `"issued"`, "not a JSON object"},
		{"issued null", `{"issued": null}`, "null"},
		{"entry null", `{"issued": [null]}`, "null"},
		{"field null", `{"issued": [], "switch": null}`, "null"},
		{"no issued", `{}`, `no "issued"`},
		{"issued twice", `{"issued": [` + entry + `], "issued": []}`, `"issued" twice`},
		{"serial twice", `{"issued": [` + strings.Replace(entry, `"serial"`, `"serial": "01", "serial"`, 1) + `]}`, `"serial" twice`},
	} {
		if got, err := ParseLedger([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			n := -1
			if got != nil {
				n = len(got.Issued)
			}
			t.Errorf("%s: %d entries, err = %v, want %q", tt.name, n, err, tt.want)
		}
	}
}

// TestParseMembersStrict: members.pem holds certificates only, nothing
// around them.
func TestParseMembersStrict(t *testing.T) {
	b := memberBundle(t, ECDSAP256)
	var good []byte
	for _, a := range b.Anchors {
		good = append(good, a.CertPEM...)
	}
	if cs, err := ParseMembers(good); err != nil || len(cs) != len(b.Anchors) || !IsAnchor(cs[0]) {
		t.Fatalf("%d certificates, %v", len(cs), err)
	}
	if IsAnchor(b.CA.Cert) {
		t.Error("the root is read as an anchor")
	}
	for _, tt := range []struct{ name, in, want string }{
		{"junk", string(good) + "junk\n", "not PEM text"},
		{"a key", string(good) + string(b.Anchors[0].KeyPEM), "only certificates"},
	} {
		if _, err := ParseMembers([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}
