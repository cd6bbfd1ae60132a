package wizard

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// DefaultListen is the listen address offered by the server step. An
// explicit host matters: dockerd reads "tcp://:2376" as localhost only.
const DefaultListen = "0.0.0.0:2376"

// Answers is every answer of the wizard in one struct. huh fields bind
// through pointers to its fields, so it lives on the heap for the whole run
// and a step rebuilt after Esc shows what was typed before.
type Answers struct {
	CACommonName, CAOrganization string
	Passphrase, Passphrase2      string
	PassphraseFromFile           bool   // given by a flag or the environment: skip asking, show PassphraseSource
	PassphraseSource             string // e.g. "from file /root/ca.pass"; "from file" when empty

	FQDN     string
	DNSNames string   // comma/space separated as typed
	IPs      []string // chosen from detected
	ExtraIPs string   // typed, comma/space separated
	Listen   string   // "0.0.0.0:2376"

	Clients string // comma/space separated; empty means one named pki.DefaultClient

	KeyType      string // one of pki.KeyTypes
	CADays, Days string

	// Trust and Slots come from init's flags only (--trust, --slots): ""
	// and 0 keep the engine's defaults.
	Trust pki.Trust
	Slots int
}

// Input is the setup these answers describe: the wizard's table from
// answers to fields. It does not validate: the engine does, and reports
// pki.FieldErrors back. Days that are not numbers become 0, which it
// refuses.
func (a Answers) Input(force bool) setup.InitInput {
	// The renewal timer is part of every setup the wizard makes: the review
	// lists its units with the other files.
	return setup.InitInput{Plan: a.plan(), Listen: strings.TrimSpace(a.Listen), Force: force, Trust: a.Trust, Slots: a.Slots, AutoRenew: true}
}

func (a Answers) plan() pki.Plan {
	p := pki.DefaultPlan()
	p.CACommonName = strings.TrimSpace(a.CACommonName)
	p.CAOrganization = strings.TrimSpace(a.CAOrganization)
	p.FQDN = strings.TrimSpace(a.FQDN)
	p.DNSNames = pki.SplitList(a.DNSNames)
	p.IPs = append(slices.Clone(a.IPs), pki.SplitList(a.ExtraIPs)...)
	p.KeyType = pki.KeyType(strings.TrimSpace(a.KeyType))
	p.CADays = atoi(a.CADays)
	p.Days = atoi(a.Days)
	p.Clients = a.clientNames()
	return p
}

// clientNames are the clients to issue: the names typed, or the default
// the empty field shows as its placeholder.
func (a Answers) clientNames() []string {
	if names := pki.SplitNames(a.Clients); len(names) > 0 {
		return names
	}
	return []string{pki.DefaultClient}
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

// withDefaults fills in what the flags of init did not give: from the
// current server certificate when there is one (so that a re-run with
// Enter all the way changes nothing, and drops no name), else the
// defaults. IPs given by flag or found in the certificate that are not
// among the detected ones move to ExtraIPs, because the multi-select can
// only hold its own options.
//
// On a first run every detected IP is preselected: a client that connects
// by IP to a certificate without that IP fails with "doesn't contain any IP
// SANs", the most common trap of a hand-made setup, while an extra IP SAN
// costs nothing. The user can untick them. Addresses a certificate cannot
// carry (a link-local one with a zone) are offered but not preselected, so
// that Enter all the way still works.
//
// The client names are not defaulted: the empty field shows "client" as
// its placeholder, so that typing a name does not append to it.
func (a Answers) withDefaults(d Detected) Answers {
	def := func(s *string, vs ...string) {
		for _, v := range vs {
			if strings.TrimSpace(*s) == "" {
				*s = v
			}
		}
	}
	cur := pki.DefaultPlan()
	cur.FQDN = d.Hostname
	if d.Current != nil {
		cur = *d.Current
		if a.IPs == nil && a.ExtraIPs == "" {
			a.IPs = append([]string{}, cur.IPs...) // none is an answer too: nothing preselected
		}
		def(&a.DNSNames, strings.Join(cur.DNSNames, ", "))
		def(&a.Clients, strings.Join(cur.Clients, ", "))
	}
	def(&a.CACommonName, cur.CACommonName, pki.DefaultCACommonName)
	def(&a.CAOrganization, cur.CAOrganization)
	def(&a.FQDN, cur.FQDN, d.Hostname)
	def(&a.Listen, d.Listen, DefaultListen)
	def(&a.KeyType, string(cur.KeyType), string(pki.ECDSAP256))
	if cur.CADays > 0 {
		def(&a.CADays, strconv.Itoa(cur.CADays))
	}
	if cur.Days > 0 {
		def(&a.Days, strconv.Itoa(cur.Days))
	}
	def(&a.CADays, strconv.Itoa(pki.DefaultCADays))
	def(&a.Days, strconv.Itoa(pki.DefaultDays))
	if a.PassphraseFromFile {
		a.Passphrase2 = a.Passphrase
	}
	if a.IPs == nil {
		a.IPs = []string{}
		for _, ip := range d.IPs {
			if pki.ValidateSANIP(ip) == nil {
				a.IPs = append(a.IPs, ip)
			}
		}
		return a
	}
	var chosen, extra []string
	for _, ip := range a.IPs {
		if slices.Contains(d.IPs, ip) {
			chosen = append(chosen, ip)
		} else {
			extra = append(extra, ip)
		}
	}
	a.IPs = chosen
	if len(extra) > 0 {
		a.ExtraIPs = strings.TrimSpace(strings.Join(append(pki.SplitList(a.ExtraIPs), extra...), ", "))
	}
	return a
}

// validateListen checks HOST:PORT for dockerd's tcp:// host, with the same
// rules and words as init's --listen.
func validateListen(s string) error {
	_, err := setup.ParseListen(s)
	return err
}

// validateList checks each item of a comma/space separated list and refuses
// repeats (including of the names in taken, e.g. the FQDN).
func validateList(s string, required bool, each func(string) error, taken ...string) error {
	return validateItems(pki.SplitList(s), required, each, taken...)
}

// validateItems checks each item and refuses repeats, as validateList.
func validateItems(items []string, required bool, each func(string) error, taken ...string) error {
	if required && len(items) == 0 {
		return fmt.Errorf("give at least one name")
	}
	seen := map[string]bool{}
	for _, t := range taken {
		seen[strings.ToLower(strings.TrimSpace(t))] = true
	}
	for _, it := range items {
		if err := each(it); err != nil {
			return err
		}
		k := strings.ToLower(it)
		if seen[k] {
			return fmt.Errorf("%s is listed twice", it)
		}
		seen[k] = true
	}
	return nil
}

// validateLeafDays checks the leaf validity and that it ends before the CA.
func validateLeafDays(days, caDays string) error {
	if err := pki.ValidateDays(days); err != nil {
		return err
	}
	if d, ca := atoi(days), atoi(caDays); ca > 0 && d > ca {
		return fmt.Errorf("%d days would outlive the CA (%d days): certificates cannot outlive their CA", d, ca)
	}
	return nil
}
