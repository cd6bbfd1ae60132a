package setup

import (
	"cmp"
	"crypto/x509"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// checkTrust checks per-member trust: dockerd's tlscacert is members.pem;
// every certificate in it is an anchor docker-tls made and the ledger knows
// (or, during a switch, the root still trusted); removed members' anchors
// are gone; every member's anchor is there. It sets the report's Trust.
func (st *statusRun) checkTrust() []Finding {
	if st.ca == nil {
		return nil
	}
	// As Host.Trust: an unreadable anchors file or ledger says only that.
	if err := cmp.Or(st.anchorsErr, st.ledgerErr); err != nil {
		return errFindings(err)
	}
	ts := trustOf(st.ca, st.anchors, st.ledger, st.perMember)
	st.r.Trust = ts
	if ts.Mode == pki.TrustCA {
		if st.cfg != nil && st.cfg.TLSCACert == MembersPath {
			return []Finding{msg("%s's tlscacert is %s, but there are no member anchors (%s is missing): dockerd trusts nothing it can check; run \"docker-tls init\"", render.DaemonJSONPath, MembersPath, AnchorsPath)}
		}
		return nil
	}
	var out []Finding
	if st.cfg != nil && st.cfg.TLSCACert != "" && st.cfg.TLSCACert != MembersPath {
		out = append(out, msg("%s's tlscacert is %s, not %s: dockerd trusts more than the members' anchors, and a removed member may still get in; run \"docker-tls init\"", render.DaemonJSONPath, st.cfg.TLSCACert, MembersPath))
	}
	out = append(out, st.anchorFindings()...)
	return append(out, st.membersFileFindings()...)
}

// anchorFindings judges the anchors file: how many, who signed each, what
// the ledger says of it, how its key is encrypted, the file's mode.
func (st *statusRun) anchorFindings() []Finding {
	var out []Finding
	if len(st.anchors) > pki.MaxAnchors {
		out = append(out, msg("%s holds %d anchors, more than %d: each TLS handshake names them all, and too many break it", AnchorsPath, len(st.anchors), pki.MaxAnchors))
	}
	for _, a := range st.anchors {
		e := st.ledger.Anchor(a.Serial())
		switch {
		case !st.issued(a.Cert, st.ca):
			out = append(out, msg("%s (%s) was not signed by the current CA %s: members under it cannot verify; run \"docker-tls init\"", pki.AnchorName(a.Slot), AnchorsPath, CACert))
		case e == nil:
			out = append(out, msg("%s in %s is not in the ledger %s: docker-tls did not make it", pki.AnchorName(a.Slot), AnchorsPath, LedgerPath))
		case e.RemovedAt != nil:
			out = append(out, msg("%s in %s belongs to a member removed on %s: run \"docker-tls init\" to drop it", pki.AnchorName(a.Slot), AnchorsPath, e.RemovedAt.Format(day)))
		}
	}
	for _, a := range st.anchors {
		if m := caKeyFinding(a.KeyPEM, AnchorsPath); m != "" {
			out = append(out, msg("%s", strings.Replace(m, "the CA key "+AnchorsPath, "the key of "+pki.AnchorName(a.Slot)+" in "+AnchorsPath, 1)))
		}
	}
	if fi, err := st.h.fs.Lstat(AnchorsPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
		out = append(out, msg("%s has mode %04o: other users can read the anchors' keys; chmod %o %s", AnchorsPath, fi.Mode().Perm(), modeKey, st.h.Path(AnchorsPath)))
	}
	return out
}

// membersFile is members.pem, parsed; not ok with the finding that says
// why.
func (st *statusRun) membersFile() (certs []*x509.Certificate, ok bool, out []Finding) {
	b, ok, err := st.read(MembersPath)
	switch {
	case err != nil:
		return nil, false, errFindings(err)
	case !ok:
		return nil, false, []Finding{msg("%s is missing: dockerd cannot check any member; run \"docker-tls init\"", MembersPath)}
	}
	if certs, err = pki.ParseCerts(b); err != nil {
		return nil, false, []Finding{msg("%s: %v", MembersPath, err)}
	}
	return certs, true, nil
}

// membersFileFindings compares members.pem, what dockerd trusts, with the
// anchors and the ledger: nothing more (a removed member's anchor, the
// root, a certificate added by hand), nothing less (a member's anchor).
func (st *statusRun) membersFileFindings() []Finding {
	certs, ok, out := st.membersFile()
	if !ok {
		return out
	}
	known := map[string]bool{}
	for _, a := range st.anchors {
		known[string(a.Cert.Raw)] = true
	}
	var switchRoot *x509.Certificate
	if st.ledger.Switch != nil {
		if sr, err := st.switchRoot(); err == nil {
			switchRoot, _ = pki.ParseCert(sr)
		}
	}
	listed := map[string]bool{}
	for _, c := range certs {
		listed[string(c.Raw)] = true
		if known[string(c.Raw)] || switchRoot != nil && c.Equal(switchRoot) {
			continue
		}
		out = append(out, st.strangerFinding(c))
	}
	return append(out, st.unlistedFindings(listed)...)
}

// strangerFinding says what a certificate in members.pem that is no anchor
// of the anchors file is.
func (st *statusRun) strangerFinding(c *x509.Certificate) Finding {
	serial := c.SerialNumber.Text(16)
	if e := st.ledger.Anchor(serial); e != nil && e.RemovedAt != nil {
		return msg("%s still holds %s, whose member was removed on %s: they get in again at the next restart; run \"docker-tls init\" to rewrite it", MembersPath, c.Subject.CommonName, e.RemovedAt.Format(day))
	}
	if c.Equal(st.ca) {
		return msg("%s holds the root CA itself: dockerd trusts every certificate it signed, removed members included; run \"docker-tls init\" to rewrite it (or \"docker-tls trust finalize\")", MembersPath)
	}
	return msg("%s holds a certificate docker-tls did not make (%s, serial %s): someone added trust by hand, and everyone it signed gets in; remove it, or rewrite the file with \"docker-tls init\"", MembersPath, c.Subject, serial)
}

// unlistedFindings: each anchor is in members.pem (listed), and each
// member's anchor in the anchors file.
func (st *statusRun) unlistedFindings(listed map[string]bool) []Finding {
	var out []Finding
	members := st.ledger.Members()
	owner := map[string]string{} // anchor serial -> member
	for _, m := range members {
		if s := st.ledger.AnchorOf(m); s != "" {
			owner[s] = m
		}
	}
	for _, a := range st.anchors {
		if !listed[string(a.Cert.Raw)] {
			who := "a free slot"
			if m, ok := owner[a.Serial()]; ok {
				who = m + "'s"
			}
			out = append(out, msg("%s (%s) is not in %s: dockerd will not let its member in; run \"docker-tls init\" to rewrite it", pki.AnchorName(a.Slot), who, MembersPath))
		}
	}
	have := map[string]bool{}
	for _, a := range st.anchors {
		have[a.Serial()] = true
	}
	for _, m := range members {
		if s := st.ledger.AnchorOf(m); s != "" && !have[s] {
			out = append(out, msg("%s's anchor is missing from %s: they cannot get in; re-issue with \"docker-tls renew --client %s\"", m, AnchorsPath, m))
		}
	}
	return out
}
