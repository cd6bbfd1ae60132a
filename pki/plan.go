// Package pki holds the Plan (what to issue) and everything x509 for
// docker-tls: the CA, the member anchors, the host issuer, server and client
// certificates, the encrypted CA key, loading an existing CA and inspecting
// certificates.
//
// It does no file or terminal I/O: bytes in, bytes out.
//
//	plan := pki.DefaultPlan()
//	plan.FQDN = "docker.example.com"
//	if err := plan.Validate(); err != nil { ... }
//	bundle, err := pki.Issue(plan, nil, passphrase) // nil: make a new CA
package pki

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// KeyType names a key algorithm and size.
type KeyType string

const (
	ECDSAP256 KeyType = "ecdsa-p256"
	ECDSAP384 KeyType = "ecdsa-p384"
	RSA2048   KeyType = "rsa-2048"
	RSA3072   KeyType = "rsa-3072"
	RSA4096   KeyType = "rsa-4096"
	Ed25519   KeyType = "ed25519"
)

// KeyTypes lists the supported key types, default first.
var KeyTypes = []KeyType{ECDSAP256, ECDSAP384, RSA2048, RSA3072, RSA4096, Ed25519}

// ParseKeyType checks s against KeyTypes.
func ParseKeyType(s string) (KeyType, error) {
	for _, k := range KeyTypes {
		if string(k) == strings.ToLower(strings.TrimSpace(s)) {
			return k, nil
		}
	}
	names := make([]string, len(KeyTypes))
	for i, k := range KeyTypes {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown key type %q: use one of %s", s, strings.Join(names, ", "))
}

// Defaults, chosen so that a CA outlives many leaf renewals: a one-year CA is
// a trap, because a year later every client breaks at once.
const (
	DefaultCADays       = 3650
	DefaultDays         = 365
	DefaultCACommonName = "docker-tls CA"
	DefaultClient       = "client"
	// MinPassphrase follows NIST SP 800-63B-4 for single-factor secrets.
	MinPassphrase = 15
	// MaxDays keeps NotAfter well inside what x509 and Go's time can encode.
	MaxDays = 36500
)

// Plan is everything needed to issue a CA, a server certificate and the
// client certificates. Both front ends (flags and the wizard) fill one in.
type Plan struct {
	CACommonName   string
	CAOrganization string
	FQDN           string   // server CN and first DNS SAN
	DNSNames       []string // extra DNS SANs
	IPs            []string // IP SANs, v4 or v6, as typed
	KeyType        KeyType
	CADays         int
	Days           int // leaf validity
	Clients        []string
	// Trust is what dockerd will trust: each member's anchor (the
	// default) or the whole CA. It sets the root's path length.
	Trust Trust
	// Slots is how many free anchors to make besides one per client, with
	// per-member trust.
	Slots int
}

// DefaultPlan returns a Plan with every default filled in but the FQDN.
func DefaultPlan() Plan {
	return Plan{
		CACommonName: DefaultCACommonName,
		KeyType:      ECDSAP256,
		CADays:       DefaultCADays,
		Days:         DefaultDays,
		Clients:      []string{DefaultClient},
		Trust:        TrustMember,
		Slots:        DefaultSlots,
	}
}

// Validate normalizes the plan in place (trims, lower-cases host names,
// canonicalizes IPs) and returns FieldErrors listing every problem found, or
// nil.
func (p *Plan) Validate() error {
	var errs FieldErrors
	p.CACommonName = strings.TrimSpace(p.CACommonName)
	if p.CACommonName == "" {
		p.CACommonName = DefaultCACommonName
	}
	p.CAOrganization = strings.TrimSpace(p.CAOrganization)
	p.validateNames(&errs)
	p.validateLifetimes(&errs)
	p.validateTrust(&errs)
	p.validateClients(&errs)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// add records err, when there is one, as the FieldError of field.
func (es *FieldErrors) add(field Field, value string, err error) {
	if err != nil {
		*es = append(*es, fieldErr(field, value, err))
	}
}

// validateNames normalizes the FQDN, the extra DNS names and the IPs,
// dropping blank entries; a name or IP listed twice is an error.
func (p *Plan) validateNames(errs *FieldErrors) {
	fqdn, err := NormalizeHost(p.FQDN)
	errs.add(FieldFQDN, p.FQDN, err)
	if err == nil {
		p.FQDN = fqdn
	}
	seen := map[string]bool{p.FQDN: true}
	p.DNSNames = normalizeList(p.DNSNames, FieldDNSNames, errs, func(raw string) (string, error) {
		n, err := NormalizeHost(raw)
		if err != nil {
			return "", err
		}
		if seen[n] {
			return "", fmt.Errorf("%s is listed twice", n)
		}
		seen[n] = true
		return n, nil
	})
	seenIP := map[string]bool{}
	p.IPs = normalizeList(p.IPs, FieldIPs, errs, func(raw string) (string, error) {
		ip, err := ParseSANIP(raw)
		if err != nil {
			return "", err
		}
		if seenIP[ip.String()] {
			return "", fmt.Errorf("%s is listed twice", ip)
		}
		seenIP[ip.String()] = true
		return ip.String(), nil
	})
}

// normalizeList returns the entries of list, normalized by norm, skipping
// blank ones and recording the errors of the others.
func normalizeList(list []string, field Field, errs *FieldErrors, norm func(string) (string, error)) []string {
	out := list[:0:0]
	for _, raw := range list {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		n, err := norm(raw)
		if err != nil {
			errs.add(field, raw, err)
			continue
		}
		out = append(out, n)
	}
	return out
}

// validateLifetimes checks the key type and both lifetimes.
func (p *Plan) validateLifetimes(errs *FieldErrors) {
	if _, err := ParseKeyType(string(p.KeyType)); err != nil {
		errs.add(FieldKeyType, string(p.KeyType), err)
	}
	errs.add(FieldCADays, strconv.Itoa(p.CADays), checkDays(p.CADays))
	errs.add(FieldDays, strconv.Itoa(p.Days), checkDays(p.Days))
	if p.Days > 0 && p.CADays > 0 && p.Days > p.CADays {
		errs.add(FieldDays, strconv.Itoa(p.Days), fmt.Errorf("a leaf valid %d days would outlive the CA (%d days): lower {days} or raise {ca-days}", p.Days, p.CADays))
	}
}

// validateTrust defaults the trust to per-member, and checks the slots.
func (p *Plan) validateTrust(errs *FieldErrors) {
	switch p.Trust {
	case "":
		p.Trust = TrustMember
	case TrustMember, TrustCA:
	default:
		_, err := ParseTrust(string(p.Trust))
		errs.add(FieldTrust, string(p.Trust), err)
	}
	if p.Trust == TrustMember {
		errs.add(FieldSlots, strconv.Itoa(p.Slots), CheckSlots(p.Slots, len(p.Clients)))
	}
}

// validateClients checks that there is a client, each named once.
func (p *Plan) validateClients(errs *FieldErrors) {
	if len(p.Clients) == 0 {
		errs.add(FieldClients, "", fmt.Errorf("at least one client is needed, or nobody can connect"))
	}
	seen := map[string]bool{}
	for _, c := range p.Clients {
		if err := ValidateClientName(c); err != nil {
			errs.add(FieldClients, c, err)
			continue
		}
		if seen[c] {
			errs.add(FieldClients, c, fmt.Errorf("%s is listed twice", c))
		}
		seen[c] = true
	}
}

// SANs returns the server certificate's DNS names: the FQDN first, then the
// extra names. Call Validate first.
func (p Plan) SANs() []string {
	return append([]string{p.FQDN}, p.DNSNames...)
}

// ParsedIPs returns the IP SANs. Call Validate first.
func (p Plan) ParsedIPs() []net.IP {
	out := make([]net.IP, 0, len(p.IPs))
	for _, s := range p.IPs {
		if ip, err := ParseSANIP(s); err == nil {
			out = append(out, ip)
		}
	}
	return out
}

// CheckSlots checks a number of free anchors to make along with members
// anchors for the members: MaxAnchors at most in all.
func CheckSlots(slots, members int) error {
	switch {
	case slots < 0:
		return fmt.Errorf("must be 0 or more")
	case slots+members > MaxAnchors:
		return fmt.Errorf("%d anchors (%d members and %d free slots) is more than %d: dockerd names every anchor in each TLS handshake, and too many break it", slots+members, members, slots, MaxAnchors)
	}
	return nil
}

func checkDays(n int) error {
	if n <= 0 {
		return fmt.Errorf("must be a positive number of days")
	}
	if n > MaxDays {
		return fmt.Errorf("%d days is more than %d (100 years)", n, MaxDays)
	}
	return nil
}
