package pki

import (
	"crypto/x509"
	"math"
	"slices"
)

// ServerDiff is how an issued server certificate differs from a Plan: what a
// re-issue would add and drop, and whether its key type or lifetime changes.
type ServerDiff struct {
	CommonName               bool // the FQDN changes
	AddedDNS, RemovedDNS     []string
	AddedIPs, RemovedIPs     []string
	KeyType, Lifetime        bool
	OldKeyType               string
	OldLifetime, NewLifetime int
}

// Same reports that the certificate already is what the plan asks for.
func (d ServerDiff) Same() bool {
	return !d.CommonName && len(d.AddedDNS)+len(d.RemovedDNS)+len(d.AddedIPs)+len(d.RemovedIPs) == 0 && !d.KeyType && !d.Lifetime
}

// CompareServer compares cert with the server certificate plan describes.
// Call plan.Validate first.
func CompareServer(cert *x509.Certificate, plan Plan) ServerDiff {
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	d := ServerDiff{
		CommonName:  cert.Subject.CommonName != plan.FQDN,
		AddedDNS:    missing(plan.SANs(), cert.DNSNames),
		RemovedDNS:  missing(cert.DNSNames, plan.SANs()),
		AddedIPs:    missing(plan.IPs, ips),
		RemovedIPs:  missing(ips, plan.IPs),
		OldKeyType:  KeyTypeOf(cert.PublicKey),
		OldLifetime: LifetimeDays(cert),
		NewLifetime: plan.Days,
	}
	d.KeyType = d.OldKeyType != string(plan.KeyType)
	d.Lifetime = d.OldLifetime != plan.Days
	return d
}

// LifetimeDays is the validity a certificate was issued with, in whole days
// (NotBefore is backdated a few minutes for clock skew).
func LifetimeDays(cert *x509.Certificate) int {
	return int(math.Round(cert.NotAfter.Sub(cert.NotBefore).Hours() / 24))
}

// missing returns the items of want that have is lacks, in want's order.
func missing(want, have []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}
