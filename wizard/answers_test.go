package wizard

import (
	"reflect"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/pki"
)

func TestInput(t *testing.T) {
	a := Answers{
		CACommonName: " Acme CA ", CAOrganization: "Acme", FQDN: "Docker.Example.com",
		DNSNames: "a.example.com, b.example.com", IPs: []string{"10.0.0.5"}, ExtraIPs: "203.0.113.7 2001:db8::1",
		Clients: "alice, bob,ci", KeyType: "rsa-3072", CADays: "1000", Days: " 90 ",
	}
	in := a.Input(false)
	if in.Listen != "" || in.Force {
		t.Errorf("Input: listen %q, force %v", in.Listen, in.Force)
	}
	got := in.Plan
	want := pki.Plan{
		CACommonName: "Acme CA", CAOrganization: "Acme", FQDN: "Docker.Example.com",
		DNSNames: []string{"a.example.com", "b.example.com"},
		IPs:      []string{"10.0.0.5", "203.0.113.7", "2001:db8::1"},
		KeyType:  pki.RSA3072, CADays: 1000, Days: 90, Clients: []string{"alice", "bob", "ci"},
		Trust: pki.TrustMember, Slots: pki.DefaultSlots,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Plan() =\n%+v\nwant\n%+v", got, want)
	}
	if a.IPs[0] != "10.0.0.5" || len(a.IPs) != 1 {
		t.Error("Input must not change the answers")
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

func TestWithDefaults(t *testing.T) {
	d := Detected{Hostname: "h.example.com", IPs: []string{"10.0.0.5", "10.0.0.6", "fe80::1%eth0"}}
	a := Answers{}.withDefaults(d)
	if a.FQDN != "h.example.com" || a.Listen != "0.0.0.0:2376" || a.Clients != "" ||
		a.KeyType != "ecdsa-p256" || a.CADays != "3650" || a.Days != "365" || a.CACommonName != pki.DefaultCACommonName {
		t.Errorf("defaults = %+v", a)
	}
	if !reflect.DeepEqual(a.IPs, d.IPs[:2]) {
		t.Errorf("IPs = %v: every detected IP a certificate can carry is preselected", a.IPs)
	}
	if got := a.plan().Clients; !reflect.DeepEqual(got, []string{pki.DefaultClient}) {
		t.Errorf("clients = %q: the empty field means the default", got)
	}
	// IPs from flags: detected ones stay chosen, the others become typed.
	a = Answers{IPs: []string{"10.0.0.6", "203.0.113.7"}}.withDefaults(d)
	if !reflect.DeepEqual(a.IPs, []string{"10.0.0.6"}) || a.ExtraIPs != "203.0.113.7" {
		t.Errorf("IPs = %v, ExtraIPs = %q", a.IPs, a.ExtraIPs)
	}
}

// TestWithDefaultsFromCurrent: a re-run starts from the current server
// certificate (and the clients issued, and the address dockerd listens on),
// so that Enter all the way drops no name; flags still win.
func TestWithDefaultsFromCurrent(t *testing.T) {
	cur := pki.DefaultPlan()
	cur.FQDN, cur.DNSNames, cur.IPs = "docker1.example.com", []string{"build.example.com"}, []string{"10.0.0.6", "192.0.2.10"}
	cur.KeyType, cur.Days, cur.CADays, cur.CACommonName, cur.CAOrganization = pki.RSA2048, 90, 1000, "Acme CA", "Acme"
	cur.Clients = []string{"alice", "bob"}
	d := Detected{Hostname: "h.example.com", IPs: []string{"10.0.0.5", "10.0.0.6"}, Listen: "192.0.2.10:2376"}
	d.Current = &cur
	a := Answers{}.withDefaults(d)
	want := Answers{
		CACommonName: "Acme CA", CAOrganization: "Acme", FQDN: "docker1.example.com",
		DNSNames: "build.example.com", IPs: []string{"10.0.0.6"}, ExtraIPs: "192.0.2.10",
		Listen: "192.0.2.10:2376", Clients: "alice, bob", KeyType: "rsa-2048", CADays: "1000", Days: "90",
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("answers =\n%+v\nwant\n%+v", a, want)
	}
	a = Answers{FQDN: "other.example.com", Days: "30"}.withDefaults(d)
	if a.FQDN != "other.example.com" || a.Days != "30" || a.DNSNames != "build.example.com" {
		t.Errorf("flags must win over the current certificate: %+v", a)
	}
}

func TestValidateListen(t *testing.T) {
	for _, tc := range []struct {
		in, err string
	}{
		{"0.0.0.0:2376", ""},
		{"[::]:2376", ""},
		{"docker1.example.com:2376", ""},
		{":2376", "localhost only"},
		{"0.0.0.0:2375", "unencrypted API"},
		{"0.0.0.0", "HOST:PORT"},
		{"0.0.0.0:99999", "from 1 to 65535"},
		{"bad_host:2376", "is not allowed in a host name"},
	} {
		err := validateListen(tc.in)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("validateListen(%q) = %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestValidateList(t *testing.T) {
	if err := validateList("a.example.com, A.example.com", false, pki.ValidateHostName); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("repeat: %v", err)
	}
	if err := validateList("h.example.com", false, pki.ValidateHostName, "h.example.com"); err == nil {
		t.Error("the FQDN repeated as an extra name should be refused")
	}
	if err := validateList("", true, pki.ValidateClientName); err == nil {
		t.Error("an empty required list should be refused")
	}
	if err := validateLeafDays("4000", "3650"); err == nil || !strings.Contains(err.Error(), "outlive") {
		t.Errorf("leaf past CA: %v", err)
	}
}

func TestStrength(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "weak"},
		{"short", "weak"},
		{"fifteen letters", "ok"},
		{"Tr0ub4dor&3 horse", "ok"},
		{"Tr0ub4dor&3 horse!", "strong"},
		{"correct horse battery staple", "strong"},
	} {
		if got, _, _ := strength(tc.in); got != tc.want {
			t.Errorf("strength(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestEveryFieldHasATitle: a field pki adds must get its title and step
// here, or the wizard could not say where an error belongs.
func TestEveryFieldHasATitle(t *testing.T) {
	for _, f := range pki.Fields {
		sf, ok := setupFields[f]
		if !ok || sf.title == "" || sf.value == nil {
			t.Errorf("field %q has no entry in setupFields", f)
		}
	}
}

// TestClientsWithASpace: with a comma, names split on commas only, so that
// "Bob Smith" is refused as one name with a space, not read as a repeat of
// "bob" (issue 24).
func TestClientsWithASpace(t *testing.T) {
	err := validateItems(pki.SplitNames("alice, bob, Bob Smith"), false, pki.ValidateClientName)
	if err == nil || !strings.Contains(err.Error(), `"Bob Smith" has a space`) || strings.Contains(err.Error(), "twice") {
		t.Fatalf("err %v", err)
	}
}
