package setup

import (
	"time"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// certCheck is one certificate status checks, with its key.
type certCheck struct {
	kind, name        string
	certPath, keyPath string
	cert              []byte
	info              *pki.Info
}

// checkCertificates checks the CA, the server certificate and each
// member's bundle: who issued it, its dates, its key; and lists each in the
// report.
func (st *statusRun) checkCertificates() []Finding {
	out := st.checkCert(&certCheck{kind: "ca", certPath: CACert, keyPath: CAKey})
	out = append(out, st.checkCert(&certCheck{kind: "server", certPath: ServerCert, keyPath: ServerKey})...)
	for _, n := range st.clientNames {
		c := &certCheck{kind: "client", name: n, certPath: ClientDir(n) + "/" + member.CertFile, keyPath: ClientDir(n) + "/" + member.KeyFile}
		out = append(out, st.checkCert(c)...)
	}
	return out
}

func (st *statusRun) checkCert(c *certCheck) []Finding {
	b, ok, err := st.read(c.certPath)
	switch {
	case err != nil:
		return errFindings(err)
	case !ok && c.kind == "client":
		return nil
	case !ok:
		return []Finding{msg("%s is missing", c.certPath)}
	}
	info, err := pki.Inspect(b)
	if err != nil {
		return []Finding{msg("%s: %v", c.certPath, err)}
	}
	c.cert, c.info = b, info
	if c.name == "" {
		c.name = info.CommonName
	}
	out, removed := st.issuerFindings(c)
	if removed {
		return out
	}
	notAfter := info.NotAfter
	st.r.Certificates = append(st.r.Certificates, CertStatus{Kind: c.kind, Name: c.name, Path: c.certPath, NotAfter: notAfter, DaysLeft: info.DaysLeft(st.now)})
	if c.kind == "server" && st.probe.servedLeaf() != nil {
		notAfter = st.probe.servedLeaf().NotAfter // what members see is what counts
	}
	out = append(out, st.dateFindings(c, notAfter)...)
	return append(out, st.keyFindings(c)...)
}

// issuerFindings: the certificate is from the current CA (the server's
// from the root it is meant to chain to, a member's through their anchor
// with per-member trust), and its member was not removed (removed: the
// bundle is only reported, not listed).
func (st *statusRun) issuerFindings(c *certCheck) (out []Finding, removed bool) {
	kind, name, b, ca := c.kind, c.name, c.cert, st.ca
	e := st.ledger.Member(name)
	switch {
	case kind == "server" && st.serverIssuer != nil && !issuedBy(b, st.serverIssuer):
		return []Finding{msg("%s %s (%s) was not issued by the current CA %s: clients will refuse it; %s", kind, name, c.certPath, CACert, renewHint(kind, name))}, false
	case kind == "client" && e != nil && e.RemovedAt != nil:
		return []Finding{msg("%s was removed on %s, but their bundle is still at %s: move it away (mv %s %s/%s.manual)", name, e.RemovedAt.Format(day), ClientDir(name), st.h.Path(ClientDir(name)), st.h.Path(RemovedDir), name)}, true
	case kind == "client" && ca != nil && !chainsToRoot(b, ca):
		return []Finding{msg("%s %s (%s) was not issued by the current CA %s: dockerd will refuse it; %s", kind, name, c.certPath, CACert, renewHint(kind, name))}, false
	case kind == "client" && ca != nil && st.perMember && st.ledger.Switch == nil && issuedBy(b, ca):
		return []Finding{msg("%s %s (%s) was signed by the root itself, not by a member anchor: dockerd trusts only the anchors and will refuse it; %s", kind, name, c.certPath, renewHint(kind, name))}, false
	}
	return nil, false
}

// dateFindings: the certificate is valid now, and for longer than the
// warning days.
func (st *statusRun) dateFindings(c *certCheck, notAfter time.Time) []Finding {
	kind, name := c.kind, c.name
	left := (&pki.Info{NotAfter: notAfter}).DaysLeft(st.now)
	switch {
	case st.now.Before(c.info.NotBefore):
		return []Finding{msg("%s %s is not valid until %s: it is refused until then; check this host's clock (timedatectl)", kind, name, c.info.NotBefore.UTC().Format("2006-01-02 15:04 UTC"))}
	case left < 0:
		return []Finding{msg("%s %s expired on %s: %s", kind, name, notAfter.Format(day), renewHint(kind, name))}
	case left <= st.in.WarnDays:
		return []Finding{msg("%s %s expires in %d days (%s): %s", kind, name, left, notAfter.Format(day), renewHint(kind, name))}
	}
	return nil
}

// keyFindings: the key is there (but for a member who sent a request: it
// is theirs), matches, is encrypted (the CA's), and no other user reads it.
// The server key's mode is CIS 3.14's (see cisFindings).
func (st *statusRun) keyFindings(c *certCheck) []Finding {
	kb, ok, err := st.read(c.keyPath)
	switch {
	case err != nil:
		return errFindings(err)
	case !ok && c.kind == "client" && st.fromCSR(c.info.Serial):
		return nil
	case !ok:
		return []Finding{msg("%s: the key %s is missing", c.certPath, c.keyPath)}
	}
	var out []Finding
	if c.kind == "ca" {
		if m := caKeyFinding(kb, c.keyPath); m != "" {
			out = append(out, msg("%s", m))
		}
	} else if err := pki.CheckKeyPair(c.cert, kb); err != nil {
		out = append(out, msg("%s does not match %s: %v", c.keyPath, c.certPath, err))
	}
	if fi, err := st.h.fs.Lstat(c.keyPath); err == nil && c.kind != "server" && fi.Mode().Perm()&0o077 != 0 {
		want := member.ModeKey
		if c.kind == "ca" {
			want = modeKey
		}
		out = append(out, msg("%s has mode %04o: other users can read it; chmod %o %s", c.keyPath, fi.Mode().Perm(), want, st.h.Path(c.keyPath)))
	}
	return out
}

// fromCSR: the certificate was issued for a member's request.
func (st *statusRun) fromCSR(serial string) bool {
	if st.ledgerErr != nil {
		return false
	}
	e := st.ledger.Entry(serial)
	return e != nil && e.FromCSR
}
