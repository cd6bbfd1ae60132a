package pki

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeHost checks a DNS name for a certificate and returns it
// lower-cased. IPs are refused here: an IP in a DNS SAN is the classic cause
// of "cannot validate certificate for 1.2.3.4 because it doesn't contain any
// IP SANs", so they must go in IP entries.
func NormalizeHost(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("a host name is required")
	}
	if ip := parseIPLoose(s); ip != nil {
		return "", fmt.Errorf("%s is an IP address: put it in {ips}, not in a DNS name", s)
	}
	if strings.HasSuffix(s, ".") {
		// dockerd and Go's verifier reject a trailing dot in a DNS SAN.
		return "", fmt.Errorf("remove the trailing dot: %s", strings.TrimSuffix(s, "."))
	}
	s = strings.ToLower(s)
	if len(s) > 253 {
		return "", fmt.Errorf("longer than 253 characters")
	}
	for _, label := range strings.Split(s, ".") {
		if err := checkLabel(label); err != nil {
			return "", err
		}
	}
	return s, nil
}

func checkLabel(l string) error {
	switch {
	case l == "":
		return fmt.Errorf("empty label (two dots in a row, or a leading dot)")
	case l == "*":
		return fmt.Errorf("wildcards are not allowed: name each host")
	case len(l) > 63:
		return fmt.Errorf("label %q is longer than 63 characters", l)
	case l[0] == '-' || l[len(l)-1] == '-':
		return fmt.Errorf("label %q starts or ends with a hyphen", l)
	}
	for _, r := range l {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-'
		if !ok {
			return fmt.Errorf("%q is not allowed in a host name (letters, digits and hyphens only)", r)
		}
	}
	return nil
}

// parseIPLoose recognizes what a user may have meant as an IP, brackets and
// zones included, so that NormalizeHost can point it to --san-ip.
func parseIPLoose(s string) net.IP {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if i := strings.IndexByte(s, '%'); i >= 0 {
		s = s[:i]
	}
	return net.ParseIP(s)
}

// ParseSANIP parses an IPv4 or IPv6 address for an IP SAN. IPv4-mapped IPv6
// addresses are unmapped, so a cert for ::ffff:10.0.0.1 matches 10.0.0.1.
func ParseSANIP(s string) (net.IP, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if s == "" {
		return nil, fmt.Errorf("an IP address is required")
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		if strings.Contains(s, "/") {
			return nil, fmt.Errorf("%q is a network, not an address: give one IP", s)
		}
		return nil, fmt.Errorf("%q is not an IP address (a host name goes in {dns-names})", s)
	}
	if a.Zone() != "" {
		return nil, fmt.Errorf("%q has a zone (%%%s): certificates cannot carry zones", s, a.Zone())
	}
	a = a.Unmap()
	return net.IP(a.AsSlice()), nil
}

// ValidateClientName checks a client name. It becomes a directory name
// (clients/NAME) and the certificate's CN.
func ValidateClientName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("a client name is required")
	case s != strings.TrimSpace(s):
		return fmt.Errorf("no leading or trailing spaces")
	case s == "." || s == "..":
		return fmt.Errorf("%q is not a usable directory name", s)
	case len(s) > 64:
		return fmt.Errorf("longer than 64 characters")
	case strings.ContainsAny(s, " \t"):
		return fmt.Errorf("%q has a space: a name becomes a directory and a file name; use %q, say", s, SuggestClientName(s))
	case strings.HasPrefix(s, "-"):
		// The next steps print it in commands, where it would read as a flag.
		return fmt.Errorf("must not start with '-' (in a command it would read as a flag): use %q, say", SuggestClientName(s))
	}
	for _, r := range s {
		if !nameRune(r) {
			return fmt.Errorf("%q is not allowed: use letters, digits, '.', '-', '_' and '@' (a name becomes a directory name): %q, say", r, SuggestClientName(s))
		}
	}
	if strings.HasPrefix(s, ".") {
		return fmt.Errorf("must not start with a dot (it becomes a hidden directory)")
	}
	return nil
}

func nameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '@'
}

// SuggestClientName is a valid name close to s, for an error to offer:
// lower case, a dot for each run of spaces, other characters left out
// ("Olga Petrova" gives "olga.petrova", "José Núñez" "jose.nunez").
func SuggestClientName(s string) string {
	var b strings.Builder
	// NFD splits "é" into "e" and its accent, which is then left out.
	for _, f := range strings.Fields(strings.ToLower(norm.NFD.String(s))) {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		for _, r := range f {
			if nameRune(r) {
				b.WriteRune(r)
			}
		}
	}
	out := strings.TrimLeft(b.String(), ".-")
	if len(out) > 64 {
		out = out[:64]
	}
	if out == "" {
		return "member"
	}
	return out
}

// ValidatePassphrase enforces the CA passphrase length (NIST SP 800-63B-4).
func ValidatePassphrase(s string) error {
	if n := utf8.RuneCountInString(s); n < MinPassphrase {
		return fmt.Errorf("the CA passphrase needs at least %d characters (it has %d)", MinPassphrase, n)
	}
	return nil
}

// The validators below are func(string) error so that they plug into
// huh's .Validate and show next to the field.

// ValidateHostName checks a host name: the FQDN, an extra DNS name, or the
// host of a listen address.
func ValidateHostName(s string) error { _, err := NormalizeHost(s); return err }

// ValidateSANIP checks one IP SAN.
func ValidateSANIP(s string) error { _, err := ParseSANIP(s); return err }

// ValidateDays checks a validity in days, as typed.
func ValidateDays(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a whole number of days", s)
	}
	return checkDays(n)
}

// SplitList splits a comma- or space-separated list as typed in a form field.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// SplitNames splits a list of member names as typed: on commas when there
// is one, so that "alice, Bob Smith" is two names (the second refused for
// its space, with a name to use instead), else on spaces.
func SplitNames(s string) []string {
	if !strings.Contains(s, ",") {
		return SplitList(s)
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
