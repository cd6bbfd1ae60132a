package setup

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// TrustState is how the setup under the root trusts its members: what
// status, client list and the wizard's menu show.
type TrustState struct {
	// Mode is pki.TrustMember when dockerd trusts one anchor per member,
	// pki.TrustCA when it trusts the whole CA; "" without a CA.
	Mode    pki.Trust `json:"mode"`
	Anchors int       `json:"anchors"` // anchors dockerd is meant to trust
	Members int       `json:"members"` // active members under an anchor
	Free    int       `json:"free"`    // free slots: members added without a restart
	// Switch is set while a CA-wide setup moves to per-member trust.
	Switch *pki.Switch `json:"switch,omitempty"`
	// CanSignAnchors: the root may sign anchors. A CA-wide root made
	// with pathlen:0 may not: switching needs a new root.
	CanSignAnchors bool `json:"can_sign_anchors"`
}

// Counts says how many members and free slots there are, e.g. "1 member,
// 16 free slots": the one wording every front end shows.
func (t *TrustState) Counts() string {
	return plural(t.Members, "member") + ", " + plural(t.Free, "free slot")
}

// AnchorCount says how many anchors dockerd trusts, e.g. "17 anchors".
func (t *TrustState) AnchorCount() string { return plural(t.Anchors, "anchor") }

// Trust reads how the setup trusts its members.
func (h *Host) Trust() (*TrustState, error) {
	root := h.currentCA()
	if root == nil {
		return &TrustState{}, nil
	}
	anchors, err := h.anchors()
	if err != nil {
		return nil, err
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return nil, err
	}
	return trustOf(root, anchors, ledger, h.memberTrust()), nil
}

// trustOf is the TrustState of a setup with this root, its anchors and
// ledger; perMember: an anchors file exists.
func trustOf(root *x509.Certificate, anchors []*pki.Anchor, ledger *pki.Ledger, perMember bool) *TrustState {
	ts := &TrustState{CanSignAnchors: pki.CanSignAnchors(root), Switch: ledger.Switch}
	if !perMember {
		ts.Mode = pki.TrustCA
		return ts
	}
	ts.Mode = pki.TrustMember
	ts.Anchors = len(anchors)
	for _, a := range anchors {
		if ledger.Used(a.Serial()) {
			ts.Members++
		} else {
			ts.Free++
		}
	}
	return ts
}

// memberTrust: the setup trusts members one by one (an anchors file
// exists).
func (h *Host) memberTrust() bool { return h.exists(AnchorsPath) }

// anchors reads the CA side's anchors, in slot order; none when the file is
// absent.
func (h *Host) anchors() ([]*pki.Anchor, error) {
	b, ok, err := h.read(AnchorsPath)
	if err != nil || !ok {
		return nil, err
	}
	as, err := pki.ParseAnchors(b)
	if err != nil {
		return nil, hint.Errorf("Restore it from a backup (a .bak beside it); it holds the anchors dockerd trusts and their keys.", "%s: %w", AnchorsPath, err)
	}
	return as, nil
}

// trustAgrees checks, before a writer rebuilds members.pem from the
// anchors file, that the two agree: the same anchors, and besides them only
// the root of a switch in progress. When they disagree, rewriting one from
// the other would change whom dockerd trusts without anyone asking.
func (h *Host) trustAgrees(anchors []*pki.Anchor, ledger *pki.Ledger) error {
	b, ok, err := h.read(MembersPath)
	if err != nil || !ok {
		return err // missing: written afresh, status says so until then
	}
	certs, err := pki.ParseMembers(b)
	if err != nil {
		return hint.Errorf("Restore it from a backup (a .bak beside it), or move it away: the next run writes it from "+AnchorsPath+".", "%s: %w", MembersPath, err)
	}
	want := map[string]bool{}
	for _, a := range anchors {
		want[a.Serial()] = true
	}
	others := 0
	for _, c := range certs {
		switch s := strings.ToLower(c.SerialNumber.Text(16)); {
		case want[s]:
			delete(want, s)
		case pki.IsAnchor(c):
			return disagree(fmt.Sprintf("%s trusts %s (serial %s), which %s does not hold", MembersPath, c.Subject.CommonName, s, AnchorsPath))
		default:
			others++
		}
	}
	if len(want) > 0 {
		return disagree(fmt.Sprintf("%s holds %d anchors that %s does not trust", AnchorsPath, len(want), MembersPath))
	}
	if others > 0 && (ledger.Switch == nil || others > 1) {
		return disagree(fmt.Sprintf("%s trusts %d certificates that are not member anchors", MembersPath, others))
	}
	return nil
}

// disagree is the error of trustAgrees, with the way out.
func disagree(what string) error {
	return hint.With(fmt.Errorf("%s: the two files disagree, so neither is rewritten from the other", what),
		"Restore both from the same backup (the .bak files beside them), then run the command again; \"docker-tls status\" shows what dockerd trusts.")
}

// freeAnchor is the first anchor that never issued a member's certificate
// and is not taken in this run.
func freeAnchor(anchors []*pki.Anchor, ledger *pki.Ledger, taken map[string]bool) *pki.Anchor {
	for _, a := range anchors {
		if !ledger.Used(a.Serial()) && !taken[a.Serial()] {
			return a
		}
	}
	return nil
}

// anchorBySerial finds an anchor, or nil.
func anchorBySerial(anchors []*pki.Anchor, serial string) *pki.Anchor {
	for _, a := range anchors {
		if a.Serial() == serial {
			return a
		}
	}
	return nil
}

// batchSize is how many anchors a command adds when no free slot is left:
// a full batch, within MaxAnchors.
func batchSize(have int) int { return min(pki.DefaultSlots, pki.MaxAnchors-have) }

// errAnchorCap: no anchor may be added.
func errAnchorCap(have int) error {
	return hint.Errorf(fmt.Sprintf("Remove members who left (\"docker-tls client remove NAME\"): each frees nothing for others, but keeps the list short; a second Docker host takes more. %d anchors already make each handshake carry %.0f KB of CA names.", have, float64(have)*31/1024),
		"no free slot and %d anchors already: dockerd names every anchor in each TLS handshake, and more than %d break it", have, pki.MaxAnchors)
}

// addAnchors makes n more anchors under root, numbered after every slot
// the ledger knows, records them in the ledger and returns them.
func (h *Host) addAnchors(root *pki.CA, ledger *pki.Ledger, have, n int, pass []byte) ([]*pki.Anchor, error) {
	if have+n > pki.MaxAnchors || n <= 0 {
		return nil, errAnchorCap(have)
	}
	as, err := pki.NewAnchors(root, ledger.NextSlot(), n, pass, pki.WithNow(h.now))
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		ledger.AddAnchor(a, h.now())
	}
	return as, nil
}

// membersPEM is what dockerd trusts with per-member trust: every anchor,
// then, during a switch, the root it still trusts as a whole.
func membersPEM(anchors []*pki.Anchor, switchRoot []byte) []byte {
	var out []byte
	for _, a := range anchors {
		out = append(out, a.CertPEM...)
	}
	return append(out, switchRoot...)
}

// trustFiles are the anchors file (CA side, keys encrypted) and the members
// file dockerd reads.
func trustFiles(anchors []*pki.Anchor, switchRoot []byte) []render.File {
	return []render.File{
		{Path: AnchorsPath, Data: pki.EncodeAnchors(anchors), Mode: modeKey, DirMode: modeSecret},
		{Path: MembersPath, Data: membersPEM(anchors, switchRoot), Mode: modeCert, DirMode: modePublic},
	}
}

// switchRoot is the certificate of the root dockerd still trusts during a
// switch: the CA itself, or the root a new one replaced.
func (h *Host) switchRoot(ca *pki.CA, sw *pki.Switch) ([]byte, error) {
	if sw == nil {
		return nil, nil
	}
	if !sw.NewRoot {
		return ca.CertPEM, nil
	}
	b, ok, err := h.read(PrevCACert)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, hint.Errorf("Restore it from a backup, or finish the switch with \"docker-tls trust finalize\".",
			"a switch to per-member trust is in progress but the old root %s is missing", PrevCACert)
	}
	return b, nil
}

// clientCA is every bundle's ca.pem: the root, and during a switch that made
// a new root, the old one after it, which still signs the server
// certificate until the switch is finalized.
func (h *Host) clientCA(ca *pki.CA, sw *pki.Switch) ([]byte, error) {
	if sw == nil || !sw.NewRoot {
		return ca.CertPEM, nil
	}
	old, err := h.switchRoot(ca, sw)
	if err != nil {
		return nil, err
	}
	return append(append([]byte{}, ca.CertPEM...), old...), nil
}

// chainsToRoot reports whether the first certificate of certPEM (a
// bundle's cert.pem) was issued by root, directly or through the anchor
// that follows it.
func chainsToRoot(certPEM []byte, root *x509.Certificate) bool {
	certs, err := pki.ParseCerts(certPEM)
	return err == nil && chainsVia(certs, root, issuedByCert)
}

// chainsVia is chainsToRoot for parsed certificates, with issued judging
// each link.
func chainsVia(certs []*x509.Certificate, root *x509.Certificate, issued func(c, parent *x509.Certificate) bool) bool {
	if len(certs) == 0 {
		return false
	}
	if issued(certs[0], root) {
		return true
	}
	return len(certs) > 1 && issued(certs[0], certs[1]) && issued(certs[1], root)
}

// issuerOf is the anchor that issued the first certificate of certPEM,
// among anchors, or nil.
func issuerOf(certPEM []byte, anchors []*pki.Anchor) *pki.Anchor {
	c, err := pki.ParseCert(certPEM)
	if err != nil {
		return nil
	}
	for _, a := range anchors {
		if issuedByCert(c, a.Cert) {
			return a
		}
	}
	return nil
}

// passErr says what to do about a passphrase that does not open a key: the
// CA's, or the member anchors' (encrypted with the same passphrase).
func passErr(err error, path string) error {
	if errors.Is(err, pki.ErrBadPassphrase) {
		return hint.With(fmt.Errorf("%w: it does not open %s", pki.ErrBadPassphrase, path),
			"Use the passphrase chosen when the CA was made (the member anchors' keys use it too). Without it, only a new CA helps: \"docker-tls init --force\" makes one (the old one is backed up) and every bundle must then be issued again.")
	}
	return err
}

// PrepareFinalize ends a switch to per-member trust: dockerd stops trusting
// the old root as a whole (members.pem keeps only the anchors). When the
// switch made a new root, the server certificate is re-issued from it (same
// names, key type and lifetime) and every bundle's ca.pem becomes the new
// root alone; pass opens its key. Members still on a bundle from before the
// switch lose access at the next restart.
func (h *Host) PrepareFinalize(pass []byte) (*Prepared, error) {
	if err := h.lock(); err != nil {
		return nil, err
	}
	if err := h.RequireCA(); err != nil {
		return nil, err
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return nil, err
	}
	if ledger.Switch == nil {
		return nil, hint.With(errors.New("no switch to per-member trust is in progress"),
			"\"docker-tls status\" shows how dockerd trusts members; \"docker-tls init --trust member\" starts a switch.")
	}
	anchors, err := h.anchors()
	if err != nil {
		return nil, err
	}
	if err := h.trustAgrees(anchors, ledger); err != nil {
		return nil, err
	}
	sw := ledger.Switch
	ledger.Switch = nil
	files := trustFiles(anchors, nil)
	o := Outline{Trust: &TrustOutline{Finalized: true, Anchors: len(anchors)}}
	if sw.NewRoot {
		ca, err := h.loadCA(pass)
		if err != nil {
			return nil, err
		}
		if ca == nil {
			return nil, h.noCA()
		}
		cert, err := h.serverCert()
		if err != nil {
			return nil, err
		}
		plan := planFromServer(cert)
		plan.CADays = pki.MaxDays // the CA's real end date is checked when signing
		if err := plan.Validate(); err != nil {
			return nil, err
		}
		leaf, issuerFiles, err := h.issueServer(ca, plan, pki.WithNow(h.now))
		if err != nil {
			return nil, err
		}
		ledger.Add(leaf, h.now())
		files = append(append(files, serverFiles(leaf)...), issuerFiles...)
		files = append(files, render.File{Path: ServerCA, Data: ca.CertPEM, Mode: modeCert, DirMode: modePublic})
		for _, name := range ledger.Members() {
			if h.exists(ClientDir(name) + "/" + member.CertFile) {
				files = append(files, render.File{Path: ClientDir(name) + "/" + member.CAFile, Data: ca.CertPEM, Mode: member.ModeCert, DirMode: modeSecret})
			}
		}
		o.Server = &ServerOutline{FQDN: plan.FQDN, Change: Renewed, NotAfter: leaf.Cert.NotAfter, Root: ca.Cert.Subject.CommonName}
		o.Trust.NewRootOnly = true
	}
	files = append(files, ledgerFile(ledger))
	changes, err := h.build(sortFiles(files), nil)
	if err != nil {
		return nil, err
	}
	return &Prepared{Outline: o, Changes: changes, Restart: RestartFinalize, Root: h.sandboxRoot()}, nil
}

// FinalizeNeedsPassphrase: finalizing a switch that made a new root
// re-issues the server certificate, which needs the CA passphrase.
func (h *Host) FinalizeNeedsPassphrase() bool {
	l, err := h.ledger(false)
	return err == nil && l.Switch != nil && l.Switch.NewRoot
}

// sameCerts reports whether two PEM files hold the same certificates.
func sameCerts(a, b []byte) bool {
	ca, err1 := pki.ParseCerts(a)
	cb, err2 := pki.ParseCerts(b)
	if err1 != nil || err2 != nil || len(ca) != len(cb) {
		return false
	}
	for i := range ca {
		if !bytes.Equal(ca[i].Raw, cb[i].Raw) {
			return false
		}
	}
	return true
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// PrepareSwitch moves the setup, which trusts the whole CA, to per-member
// trust, keeping everything else as it is: the same server names, listen
// address, and each member's key type and lifetime (the wizard's "switch"
// flow; "init --trust member" is the same with flags). A new root is made
// when the current one cannot sign anchors (Trust().CanSignAnchors says so
// beforehand).
func (h *Host) PrepareSwitch(pass []byte) (*Prepared, error) {
	if err := h.lock(); err != nil {
		return nil, err
	}
	if err := h.RequireCA(); err != nil {
		return nil, err
	}
	if h.memberTrust() {
		return nil, hint.With(errors.New("this setup already trusts members one by one"), "\"docker-tls client remove NAME\" shuts one member out.")
	}
	plan := h.currentPlan()
	if plan == nil {
		return nil, h.noServerCert()
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return nil, err
	}
	plan.Clients = h.switchMembers(ledger, nil)
	if len(plan.Clients) == 0 {
		return nil, hint.With(errors.New("there is no member to move"), "Add one first (\"docker-tls client add NAME\").")
	}
	listen := h.Listen()
	if listen == "" {
		return nil, fmt.Errorf("%s has no tcp:// host: run \"docker-tls init\" with --listen", render.DaemonJSONPath)
	}
	return h.prepareInit(InitInput{Plan: *plan, Listen: listen, Trust: pki.TrustMember, NewRoot: true}, pass, true)
}
