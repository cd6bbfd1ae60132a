package setup

import (
	"os"
	"path"
)

// The files docker-tls manages, by real path: the paths written into
// daemon.json and shown to the user. On disk they live under the Host's root.
// The names are those of Docker's documentation; a client bundle uses
// ca.pem, cert.pem and key.pem because DOCKER_CERT_PATH and ~/.docker
// expect them.
const (
	TLSDir = "/etc/docker/tls"
	// ServerCA is the root clients verify the server with (every bundle's
	// ca.pem is a copy), and dockerd's tlscacert with CA-wide trust.
	ServerCA = TLSDir + "/ca.pem"
	// MembersPath is dockerd's tlscacert with per-member trust: the member
	// anchors, never the root (during a switch from CA-wide trust, the old
	// root too, until "trust finalize").
	MembersPath = TLSDir + "/members.pem"
	ServerCert  = TLSDir + "/server-cert.pem"
	ServerKey   = TLSDir + "/server-key.pem"
	CADir       = TLSDir + "/ca"
	CACert      = CADir + "/ca.pem"
	CAKey       = CADir + "/ca-key.pem"
	// AnchorsPath holds each member anchor's certificate and its key,
	// encrypted like the CA key.
	AnchorsPath = CADir + "/anchors.pem"
	// PrevCACert is the root a switch replaced because it could not sign
	// anchors (pathlen:0): still trusted by dockerd, and by clients for the
	// server certificate, until the switch is finalized.
	PrevCACert = CADir + "/previous-ca.pem"
	// HostIssuerCert is this host's server issuer: signed by the root,
	// serverAuth only, pathlen:0, name-constrained to the host's names and
	// IPs. Its key is not encrypted (renew --auto signs with it, no
	// passphrase), root's alone: it can sign nothing the server key does
	// not already serve (DESIGN.md "Day 2").
	HostIssuerCert = CADir + "/host-issuer.pem"
	HostIssuerKey  = CADir + "/host-issuer-key.pem"
	// RemovedDir keeps the bundles of removed members, for the record.
	RemovedDir = CADir + "/removed"
	LedgerPath = CADir + "/issued.json"
	ClientsDir = TLSDir + "/clients"
	// LastRunPath records what the last run wrote and backed up, so that a
	// later apply can roll it back if Docker does not come back.
	LastRunPath = TLSDir + "/last-run.json"
)

// ClientDir is the bundle directory of a team member.
func ClientDir(name string) string { return path.Join(ClientsDir, name) }

// File modes say what is secret and who may change it. What dockerd reads
// (tlscacert, tlscert, tlskey) and the CA side's copies are read-only, as
// the CIS Docker Benchmark asks of the first three (3.10 and 3.12:
// certificates 0444 or stricter; 3.14: the server key 0400); root replaces
// them whole, never in place. A member's bundle is theirs to copy and edit
// once handed over: certificates 0644, key 0600. The CA directory and the
// bundles are 0700.
const (
	modeCert   os.FileMode = 0o444 // ca.pem, members.pem, server-cert.pem, ca/ca.pem, ca/previous-ca.pem
	modeKey    os.FileMode = 0o400 // server-key.pem, ca/ca-key.pem, ca/anchors.pem (the anchors' keys)
	modeLedger os.FileMode = 0o644 // ca/issued.json, rewritten by every issue
	modePublic os.FileMode = 0o755
	modeSecret os.FileMode = 0o700
)

// fixedModes are the files of the layout whose mode is fixed, with the mode
// of the directory each lives in: a re-run of init gives any of them that
// exists with another mode (a setup made by an earlier docker-tls, which
// wrote certificates 0644 and keys 0600, or a chmod by hand) its mode back,
// contents unchanged.
var fixedModes = []struct {
	path      string
	mode, dir os.FileMode
}{
	{ServerCA, modeCert, modePublic},
	{MembersPath, modeCert, modePublic},
	{ServerCert, modeCert, modePublic},
	{ServerKey, modeKey, modePublic},
	{CACert, modeCert, modeSecret},
	{CAKey, modeKey, modeSecret},
	{AnchorsPath, modeKey, modeSecret},
	{PrevCACert, modeCert, modeSecret},
	{HostIssuerCert, modeCert, modeSecret},
	{HostIssuerKey, modeKey, modeSecret},
}
