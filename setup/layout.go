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
	// RemovedDir keeps the bundles of removed members, for the record.
	RemovedDir = CADir + "/removed"
	LedgerPath = CADir + "/issued.json"
	ClientsDir = TLSDir + "/clients"
	// LastRunPath records what the last run wrote and backed up, so that a
	// later apply can roll it back if Docker does not come back.
	LastRunPath = TLSDir + "/last-run.json"
)

// The files of a client bundle, in Docker's own names.
const (
	BundleCA   = "ca.pem"
	BundleCert = "cert.pem"
	BundleKey  = "key.pem"
)

// ClientDir is the bundle directory of a team member.
func ClientDir(name string) string { return path.Join(ClientsDir, name) }

// File modes say what is secret: keys 0600 (dockerd reads them as root),
// certificates 0644, the CA directory and the bundles 0700.
const (
	modeCert   os.FileMode = 0o644
	modeKey    os.FileMode = 0o600
	modePublic os.FileMode = 0o755
	modeSecret os.FileMode = 0o700
)
