package setup

import (
	"cmp"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

	archiveCmd string // packs the bundle, as printed in Handover
	restart    []Step // when dockerd must restart before they can connect
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
	return h.prepareMember(in.Name, ledger, pass, issue, issueMember, "")
}

// prepareMember issues a member's certificate (client add, renew --client,
// client sign): from the root with CA-wide trust, else under the member's
// anchor, a free one, or the first of a new batch when none is free.
// note, when not "", says where the key is ("from their request").
func (h *Host) prepareMember(name string, ledger *pki.Ledger, pass []byte,
	issue func(*pki.CA) (*pki.Leaf, error), issueMember func(*pki.Anchor) (*pki.Leaf, error), note string) (*Prepared, error) {
	newLine := func(leaf *pki.Leaf) string {
		if note != "" {
			return fmt.Sprintf("Client    %s: new, %s, until %s", name, note, leaf.Cert.NotAfter.Format(day))
		}
		return fmt.Sprintf("Client    %s: new, until %s", name, leaf.Cert.NotAfter.Format(day))
	}
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
		return h.clientPrepared(ca.CertPEM, leaf, ledger, nil, 0, newLine(leaf))
	}
	if err := h.requireEncryptedCAKey(); err != nil {
		return nil, err
	}
	anchors, err := h.anchors()
	if err != nil {
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
	line := newLine(leaf) + ", under " + pki.AnchorName(anchor.Slot)
	var trust []render.File
	if len(added) > 0 {
		sw, err := h.switchRoot(rootCA, ledger.Switch)
		if err != nil {
			return nil, err
		}
		trust = trustFiles(anchors, sw)
		line += fmt.Sprintf("\nTrust     no free slot was left: %d new anchors (%d in all), which dockerd trusts once restarted", len(added), len(anchors))
	} else {
		line += " (dockerd already trusts it: no restart)"
	}
	return h.clientPrepared(caPEM, leaf, ledger, trust, len(added), strings.Split(line, "\n")...)
}

// clientPrepared is the bundle of leaf (ca.pem, cert.pem with its anchor,
// key.pem unless it came from a request), the ledger with it, and trust
// files when anchors were added.
func (h *Host) clientPrepared(caPEM []byte, leaf *pki.Leaf, ledger *pki.Ledger, trust []render.File, added int, summary ...string) (*Prepared, error) {
	ledger.Add(leaf, h.now())
	files := append(memberFiles(caPEM, leaf), trust...)
	files = append(files, ledgerFile(ledger))
	changes, err := h.build(sortFiles(files), nil)
	if err != nil {
		return nil, err
	}
	mem := h.member(caPEM, leaf)
	if added > 0 {
		mem.restart = h.restartSteps(fmt.Sprintf("%s can connect once Docker restarts with the new anchors.", leaf.Name))
	}
	return &Prepared{Summary: summary, Changes: changes, Member: mem, NextSteps: mem.Handover("")}, nil
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
		Name: name, Serial: cert.SerialNumber.Text(16), NotAfter: cert.NotAfter,
		Dir: ClientDir(name), Endpoint: ep, FQDN: fqdn, Files: b, archiveCmd: h.archiveCommand(name),
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

// Handover is what to tell a new member, given the archive made for them
// ("" when there is none yet): one file to send, and one command on their
// machine that checks it, installs it and makes a docker context.
func (m *Member) Handover(archive string) []Step {
	private := "over a private channel (it holds their private key)"
	if m.Files != nil && m.Files.Key == nil {
		private = "(it holds no private key: theirs stayed on their machine)"
	}
	local := "$HOME/.docker/tls/" + m.FQDN
	done := "It checks the bundle, installs it and makes the docker context " + m.FQDN + ". "
	manual := contextCommands(m.FQDN, m.Endpoint, local)
	var steps []Step
	if archive == "" {
		archive = m.Name + ".tar.gz"
		steps = append(steps, Step{Text: fmt.Sprintf("Pack %s's bundle (%s) into one file:", m.Name, m.Dir),
			Commands: []string{cmp.Or(m.archiveCmd, fmt.Sprintf("docker-tls client archive %s %s", m.Name, archive))}})
		done += "Without docker-tls, they put ca.pem, cert.pem and key.pem in " + local + " and run:"
	} else {
		done += "Without docker-tls, by hand:"
		manual = append([]string{fmt.Sprintf("mkdir -p %s && tar -xzf %s -C %s", local, filepath.Base(archive), local)}, manual...)
	}
	base := filepath.Base(archive)
	steps = append(slices.Clone(m.restart), steps...)
	return append(steps,
		Step{Text: fmt.Sprintf("Send %s %s %s; on their machine they run:", m.Name, base, private),
			Commands: []string{"docker-tls connect " + base}},
		Step{Text: done, Commands: manual})
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

// hasKey: the bundle here can connect (it has the member's key).
func (r ClientRow) hasKey() bool { return !r.FromRequest }

// Clients reads the bundles on disk; the ledger adds those whose files were
// removed (marked "bundle missing") and the members removed (marked
// "removed"), kept for the record.
func (h *Host) Clients() ([]ClientRow, error) {
	now := h.now()
	rows := []ClientRow{}
	seen := map[string]bool{}
	ca := h.currentCA()
	ledger, _ := h.ledger(false) // an unreadable ledger is status's to report
	if ledger == nil {
		ledger = &pki.Ledger{}
	}
	anchors, _ := h.anchors()
	trusted := map[string]bool{} // anchors dockerd's members.pem names
	if b, ok, _ := h.read(MembersPath); ok {
		if certs, err := pki.ParseCerts(b); err == nil {
			for _, c := range certs {
				trusted[string(c.Raw)] = true
			}
		}
	}
	perMember := h.memberTrust()
	entries, err := os.ReadDir(h.Path(ClientsDir))
	if err != nil && !os.IsNotExist(err) {
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
		info, err := pki.Inspect(b)
		if err != nil {
			rows = append(rows, ClientRow{Name: d.Name(), Bundle: ClientDir(d.Name()), Problem: "unreadable cert.pem"})
			continue
		}
		r := ClientRow{Name: d.Name(), Serial: info.Serial, NotAfter: info.NotAfter, DaysLeft: info.DaysLeft(now), Bundle: ClientDir(d.Name())}
		if e := ledger.Entry(info.Serial); e != nil {
			r.FromRequest = e.FromCSR
		}
		a := issuerOf(b, anchors)
		if a != nil {
			r.Slot = a.Slot
		}
		e := ledger.Member(d.Name())
		switch {
		case e != nil && e.RemovedAt != nil:
			r.RemovedAt = e.RemovedAt
			r.Problem = "removed " + e.RemovedAt.Format(day)
		case ca != nil && !chainsToRoot(b, ca):
			// Left over from a CA replaced with --force: dockerd refuses it.
			r.Problem = "not from the current CA"
		case perMember && (a == nil || !trusted[string(a.Cert.Raw)]):
			r.Problem = "its anchor is not in " + MembersPath
		case r.DaysLeft < 0:
			r.Problem = "expired"
		}
		rows = append(rows, r)
		seen[d.Name()] = true
	}
	for _, en := range ledger.Issued {
		if en.Kind != pki.KindClient || seen[en.CommonName] {
			continue
		}
		seen[en.CommonName] = true
		last := ledger.Member(en.CommonName)
		r := ClientRow{Name: last.CommonName, Serial: last.Serial, NotAfter: last.NotAfter,
			DaysLeft: int(last.NotAfter.Sub(now).Hours() / 24), FromRequest: last.FromCSR, Problem: "bundle missing"}
		if ae := ledger.Anchor(last.Anchor); ae != nil {
			r.Slot = ae.Slot
		}
		if last.RemovedAt != nil {
			r.RemovedAt = last.RemovedAt
			r.Problem = "removed " + last.RemovedAt.Format(day)
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows, nil
}
