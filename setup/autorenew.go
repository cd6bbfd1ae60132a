package setup

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// RestartPolicy says when renew --auto may restart Docker to load a renewed
// certificate (dockerd reads it only at start).
type RestartPolicy int

const (
	// RestartSafe restarts only when that stops nothing: live-restore on,
	// no swarm.
	RestartSafe RestartPolicy = iota
	RestartNever
	RestartAlways
)

// RestartPolicies are the names --restart takes, in RestartPolicy order.
var RestartPolicies = []string{"safe", "never", "always"}

// ParseRestartPolicy reads a --restart value.
func ParseRestartPolicy(s string) (RestartPolicy, error) {
	for i, n := range RestartPolicies {
		if s == n {
			return RestartPolicy(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not a restart policy: use never, safe or always", s)
}

// AutoInput is renew --auto's: no passphrase, no prompt.
type AutoInput struct {
	// Before renews when fewer than Before days are left; 0: when less
	// than a third of the certificate's life is left.
	Before  int
	Restart RestartPolicy
}

// Pending says why a renewed certificate waits for a restart.
type Pending int

const (
	NotPending     Pending = iota
	PendingPolicy          // --restart never
	PendingStops           // live-restore is off: a restart stops the running containers
	PendingSwarm           // swarm mode: containers stop whatever live-restore says
	PendingUnknown         // the daemon did not answer: what a restart stops is unknown
	PendingSandbox         // files under --root, which this host's Docker does not read
)

// AutoResult is what renew --auto found and did.
type AutoResult struct {
	NotAfter time.Time // the end date of the certificate on disk before the run
	Due      time.Time // when it is due for renewal
	Renewed  bool
	// NewNotAfter is the renewed certificate's end date.
	NewNotAfter time.Time
	Written     *Written
	Restarted   bool
	Pending     Pending
	Running     int // containers a restart would stop (PendingStops)
}

// ErrClockBehind: the certificate starts in the future, so this machine's
// clock is behind; renewing now would make a certificate that is not valid
// yet either.
var ErrClockBehind = errors.New("the server certificate is not valid yet: this machine's clock is behind")

// due is when a certificate is to be renewed: before days ahead of its end,
// or once less than a third of its life is left.
func due(c *x509.Certificate, before int) time.Time {
	if before > 0 {
		return c.NotAfter.AddDate(0, 0, -before)
	}
	return c.NotAfter.Add(-c.NotAfter.Sub(c.NotBefore) / 3)
}

// AutoRenew renews the server certificate through the host issuer when it is
// due (same key type, names and lifetime), then restarts Docker only as in
// allows, probes it and rolls back if it does not come back. With nothing
// due it writes nothing. Two runs at once renew once: the second waits for
// the lock and finds the certificate renewed.
func (h *Host) AutoRenew(ctx context.Context, in AutoInput) (*AutoResult, error) {
	if err := h.lock(); err != nil {
		return nil, err
	}
	cur, err := h.serverCert()
	if err != nil {
		return nil, err
	}
	now := h.now()
	res := &AutoResult{NotAfter: cur.NotAfter, Due: due(cur, in.Before)}
	if now.Before(cur.NotBefore) {
		return res, hint.With(fmt.Errorf("%w (it starts %s, the clock says %s)", ErrClockBehind, cur.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)),
			"Set the clock right (timedatectl; chrony or systemd-timesyncd keep it right); nothing was renewed.")
	}
	if now.Before(res.Due) {
		return res, nil
	}
	if err := h.autoIssue(cur, res); err != nil {
		return res, err
	}
	return res, h.autoRestart(ctx, in.Restart, res)
}

// autoIssue signs a new server certificate with the host issuer and writes
// it through the safe write (journal, backups, record for apply).
func (h *Host) autoIssue(cur *x509.Certificate, res *AutoResult) error {
	rootPEM, ok, err := h.read(CACert)
	if err != nil {
		return err
	}
	if !ok {
		return h.noCA()
	}
	root, err := pki.ParseCert(rootPEM)
	if err != nil {
		return fmt.Errorf("%s: %w", h.Path(CACert), err)
	}
	if !pki.CanSignAnchors(root) {
		return hint.With(fmt.Errorf("the CA %s was made with pathlen:0: it cannot sign a host issuer, so renewing needs the CA passphrase", h.Path(CACert)),
			"Renew by hand (\"docker-tls renew\"), or give the setup a new root that can (\"docker-tls init --trust member --new-root\"); then --auto works.")
	}
	hi, err := h.hostIssuer(root)
	if err != nil {
		return err
	}
	if hi == nil {
		return hint.With(fmt.Errorf("%w (%s)", ErrNoHostIssuer, h.Path(HostIssuerCert)), renewWithPassphrase)
	}
	plan := planFromServer(cur)
	if !hi.Covers(plan) {
		return hint.With(fmt.Errorf("the host issuer %s does not name exactly the server certificate's names", h.Path(HostIssuerCert)), renewWithPassphrase)
	}
	leaf, err := pki.IssueServerFrom(hi, plan, pki.WithNow(h.now))
	if err != nil {
		return err
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return err
	}
	ledger.Add(leaf, h.now())
	changes, err := h.build(append(serverFiles(leaf), ledgerFile(ledger), h.lastRenewFile()), nil)
	if err != nil {
		return err
	}
	w, err := h.Write(&Prepared{Changes: changes, Restart: RestartServer, Root: h.sandboxRoot()}, nil)
	if err != nil {
		return err
	}
	res.Renewed, res.NewNotAfter, res.Written = true, leaf.Cert.NotAfter, w
	return nil
}

// autoRestart loads the renewed certificate when policy allows; otherwise
// the restart stays pending, for the next apply or planned restart.
func (h *Host) autoRestart(ctx context.Context, policy RestartPolicy, res *AutoResult) error {
	if h.CanApply() != nil {
		res.Pending = PendingSandbox
		return nil
	}
	if policy == RestartNever {
		res.Pending = PendingPolicy
		return nil
	}
	if policy == RestartSafe {
		impact := h.CheckRestart(ctx)
		switch {
		case !impact.Reached:
			res.Pending = PendingUnknown
		case impact.Swarm:
			res.Pending = PendingSwarm
		case !impact.LiveRestore:
			// Even with no container running now: one may start before
			// the restart, and the admin chose not to keep them over one.
			res.Pending, res.Running = PendingStops, impact.Running
		}
		if res.Pending != NotPending {
			return nil
		}
	}
	if _, err := h.Apply(ctx); err != nil {
		return err
	}
	res.Restarted = true
	return nil
}

// lastRenewFile records this renewal's time (LastRenewPath), written with
// the certificate: docker_tls_renew_last_success_timestamp_seconds.
func (h *Host) lastRenewFile() render.File {
	return render.File{Path: LastRenewPath, Data: []byte(h.now().UTC().Format(time.RFC3339) + "\n"), Mode: 0o644, DirMode: modePublic}
}
