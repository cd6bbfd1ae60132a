package setup

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sync"
	"time"

	"github.com/docker-tls/docker-tls/hostfs"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// certCheck is one certificate status checks, with its key, both read.
type certCheck struct {
	kind, name        string
	certPath, keyPath string
	cert, key         readResult
	keyInfo           fs.FileInfo // the key's description, nil when unknown
	dirInfo           fs.FileInfo // a bundle directory's
	info              *pki.Info
	chain             []*x509.Certificate // cert.pem's certificates
}

// certResult is what checking one certificate found, and its row.
type certResult struct {
	findings []Finding
	row      *CertStatus
}

// checkCertificates checks the CA, the server certificate and each
// member's bundle: who issued it, its dates, its key; and lists each in the
// report.
func (st *statusRun) checkCertificates() []Finding {
	var out []Finding
	for _, p := range [][3]string{{"ca", CACert, CAKey}, {"server", ServerCert, ServerKey}} {
		c := &certCheck{kind: p[0], certPath: p[1], keyPath: p[2]}
		c.cert.b, c.cert.ok, c.cert.err = st.read(c.certPath)
		c.key.b, c.key.ok, c.key.err = st.read(c.keyPath)
		if c.kind == "ca" { // the server key's mode is CIS 3.14's
			c.keyInfo, _ = st.h.fs.Lstat(c.keyPath)
		}
		res := st.checkCert(c)
		out = append(out, res.findings...)
		if res.row != nil {
			st.r.Certificates = append(st.r.Certificates, *res.row)
		}
	}
	for _, res := range st.checkClients() {
		out = append(out, res.findings...)
		if res.row != nil {
			st.r.Certificates = append(st.r.Certificates, *res.row)
		}
	}
	return out
}

// checkClients checks every bundle, on every CPU (a signature check each),
// each through its directory opened once; results in name order.
func (st *statusRun) checkClients() []certResult {
	checks := make([]*certCheck, len(st.clientNames))
	results := make([]certResult, len(st.clientNames))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(checks)) {
		wg.Go(func() {
			for i := range next {
				checks[i] = st.readBundle(st.clientNames[i])
				results[i] = st.checkCert(checks[i])
			}
		})
	}
	for i := range checks {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, c := range checks {
		st.files[c.certPath], st.files[c.keyPath] = c.cert, c.key
		st.bundleDirs[st.clientNames[i]] = c.dirInfo
	}
	return results
}

// readBundle reads a member's certificate and key in their directory.
func (st *statusRun) readBundle(name string) *certCheck {
	dir := ClientDir(name)
	c := &certCheck{kind: "client", name: name, certPath: dir + "/" + member.CertFile, keyPath: dir + "/" + member.KeyFile}
	d, err := st.clients.Sub(name)
	if err != nil {
		c.cert = st.h.readResult(c.certPath, nil, err)
		c.dirInfo, _ = st.clients.Lstat(name) // refused, maybe for its mode: checkOwnDirs says which
		return c
	}
	defer d.Close()
	c.dirInfo, _ = d.Stat()
	b, _, err := d.ReadFile(member.CertFile, hostfs.MaxFile)
	c.cert = st.h.readResult(c.certPath, b, err)
	b, c.keyInfo, err = d.ReadFile(member.KeyFile, hostfs.MaxFile) // the description is Lstat's: ReadFile follows no link
	c.key = st.h.readResult(c.keyPath, b, err)
	return c
}

// readResult is what Host.read says of a read of p that gave b, err.
func (h *Host) readResult(p string, b []byte, err error) readResult {
	var ue *hostfs.UnsafeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return readResult{}
	case errors.As(err, &ue):
		return readResult{err: err}
	case err != nil:
		return readResult{err: fmt.Errorf("cannot read %s: %w", h.Path(p), err)}
	}
	return readResult{b: b, ok: true}
}

func (st *statusRun) checkCert(c *certCheck) certResult {
	switch {
	case c.cert.err != nil:
		return certResult{findings: errFindings(c.cert.err)}
	case !c.cert.ok && c.kind == "client":
		return certResult{}
	case !c.cert.ok:
		return certResult{findings: []Finding{msg("%s is missing", c.certPath)}}
	}
	info, err := pki.Inspect(c.cert.b)
	if err != nil {
		return certResult{findings: []Finding{msg("%s: %v", c.certPath, err)}}
	}
	c.info = info
	if c.chain, err = pki.ParseCerts(c.cert.b); err != nil || len(c.chain) == 0 {
		return certResult{findings: []Finding{msg("%s: %v", c.certPath, err)}} // Inspect parsed it: not reached
	}
	if c.name == "" {
		c.name = info.CommonName
	}
	out, removed := st.issuerFindings(c)
	if removed {
		return certResult{findings: out}
	}
	row := &CertStatus{Kind: c.kind, Name: c.name, Path: c.certPath, NotAfter: info.NotAfter, DaysLeft: info.DaysLeft(st.now)}
	notAfter := info.NotAfter
	if c.kind == "server" && st.probe.servedLeaf() != nil {
		notAfter = st.probe.servedLeaf().NotAfter // what members see is what counts
	}
	out = append(out, st.dateFindings(c, notAfter)...)
	return certResult{findings: append(out, st.keyFindings(c)...), row: row}
}

// issuerFindings: the certificate is from the current CA (the server's
// from the root it is meant to chain to, or through the host issuer that
// follows it; a member's through their anchor with per-member trust), and its member was not removed (removed: the
// bundle is only reported, not listed).
func (st *statusRun) issuerFindings(c *certCheck) (out []Finding, removed bool) {
	kind, name, ca := c.kind, c.name, st.ca
	var e *pki.LedgerEntry
	if kind == "client" {
		e = st.ledger.Member(name)
	}
	switch {
	case kind == "server" && st.serverIssuer != nil && !chainsVia(c.chain, st.serverIssuer, st.issued): // directly, or through the host issuer after it
		return []Finding{msg("%s %s (%s) was not issued by the current CA %s: clients will refuse it; %s", kind, name, c.certPath, CACert, renewHint(kind, name))}, false
	case kind == "client" && e != nil && e.RemovedAt != nil:
		return []Finding{msg("%s was removed on %s, but their bundle is still at %s: move it away (mv %s %s/%s.manual)", name, e.RemovedAt.Format(day), ClientDir(name), st.h.Path(ClientDir(name)), st.h.Path(RemovedDir), name)}, true
	case kind == "client" && ca != nil && !chainsVia(c.chain, ca, st.issued):
		return []Finding{msg("%s %s (%s) was not issued by the current CA %s: dockerd will refuse it; %s", kind, name, c.certPath, CACert, renewHint(kind, name))}, false
	case kind == "client" && ca != nil && st.perMember && st.ledger.Switch == nil && st.issued(c.chain[0], ca):
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
	switch {
	case c.key.err != nil:
		return errFindings(c.key.err)
	case !c.key.ok && c.kind == "client" && st.fromCSR(c.info.Serial):
		return nil
	case !c.key.ok:
		return []Finding{msg("%s: the key %s is missing", c.certPath, c.keyPath)}
	}
	var out []Finding
	if c.kind == "ca" {
		if m := caKeyFinding(c.key.b, c.keyPath); m != "" {
			out = append(out, msg("%s", m))
		}
	} else if err := pki.CheckKeyPair(c.cert.b, c.key.b); err != nil {
		out = append(out, msg("%s does not match %s: %v", c.keyPath, c.certPath, err))
	}
	if fi := c.keyInfo; fi != nil && c.kind != "server" && fi.Mode().Perm()&0o077 != 0 {
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

// issued reports whether parent issued c. Each pair's signature is checked
// once per run (every member's certificate names its anchor, which the
// anchors check verified already); and a certificate the ledger records as
// issued, whose issuer name and authority key ID are parent's, is not
// checked again: at 1,000 members the signature checks were most of
// status's time, and the ledger is the CA's own record of what it signed.
// A certificate another key signed (a CA replaced with --force) names
// another key ID, and is checked.
func (st *statusRun) issued(c, parent *x509.Certificate) bool {
	if string(c.RawIssuer) != string(parent.RawSubject) {
		return false
	}
	if len(parent.SubjectKeyId) > 0 && bytes.Equal(c.AuthorityKeyId, parent.SubjectKeyId) && st.recorded(c) {
		return true
	}
	key := string(c.Raw) + "\x00" + string(parent.Raw)
	st.mu.Lock()
	ok, seen := st.verified[key]
	st.mu.Unlock()
	if !seen {
		ok = c.CheckSignatureFrom(parent) == nil
		st.mu.Lock()
		st.verified[key] = ok
		st.mu.Unlock()
	}
	return ok
}

// recorded: the ledger lists c's serial.
func (st *statusRun) recorded(c *x509.Certificate) bool {
	st.serialsOnce.Do(func() {
		st.serials = map[string]bool{}
		for _, e := range st.ledger.Issued {
			st.serials[e.Serial] = true
		}
	})
	return st.serials[c.SerialNumber.Text(16)]
}
