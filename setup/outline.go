package setup

import (
	"time"

	"github.com/docker-tls/docker-tls/pki"
)

// Outline is what a prepared operation does, as data: which certificates
// are new or kept, how dockerd trusts members, who is removed. The front
// ends word it (internal/say), so that the engine holds no display text.
type Outline struct {
	CA      *CAOutline
	Server  *ServerOutline
	Members []MemberOutline
	Listen  string // init: the TLS address dockerd listens on
	Trust   *TrustOutline
	Timer   *TimerOutline // init: the renewal timer installed
}

// CAOutline is the CA an init signs with.
type CAOutline struct {
	Name     string
	KeyType  pki.KeyType
	NotAfter time.Time
	New      bool
	// Kept: an existing CA, while the plan asked for another name,
	// organisation or lifetime (those apply to a new CA only).
	Kept bool
	// Replaces is the root a switch to per-member trust replaces (made
	// with pathlen:0, it cannot sign anchors); it stays trusted and signs
	// the server certificate until the switch is finalized.
	Replaces string
}

// ServerOutline is the server certificate.
type ServerOutline struct {
	FQDN     string
	Change   Change
	KeyType  pki.KeyType
	Days     int
	NotAfter time.Time
	// DNS and IPs are the names the certificate carries (init); Removed*
	// are in the current certificate and not in the plan.
	DNS, IPs               []string
	RemovedDNS, RemovedIPs []string
	// Root: renewed from this new root (a finalized switch).
	Root string
}

// Change is what happens to a certificate.
type Change int

const (
	Unchanged Change = iota // already valid: kept
	Issued                  // new
	Renewed                 // replaced by a new one (the old files are backed up)
)

// MemberOutline is one member's certificate.
type MemberOutline struct {
	Name        string
	New         bool // issued now; else already issued and kept
	NotAfter    time.Time
	FromRequest bool // issued for their request: their key stays with them
	Slot        int  // the anchor it is issued under; 0 with CA-wide trust
	// Trusted: per-member trust, and dockerd already trusts the anchor.
	Trusted bool
}

// TrustOutline is how dockerd trusts members after the operation.
type TrustOutline struct {
	New     bool // a new setup with per-member trust
	Anchors int  // in members.pem, in all
	Members int
	Free    int // anchors no member holds
	// Added anchors this run made on an existing setup: dockerd trusts
	// them once restarted. Full: a client add found no free slot.
	Added int
	Full  bool
	// Switching: init starts a switch to per-member trust (every member
	// gets a new bundle; the old root stays trusted until finalized).
	Switching bool
	// Finalized: trust finalize, the old root is no longer trusted as a
	// whole; NewRootOnly: bundles' ca.pem is the new root alone.
	Finalized   bool
	NewRootOnly bool
}

// Restart is what waits for Docker to restart after an operation is
// written, so that the front ends say how (and the wizard, having just
// applied, can leave it out).
type Restart int

const (
	NoRestart       Restart = iota
	RestartConfig           // init: Docker runs with the new configuration once restarted
	RestartServer           // renew: Docker loads the new server certificate
	RestartRemoval          // remove: the member still gets in until then
	RestartAnchors          // new anchors: a member can connect only then
	RestartFinalize         // trust finalize: old bundles are refused from then on
)
