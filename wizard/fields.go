package wizard

import (
	"strconv"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
)

// setupField is what the wizard knows of one field of a setup: its title
// (errors found by the engine name the field as its screen does), the step
// that asks for it, and where its answer is. Answers.plan maps the answers
// to the engine's input; together they are the wizard's field table.
type setupField struct {
	title string
	step  stepID
	value func(*Answers) string
}

var setupFields = map[pki.Field]setupField{
	pki.FieldCAName:     {"CA name", stepCA, func(a *Answers) string { return a.CACommonName }},
	pki.FieldCAOrg:      {"Organisation", stepCA, func(a *Answers) string { return a.CAOrganization }},
	pki.FieldPassphrase: {"CA passphrase", stepCA, func(a *Answers) string { return a.Passphrase }},
	pki.FieldFQDN:       {"Host name (FQDN)", stepServer, func(a *Answers) string { return a.FQDN }},
	pki.FieldDNSNames:   {"Other DNS names", stepServer, func(a *Answers) string { return a.DNSNames }},
	pki.FieldIPs: {"Other IP addresses", stepServer, func(a *Answers) string {
		return strings.Join(a.IPs, ",") + "|" + a.ExtraIPs
	}},
	pki.FieldListen:  {"Listen on (HOST:PORT)", stepServer, func(a *Answers) string { return a.Listen }},
	pki.FieldClients: {"Client names", stepClients, func(a *Answers) string { return a.Clients }},
	pki.FieldKeyType: {"Key type", stepKeys, func(a *Answers) string { return a.KeyType }},
	pki.FieldCADays:  {"CA valid for (days)", stepKeys, func(a *Answers) string { return a.CADays }},
	pki.FieldDays:    {"Certificates valid for (days)", stepKeys, func(a *Answers) string { return a.Days }},
	// Given by init's flags only (--trust, --slots), never asked: an error
	// about them stays on the review.
	pki.FieldTrust: {"Trust", stepNotAsked, func(a *Answers) string { return string(a.Trust) }},
	pki.FieldSlots: {"Free slots", stepNotAsked, func(a *Answers) string { return strconv.Itoa(a.Slots) }},
}

// stepNotAsked is the step of a field no screen asks for.
const stepNotAsked stepID = -1
