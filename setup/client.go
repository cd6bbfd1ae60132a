package setup

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// ClientInput is a team member to onboard.
type ClientInput struct {
	Name    string
	Days    int         // 0: pki.DefaultDays
	KeyType pki.KeyType // "": pki.ECDSAP256
	// Reissue allows a name that was already issued (its old files are
	// backed up); otherwise such a name is refused.
	Reissue bool
}

// Member is an issued client certificate and where its bundle is: what a
// front end needs to tell the admin what to hand over.
type Member struct {
	Name     string
	Serial   string
	NotAfter time.Time
	Dir      string // real path of the bundle directory
	Endpoint string // tcp://FQDN:PORT, where the member connects
	FQDN     string
	// Files is what the member receives, with its metadata (no key when
	// they sent a request: their key never leaves their machine).
	Files *member.Bundle

	// Root is the directory the bundle is under when it is not the host
	// ("/"), for the commands a front end prints.
	Root string
	// Restart: dockerd must restart (with new anchors) before they can
	// connect.
	Restart bool
}

// PrepareClient issues a client certificate and computes its bundle and
// the ledger entry. With per-member trust the certificate comes from the
// member's own anchor: their slot when they are re-issued (renew), else a
// free slot, which dockerd already trusts, so that they get in without a
// restart. When no slot is free, a batch of anchors is added (opening the
// root key) and the next steps say that Docker must restart first.
func (h *Host) PrepareClient(in ClientInput, pass []byte) (*Prepared, error) {
	if in.Days == 0 {
		in.Days = pki.DefaultDays
	}
	if in.KeyType == "" {
		in.KeyType = pki.ECDSAP256
	}
	if err := pki.ValidateClientName(in.Name); err != nil {
		return nil, pki.FieldErrors{{Field: pki.FieldClients, Value: in.Name, Reason: err.Error()}}
	}
	if err := h.lock(); err != nil {
		return nil, err
	}
	if !h.HasCA() {
		return nil, h.noCA()
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return nil, err
	}
	if err := h.nameTakenOtherCase(ledger, in.Name); err != nil {
		return nil, err
	}
	if !in.Reissue && (ledger.Active(in.Name) || h.exists(ClientDir(in.Name)+"/"+member.CertFile)) {
		return nil, hint.With(fmt.Errorf("a client named %q was %w", in.Name, ErrIssued),
			"Pick another name, or re-issue it with --force (the old files are backed up).")
	}
	issue := func(ca *pki.CA) (*pki.Leaf, error) {
		return pki.IssueClient(ca, in.Name, in.Days, in.KeyType, pki.WithNow(h.now))
	}
	issueMember := func(a *pki.Anchor) (*pki.Leaf, error) {
		return pki.IssueMember(a, pass, in.Name, in.Days, in.KeyType, pki.WithNow(h.now))
	}
	return h.prepareMember(in.Name, ledger, pass, issue, issueMember, false)
}

// nameTakenOtherCase refuses a name that differs only in case from an
// active member's or a bundle's on disk: "Alice" and "alice" would be two
// members nobody tells apart (and one directory on a case-insensitive
// file system).
func (h *Host) nameTakenOtherCase(ledger *pki.Ledger, name string) error {
	names := ledger.Members()
	if entries, err := h.fs.ReadDir(ClientsDir); err == nil {
		for _, d := range entries {
			names = append(names, d.Name())
		}
	}
	for _, other := range names {
		if other != name && strings.EqualFold(other, name) {
			return hint.With(fmt.Errorf("%q differs only in case from the member %q: names are unique regardless of case", name, other),
				fmt.Sprintf("Use %q (to re-issue it, with --force), or pick another name.", other))
		}
	}
	return nil
}

// prepareMember issues a member's certificate (client add, renew --client,
// client sign): from the root with CA-wide trust, else under the member's
// anchor, a free one, or the first of a new batch when none is free.
// fromRequest: the certificate is for their request (their key stays with them).
func (h *Host) prepareMember(name string, ledger *pki.Ledger, pass []byte,
	issue func(*pki.CA) (*pki.Leaf, error), issueMember func(*pki.Anchor) (*pki.Leaf, error), fromRequest bool) (*Prepared, error) {
	if !h.memberTrust() {
		ca, err := h.loadCA(pass)
		if err != nil {
			return nil, err
		}
		if ca == nil {
			return nil, h.noCA()
		}
		leaf, err := issue(ca)
		if err != nil {
			return nil, err
		}
		return h.clientPrepared(ca.CertPEM, leaf, ledger, nil, nil, fromRequest)
	}
	if err := h.requireEncryptedCAKey(); err != nil {
		return nil, err
	}
	anchors, err := h.anchors()
	if err != nil {
		return nil, err
	}
	if err := h.trustAgrees(anchors, ledger); err != nil {
		return nil, err
	}
	root := h.currentCA()
	if root == nil {
		return nil, h.noCA()
	}
	if err := pki.CheckNotBefore(root, h.now()); err != nil {
		return nil, notYetValid(fmt.Errorf("load ca: %w", err))
	}
	rootCA := &pki.CA{Cert: root, CertPEM: pki.EncodeCert(root)}
	caPEM, err := h.clientCA(rootCA, ledger.Switch)
	if err != nil {
		return nil, err
	}
	var added []*pki.Anchor
	anchor := anchorBySerial(anchors, ledger.AnchorOf(name))
	if anchor == nil {
		anchor = freeAnchor(anchors, ledger, nil)
	}
	if anchor == nil {
		// No slot left: a batch more, signed by the root.
		ca, err := h.loadCA(pass)
		if err != nil {
			return nil, err
		}
		if ca == nil {
			return nil, h.noCA()
		}
		if added, err = h.addAnchors(ca, ledger, len(anchors), batchSize(len(anchors)), pass); err != nil {
			return nil, err
		}
		anchors = append(anchors, added...)
		anchor = added[0]
	}
	if !issuedByCert(anchor.Cert, root) {
		return nil, hint.Errorf("Make a new CA and its anchors with \"docker-tls init --force\" (members then need new bundles), or restore the CA these anchors belong to.",
			"%s in %s was not signed by the current CA %s", pki.AnchorName(anchor.Slot), AnchorsPath, CACert)
	}
	leaf, err := issueMember(anchor)
	if err != nil {
		return nil, passErr(err, AnchorsPath)
	}
	var trust []render.File
	var outline *TrustOutline
	if len(added) > 0 {
		sw, err := h.switchRoot(rootCA, ledger.Switch)
		if err != nil {
			return nil, err
		}
		trust = trustFiles(anchors, sw)
		outline = &TrustOutline{Full: true, Added: len(added), Anchors: len(anchors)}
	}
	return h.clientPrepared(caPEM, leaf, ledger, trust, outline, fromRequest)
}

// clientPrepared is the bundle of leaf (ca.pem, cert.pem with its anchor,
// key.pem unless it came from a request), the ledger with it, and trust
// files when anchors were added.
func (h *Host) clientPrepared(caPEM []byte, leaf *pki.Leaf, ledger *pki.Ledger, trust []render.File, added *TrustOutline, fromRequest bool) (*Prepared, error) {
	ledger.Add(leaf, h.now())
	files := append(memberFiles(caPEM, leaf), trust...)
	files = append(files, ledgerFile(ledger))
	changes, err := h.build(sortFiles(files), nil)
	if err != nil {
		return nil, err
	}
	mem := h.member(caPEM, leaf)
	m := MemberOutline{Name: leaf.Name, New: true, NotAfter: leaf.Cert.NotAfter, FromRequest: fromRequest}
	if leaf.Anchor != nil {
		m.Slot, m.Trusted = leaf.Anchor.Slot, added == nil
	}
	p := &Prepared{Outline: Outline{Members: []MemberOutline{m}, Trust: added}, Changes: changes, Member: mem, Root: mem.Root}
	if added != nil {
		mem.Restart = true
		p.Restart = RestartAnchors
	}
	return p, nil
}

// memberFiles are the files of a member's bundle, in Docker's own names:
// cert.pem holds the certificate, then its anchor when one issued it; no
// key.pem when the certificate was issued for their request.
func memberFiles(caPEM []byte, l *pki.Leaf) []render.File {
	d := ClientDir(l.Name)
	files := []render.File{
		{Path: d + "/" + member.CAFile, Data: caPEM, Mode: member.ModeCert, DirMode: modeSecret},
		{Path: d + "/" + member.CertFile, Data: l.Chain(), Mode: member.ModeCert, DirMode: modeSecret},
	}
	if l.KeyPEM != nil {
		files = append(files, render.File{Path: d + "/" + member.KeyFile, Data: l.KeyPEM, Mode: member.ModeKey, DirMode: modeSecret})
	}
	return files
}

// memberUpToDate returns a member's certificate when their bundle holds it
// with its anchor, that anchor is one of anchors and signed by root, the
// key matches, and it is not within renewBefore of its end.
func (h *Host) memberUpToDate(root *x509.Certificate, anchors []*pki.Anchor, name string) (*x509.Certificate, bool) {
	certPEM, ok, _ := h.read(ClientDir(name) + "/" + member.CertFile)
	if !ok {
		return nil, false
	}
	keyPEM, ok, _ := h.read(ClientDir(name) + "/" + member.KeyFile)
	if !ok || pki.CheckKeyPair(certPEM, keyPEM) != nil {
		return nil, false
	}
	certs, err := pki.ParseCerts(certPEM)
	if err != nil || len(certs) != 2 || certs[0].Subject.CommonName != name {
		return nil, false
	}
	a := issuerOf(certPEM, anchors)
	if a == nil || !a.Cert.Equal(certs[1]) || !issuedByCert(a.Cert, root) {
		return nil, false
	}
	if h.now().Add(renewBefore).After(certs[0].NotAfter) {
		return nil, false
	}
	return certs[0], true
}

func (h *Host) member(caPEM []byte, leaf *pki.Leaf) *Member {
	return h.memberOf(leaf.Cert, &member.Bundle{CA: caPEM, Cert: leaf.Chain(), Key: leaf.KeyPEM})
}

// memberOf describes the member of cert, whose files are b; it adds the
// metadata that tells "docker-tls connect" where to connect.
func (h *Host) memberOf(cert *x509.Certificate, b *member.Bundle) *Member {
	fqdn, ep := h.Endpoint()
	name := cert.Subject.CommonName
	b.Meta = &member.Meta{Version: 1, Host: ep, ServerNames: h.serverNames(), Name: name, NotAfter: cert.NotAfter.UTC()}
	return &Member{
		Name: name, Serial: printedSerial(cert.SerialNumber.Text(16)), NotAfter: cert.NotAfter,
		Dir: ClientDir(name), Endpoint: ep, FQDN: fqdn, Files: b, Root: h.sandboxRoot(),
	}
}

// serverNames are the DNS names and IPs of the server certificate.
func (h *Host) serverNames() []string {
	b, ok, _ := h.read(ServerCert)
	if !ok {
		return nil
	}
	info, err := pki.Inspect(b)
	if err != nil {
		return nil
	}
	return append(append([]string{}, info.DNSNames...), info.IPs...)
}

// ClientRow is one line of client list.
type ClientRow struct {
	Name     string    `json:"name"`
	Serial   string    `json:"serial"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
	Bundle   string    `json:"bundle"`
	// FromRequest: issued for the member's CSR; their key is on their
	// machine, and the bundle here holds none.
	FromRequest bool `json:"from_request,omitempty"`
	// Slot is the member's anchor slot with per-member trust.
	Slot int `json:"slot,omitempty"`
	// RemovedAt: the member was removed (kept for the record).
	RemovedAt *time.Time `json:"removed_at,omitempty"`
	Problem   string     `json:"problem,omitempty"`
}

// printedSerial is a serial as the ledger keeps it (big.Int.Text(16), which
// drops a leading zero) as people read it: two hex digits a byte, the way
// openssl prints it ("0a1b2c3d", not "a1b2c3d").
func printedSerial(hex string) string {
	if len(hex)%2 == 1 {
		return "0" + hex
	}
	return hex
}

// hasKey: the bundle here can connect (it has the member's key).
func (r ClientRow) hasKey() bool { return !r.FromRequest }

// Clients reads the bundles on disk; the ledger adds those whose files were
// removed (marked "bundle missing") and the members removed (marked
// "removed"), kept for the record.
func (h *Host) Clients() ([]ClientRow, error) {
	v := h.clientView()
	rows := []ClientRow{}
	seen := map[string]bool{}
	entries, err := h.fs.ReadDir(ClientsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, d := range entries {
		if !d.IsDir() {
			continue
		}
		b, ok, err := h.read(ClientDir(d.Name()) + "/" + member.CertFile)
		if err != nil || !ok {
			continue
		}
		rows = append(rows, v.bundleRow(d.Name(), b))
		seen[d.Name()] = true
	}
	for _, en := range v.ledger.Issued {
		if en.Kind != pki.KindClient || seen[en.CommonName] {
			continue
		}
		seen[en.CommonName] = true
		rows = append(rows, v.ledgerRow(en.CommonName))
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows, nil
}

// clientView is what a client row is judged against: the current CA, the
// ledger, the anchors and which of them dockerd's members.pem names.
type clientView struct {
	now       time.Time
	ca        *x509.Certificate
	ledger    *pki.Ledger
	anchors   []*pki.Anchor
	trusted   map[string]bool // raw anchor certificates in members.pem
	perMember bool
}

func (h *Host) clientView() *clientView {
	v := &clientView{now: h.now(), ca: h.currentCA(), trusted: map[string]bool{}, perMember: h.memberTrust()}
	v.ledger, _ = h.ledger(false) // an unreadable ledger is status's to report
	if v.ledger == nil {
		v.ledger = &pki.Ledger{}
	}
	v.anchors, _ = h.anchors()
	if b, ok, _ := h.read(MembersPath); ok {
		if certs, err := pki.ParseCerts(b); err == nil {
			for _, c := range certs {
				v.trusted[string(c.Raw)] = true
			}
		}
	}
	return v
}

// bundleRow is the row of a bundle on disk, with what makes it unusable.
func (v *clientView) bundleRow(name string, certPEM []byte) ClientRow {
	info, err := pki.Inspect(certPEM)
	if err != nil {
		return ClientRow{Name: name, Bundle: ClientDir(name), Problem: "unreadable cert.pem"}
	}
	r := ClientRow{Name: name, Serial: printedSerial(info.Serial), NotAfter: info.NotAfter, DaysLeft: info.DaysLeft(v.now), Bundle: ClientDir(name)}
	if e := v.ledger.Entry(info.Serial); e != nil {
		r.FromRequest = e.FromCSR
	}
	a := issuerOf(certPEM, v.anchors)
	if a != nil {
		r.Slot = a.Slot
	}
	e := v.ledger.Member(name)
	switch {
	case e != nil && e.RemovedAt != nil:
		r.RemovedAt = e.RemovedAt
		r.Problem = "removed " + e.RemovedAt.Format(day)
	case v.ca != nil && !chainsToRoot(certPEM, v.ca):
		// Left over from a CA replaced with --force: dockerd refuses it.
		r.Problem = "not from the current CA"
	case v.perMember && (a == nil || !v.trusted[string(a.Cert.Raw)]):
		r.Problem = "its anchor is not in " + MembersPath
	case r.DaysLeft < 0:
		r.Problem = "expired"
	}
	return r
}

// ledgerRow is the row of a member the ledger knows and whose bundle is
// gone: removed, or missing.
func (v *clientView) ledgerRow(name string) ClientRow {
	last := v.ledger.Member(name)
	r := ClientRow{Name: last.CommonName, Serial: printedSerial(last.Serial), NotAfter: last.NotAfter,
		DaysLeft: int(last.NotAfter.Sub(v.now).Hours() / 24), FromRequest: last.FromCSR, Problem: "bundle missing"}
	if ae := v.ledger.Anchor(last.Anchor); ae != nil {
		r.Slot = ae.Slot
	}
	if last.RemovedAt != nil {
		r.RemovedAt = last.RemovedAt
		r.Problem = "removed " + last.RemovedAt.Format(day)
	}
	return r
}
