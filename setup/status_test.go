package setup

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// findings runs status and returns its findings, as lines.
func findings(t *testing.T, h *Host) []string {
	t.Helper()
	return lines(h.Status(StatusInput{WarnDays: 30}).Findings)
}

// lines are findings as status prints them.
func lines(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}

func hasFinding(fs []string, sub string) bool {
	return slices.ContainsFunc(fs, func(f string) bool { return strings.Contains(f, sub) })
}

// TestStatusHealthyAfterInit: a fresh setup has nothing to report.
func TestStatusHealthyAfterInit(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	if r := h.Status(StatusInput{WarnDays: 30}); !r.Healthy || len(r.Findings) != 0 {
		t.Fatalf("findings after init: %q", r.Findings)
	}
}

// TestStatusKeyModes: a CA or client key any other user can read, even
// only through its group, is a finding; 0600 and 0400 are fine. The server
// key must be 0400 exactly (CIS 3.14): any other mode is a finding naming
// the item.
func TestStatusKeyModes(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	for _, key := range []struct{ path, finding string }{
		{CAKey, CAKey + " has mode"},
		{ClientDir("client") + "/" + member.KeyFile, ClientDir("client") + "/" + member.KeyFile + " has mode"},
		{ServerKey, "CIS 3.14: " + ServerKey + " is "},
	} {
		for _, tc := range []struct {
			mode os.FileMode
			bad  bool
		}{{0o600, key.path == ServerKey}, {0o400, false}, {0o640, true}, {0o604, true}, {0o644, true}} {
			if err := os.Chmod(h.Path(key.path), tc.mode); err != nil {
				t.Fatal(err)
			}
			fs := findings(t, h)
			if got := hasFinding(fs, key.finding); got != tc.bad {
				t.Errorf("%s mode %04o: finding %v, want %v: %q", key.path, tc.mode, got, tc.bad, fs)
			}
		}
		if err := os.Chmod(h.Path(key.path), 0o400); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStatusWeakKDF: a CA key from the Docker docs recipe under OpenSSL 3
// (PBKDF2 with 2,048 iterations) is flagged, with the command that fixes it.
func TestStatusWeakKDF(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	for p, src := range map[string]string{CACert: "ca.pem", CAKey: "ca-key.pem"} {
		b, err := os.ReadFile(filepath.Join("..", "pki", "testdata", "openssl", src))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, h.Root(), p, string(b), 0o600)
	}
	fs := findings(t, h)
	if !hasFinding(fs, "encrypted with 2048 PBKDF2 iterations, fewer than 600000") || !hasFinding(fs, "-iter 600000") {
		t.Errorf("findings %q lack the weak KDF", fs)
	}
}

// TestStatusOtherCAsBundle: a bundle from another CA, or from this CA's
// predecessor (init --force), is not from the current CA, even with a
// serial the ledger records; an anchor another root signed neither.
func TestStatusOtherCAsBundle(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput(func(in *InitInput) { in.Plan.Clients = []string{"alice", "bob"} }))
	other := New(newRoot(t))
	mustInit(t, other, testInput(func(in *InitInput) { in.Plan.Clients = []string{"alice"} }))
	b, err := os.ReadFile(other.Path(ClientDir("alice") + "/" + member.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.Root(), ClientDir("bob")+"/"+member.CertFile, string(b), 0o644)
	fs := findings(t, h)
	if !hasFinding(fs, "client bob ("+ClientDir("bob")+"/"+member.CertFile+") was not issued by the current CA") {
		t.Errorf("another CA's certificate passes: %q", fs)
	}
	if hasFinding(fs, "client alice") {
		t.Errorf("alice's own bundle: %q", fs)
	}
	// The other CA's ledger records the serial: still refused.
	ledger, err := os.ReadFile(other.Path(LedgerPath))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.Root(), LedgerPath, string(ledger), 0o644)
	if fs := findings(t, h); !hasFinding(fs, "client bob ("+ClientDir("bob")+"/"+member.CertFile+") was not issued by the current CA") {
		t.Errorf("another CA's certificate with its serial in the ledger passes: %q", fs)
	}
}

// TestStatusServerThroughIssuer: a server certificate issued by an
// intermediate of the root, the intermediate after it in server-cert.pem
// (the host issuer's layout), is from the current CA; the same certificate
// alone is not.
func TestStatusServerThroughIssuer(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput())
	anchors, err := h.anchors()
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := anchors[len(anchors)-1].Signer([]byte(testPass)) // an intermediate the root signed
	if err != nil {
		t.Fatal(err)
	}
	plan := testInput().Plan
	leaf, err := pki.IssueServer(issuer, plan)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.Root(), ServerKey, string(leaf.KeyPEM), 0o400)
	const refused = "was not issued by the current CA"
	writeFile(t, h.Root(), ServerCert, string(leaf.CertPEM)+string(issuer.CertPEM), 0o444)
	if fs := findings(t, h); hasFinding(fs, refused) {
		t.Errorf("the chain through an intermediate: %q", fs)
	}
	writeFile(t, h.Root(), ServerCert, string(leaf.CertPEM), 0o444)
	if fs := findings(t, h); !hasFinding(fs, "server docker.example.com ("+ServerCert+") "+refused) {
		t.Errorf("without the intermediate: %q", fs)
	}
}

// TestStatusBundleDirAndMembersFile: a bundle directory others may write
// is refused and its mode named; a members.pem that holds fewer anchors
// than the anchors file names each one missing.
func TestStatusBundleDirAndMembersFile(t *testing.T) {
	h := New(newRoot(t))
	mustInit(t, h, testInput(func(in *InitInput) { in.Plan.Clients = []string{"alice", "bob"} }))
	if err := os.Chmod(h.Path(ClientDir("bob")), 0o770); err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.Root(), MembersPath, "", 0o444) // no certificate at all
	fs := findings(t, h)
	for _, want := range []string{
		ClientDir("bob") + " has mode 0770: chmod 700 " + ClientDir("bob"),
		"member anchor 1 (alice's) is not in " + MembersPath,
		"member anchor 3 (a free slot) is not in " + MembersPath,
	} {
		if !hasFinding(fs, want) {
			t.Errorf("no %q in %q", want, fs)
		}
	}
}
