package setup

import (
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// Detection is what a front end shows before asking anything: how dockerd
// is started, what exists already, and what to warn about.
type Detection struct {
	UnitPath string // "" = docker.service not found
	// NoUnit says why there is no docker.service to configure (Docker
	// absent, a snap, rootless, another init system); nil with one. It is
	// also among the Warnings.
	NoUnit    error
	ExecStart string
	// Loopback is the TLS address that keeps dockerd's current TCP
	// listeners' intent when every one is on loopback (127.0.0.1:2376): the
	// wizard pre-fills it, init uses it when --listen is not given.
	Loopback   string
	DaemonJSON bool // daemon.json exists
	ExistingCA bool
	Warnings   []string
	// Current is the plan the current server certificate was issued from,
	// with the members whose bundles are in order, to pre-fill a re-run;
	// nil without one.
	Current *pki.Plan
	// Trust is how an existing setup trusts its members (nil without a CA,
	// or with force): what the returning admin's menu offers depends on it.
	Trust *TrustState
}

// MemberSide reports a machine to connect from rather than one to set up:
// no docker.service under the root (so there is no daemon docker-tls could
// configure here) and no CA (so it is not the admin's either). It is a
// team member's laptop, and the wizard offers to connect to a Docker host.
func (d *Detection) MemberSide() bool { return d.UnitPath == "" && !d.ExistingCA }

// Detect reads the host. force says that init will replace the CA.
func (h *Host) Detect(force bool) (*Detection, error) {
	det, err := render.Detect(h.fs)
	if err != nil {
		return nil, err
	}
	d := &Detection{
		UnitPath:   det.UnitPath,
		ExecStart:  det.ExecStart,
		Loopback:   loopback(det),
		DaemonJSON: det.DaemonJSONExists,
		ExistingCA: h.HasCA() && !force,
		Warnings:   det.Warnings,
	}
	for _, p := range det.Problems() {
		d.Warnings = append(d.Warnings, p.Error())
	}
	if h.HasCA() && force {
		d.Warnings = append(d.Warnings, "--force: a new CA will replace the existing one (which is backed up); bundles issued by the old CA stop working")
	}
	if det.UnitPath == "" {
		// Said now rather than after every question: nothing can be written
		// without knowing how dockerd is started.
		d.NoUnit = det.NoUnit()
		d.Warnings = append(d.Warnings, d.NoUnit.Error())
	}
	d.Current = h.currentPlan()
	if d.Current != nil {
		// A re-run offers the members whose bundles are in order, so that
		// Enter all the way changes nothing.
		d.Current.Clients = nil
		if rows, err := h.Clients(); err == nil {
			for _, r := range rows {
				if r.Problem == "" {
					d.Current.Clients = append(d.Current.Clients, r.Name)
				}
			}
		}
	}
	if d.ExistingCA {
		if ts, err := h.Trust(); err == nil {
			d.Trust = ts
		} else {
			d.Warnings = append(d.Warnings, err.Error())
		}
	}
	return d, nil
}

// currentPlan reads the names, key type and lifetime of the current server
// certificate, and the subject and lifetime of the CA, as a plan (its
// clients are pki.DefaultPlan's).
func (h *Host) currentPlan() *pki.Plan {
	cert, err := h.serverCert()
	if err != nil {
		return nil
	}
	p := planFromServer(cert)
	if ca := h.currentCA(); ca != nil {
		p.CACommonName = ca.Subject.CommonName
		if len(ca.Subject.Organization) > 0 {
			p.CAOrganization = ca.Subject.Organization[0]
		}
		p.CADays = pki.LifetimeDays(ca)
	}
	return &p
}

// loopback is det's loopback-only listener address on the TLS port, or "".
func loopback(det *render.Detection) string {
	if addr, ok := det.LoopbackListen(); ok {
		return addr
	}
	return ""
}
