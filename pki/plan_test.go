package pki

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPlanValidate(t *testing.T) {
	base := func() Plan {
		p := DefaultPlan()
		p.FQDN = "docker.example.com"
		return p
	}
	tests := []struct {
		name       string
		edit       func(*Plan)
		wantFields []Field           // one per FieldError, in order
		check      func(*Plan) error // the normalized plan, when valid
	}{
		{name: "okDefaults", edit: func(p *Plan) {}},
		{name: "okUpperCaseFolded", edit: func(p *Plan) {
			p.FQDN = "  Docker.Example.COM "
			p.DNSNames = []string{"Build.Example.com"}
		}, check: func(p *Plan) error {
			return want(p.FQDN == "docker.example.com" && slices.Equal(p.DNSNames, []string{"build.example.com"}), "names %q %q", p.FQDN, p.DNSNames)
		}},
		{name: "okIPsCanonical", edit: func(p *Plan) {
			p.IPs = []string{"2001:DB8:0::1", "::ffff:10.0.0.1", "[::1]", " 192.168.1.10 "}
		}, check: func(p *Plan) error {
			return want(slices.Equal(p.IPs, []string{"2001:db8::1", "10.0.0.1", "::1", "192.168.1.10"}), "IPs %q", p.IPs)
		}},
		{name: "okBlankEntriesDropped", edit: func(p *Plan) {
			p.DNSNames = []string{"", "  "}
			p.IPs = []string{""}
		}, check: func(p *Plan) error { return want(len(p.DNSNames)+len(p.IPs) == 0, "%q %q", p.DNSNames, p.IPs) }},
		{name: "okEmptyCACommonNameDefaulted", edit: func(p *Plan) { p.CACommonName = " " },
			check: func(p *Plan) error { return want(p.CACommonName == DefaultCACommonName, "CN %q", p.CACommonName) }},
		{name: "okSANsAndParsedIPs", edit: func(p *Plan) {
			p.DNSNames = []string{"b.example.com"}
			p.IPs = []string{"::1", "10.1.2.3"}
		}, check: func(p *Plan) error {
			ips := p.ParsedIPs()
			return want(slices.Equal(p.SANs(), []string{"docker.example.com", "b.example.com"}) && len(ips) == 2 && ips[1].To4() != nil, "%v %v", p.SANs(), ips)
		}},
		{name: "okLeafAsLongAsCA", edit: func(p *Plan) { p.Days, p.CADays = 3650, 3650 }},
		{name: "okClientNames", edit: func(p *Plan) { p.Clients = []string{"alice", "bob.smith", "ci_runner-2", "ops@example.com"} }},

		{name: "failFQDNMissing", edit: func(p *Plan) { p.FQDN = "" }, wantFields: []Field{FieldFQDN}},
		{name: "failIPAsFQDN", edit: func(p *Plan) { p.FQDN = "10.0.0.1" }, wantFields: []Field{FieldFQDN}},
		{name: "failIPAsDNSName", edit: func(p *Plan) { p.DNSNames = []string{"192.168.1.1", "[::1]", "fe80::1%eth0"} },
			wantFields: []Field{FieldDNSNames, FieldDNSNames, FieldDNSNames}},
		{name: "failTrailingDot", edit: func(p *Plan) { p.FQDN = "docker.example.com." }, wantFields: []Field{FieldFQDN}},
		{name: "failInvalidHostNames", edit: func(p *Plan) {
			p.DNSNames = []string{"under_score.example", "-lead.example", "trail-.example", "a..b", ".lead", "*.example.com", "two words", "é.example",
				strings.Repeat("a", 64) + ".example", strings.Repeat("abcdefghi.", 26) + "com"}
		}, wantFields: slices.Repeat([]Field{FieldDNSNames}, 10)},
		{name: "failDuplicateDNSNames", edit: func(p *Plan) { p.DNSNames = []string{"a.example", "A.example", "DOCKER.example.com"} },
			wantFields: []Field{FieldDNSNames, FieldDNSNames}},
		{name: "failDuplicateIPs", edit: func(p *Plan) { p.IPs = []string{"10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1", "2001:DB8:0:0::1"} },
			wantFields: []Field{FieldIPs, FieldIPs}},
		{name: "failBadIPs", edit: func(p *Plan) { p.IPs = []string{"10.0.0.0/8", "fe80::1%eth0", "docker.example.com", "256.1.1.1"} },
			wantFields: []Field{FieldIPs, FieldIPs, FieldIPs, FieldIPs}},
		{name: "failDaysZero", edit: func(p *Plan) { p.Days = 0 }, wantFields: []Field{FieldDays}},
		{name: "failDaysNegative", edit: func(p *Plan) { p.Days, p.CADays = -1, -30 }, wantFields: []Field{FieldCADays, FieldDays}},
		{name: "failDaysTooMany", edit: func(p *Plan) { p.CADays = MaxDays + 1 }, wantFields: []Field{FieldCADays}},
		{name: "failLeafOutlivesCA", edit: func(p *Plan) { p.Days, p.CADays = 4000, 3650 }, wantFields: []Field{FieldDays}},
		{name: "failUnknownKeyType", edit: func(p *Plan) { p.KeyType = "dsa-1024" }, wantFields: []Field{FieldKeyType}},
		{name: "failEmptyKeyType", edit: func(p *Plan) { p.KeyType = "" }, wantFields: []Field{FieldKeyType}},
		{name: "failBadClientNames", edit: func(p *Plan) {
			p.Clients = []string{"a/b", "..", ".", ".hidden", "", " bob", "bob smith", strings.Repeat("x", 65), `a\b`}
		}, wantFields: slices.Repeat([]Field{FieldClients}, 9)},
		{name: "failNoClients", edit: func(p *Plan) { p.Clients = nil }, wantFields: []Field{FieldClients}},
		{name: "failDuplicateClient", edit: func(p *Plan) { p.Clients = []string{"alice", "bob", "alice"} }, wantFields: []Field{FieldClients}},
		{name: "failEverythingAtOnce", edit: func(p *Plan) {
			p.FQDN, p.IPs, p.KeyType, p.Days, p.Clients = "x_y", []string{"nope"}, "rsa-1024", 0, []string{"../etc"}
		}, wantFields: []Field{FieldFQDN, FieldIPs, FieldKeyType, FieldDays, FieldClients}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.edit(&p)
			err := p.Validate()
			var fe FieldErrors
			if err != nil && !errors.As(err, &fe) {
				t.Fatalf("err %T, want FieldErrors", err)
			}
			var got []Field
			for _, e := range fe {
				got = append(got, e.Field)
				if e.Reason == "" {
					t.Errorf("%s: no reason", e.Field)
				}
			}
			if !slices.Equal(got, tt.wantFields) {
				t.Fatalf("fields %q, want %q\n%v", got, tt.wantFields, err)
			}
			if err == nil && tt.check != nil {
				if err := tt.check(&p); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestFieldErrorMessages(t *testing.T) {
	p := DefaultPlan()
	p.FQDN = "10.0.0.1"
	p.DNSNames = []string{"docker.example.com."}
	err := p.Validate()
	for _, want := range []string{
		`fqdn "10.0.0.1": 10.0.0.1 is an IP address: put it in ips, not in a DNS name`,
		`dns-names "docker.example.com.": remove the trailing dot: docker.example.com`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// A front end names the fields in its own words, also inside reasons.
	flag := func(f Field) string { return "--" + strings.ToUpper(string(f)) }
	if got, want := err.(FieldErrors)[0].Describe(flag), `--FQDN "10.0.0.1": 10.0.0.1 is an IP address: put it in --IPS, not in a DNS name`; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if fe := err.(FieldErrors).For(FieldFQDN); len(fe) != 1 {
		t.Errorf("For(fqdn) = %v", fe)
	}
	if got := (&FieldError{Field: FieldClients, Reason: "needed"}).Error(); got != "clients: needed" {
		t.Errorf("Error() = %q", got)
	}
}

func TestValidators(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(string) error
		in      string
		wantErr bool
	}{
		{"okFQDN", ValidateHostName, "docker.example.com", false},
		{"failFQDNIP", ValidateHostName, "::1", true},
		{"okDNSName", ValidateHostName, "localhost", false},
		{"failDNSName", ValidateHostName, "a b", true},
		{"okSANIPv6", ValidateSANIP, "fd00::1", false},
		{"failSANIP", ValidateSANIP, "localhost", true},
		{"okDays", ValidateDays, " 365 ", false},
		{"failDaysText", ValidateDays, "a year", true},
		{"failDaysZero", ValidateDays, "0", true},
		{"okPassphrase", ValidatePassphrase, "fifteen chars!!", false},
		{"okPassphraseRunes", ValidatePassphrase, "ééééééééééééééé", false},
		{"failPassphrase", ValidatePassphrase, "fourteen chars", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.fn(tt.in); (err != nil) != tt.wantErr {
				t.Errorf("(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestParseKeyType(t *testing.T) {
	for _, kt := range KeyTypes {
		if got, err := ParseKeyType(" " + strings.ToUpper(string(kt))); err != nil || got != kt {
			t.Errorf("ParseKeyType(%s) = %s, %v", kt, got, err)
		}
	}
	if _, err := ParseKeyType("rsa-1024"); err == nil || !strings.Contains(err.Error(), "ecdsa-p256, ecdsa-p384") {
		t.Errorf("err = %v, want the list of key types", err)
	}
}

func TestSplitList(t *testing.T) {
	if got := SplitList("a, b  c,\td\n"); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("SplitList = %q", got)
	}
}

// TestSplitNames: with a comma the list splits on commas only, so that a
// name with a space is one name, refused with a name to use instead.
func TestSplitNames(t *testing.T) {
	for in, want := range map[string][]string{
		"alice bob":              {"alice", "bob"},
		"alice, bob, Bob Smith":  {"alice", "bob", "Bob Smith"},
		" alice ,, Olga Petrova": {"alice", "Olga Petrova"},
	} {
		if got := SplitNames(in); !slices.Equal(got, want) {
			t.Errorf("SplitNames(%q) = %q, want %q", in, got, want)
		}
	}
	err := ValidateClientName("Bob Smith")
	if err == nil || !strings.Contains(err.Error(), `has a space`) || !strings.Contains(err.Error(), `"bob.smith"`) {
		t.Errorf("Bob Smith: %v", err)
	}
	for in, want := range map[string]string{"Olga Petrova": "olga.petrova", "-rf": "rf", "José  Núñez": "jose.nunez", "   ": "member"} {
		if got := SuggestClientName(in); got != want {
			t.Errorf("SuggestClientName(%q) = %q, want %q", in, got, want)
		} else if ValidateClientName(got) != nil {
			t.Errorf("the suggestion %q is not valid", got)
		}
	}
}
