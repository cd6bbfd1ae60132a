package setup

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// InitInput is a whole setup: what init's flags and the wizard's answers
// both come down to.
type InitInput struct {
	Plan   pki.Plan
	Listen string // HOST:PORT for dockerd's TLS listener
	Force  bool   // replace an existing CA (it is backed up)
	// Trust is what dockerd trusts. "" keeps what the setup has (a new
	// setup trusts members one by one); pki.TrustMember on a setup that
	// trusts the whole CA starts a switch (see PrepareInit).
	Trust pki.Trust
	// Slots is how many free anchors to keep ready. 0 means
	// pki.DefaultSlots for a new setup or a switch, and "as needed" for a
	// setup that already trusts members one by one.
	Slots int
	// NewRoot allows a switch to make a new root when the current one was
	// made with pathlen:0 and cannot sign anchors.
	NewRoot bool
	// ListenDefault: Listen is the default, not the admin's choice; when
	// dockerd listens only on loopback now, that address is kept on the TLS
	// port (a listener from the Docker docs' tcp://127.0.0.1:2375 does not
	// become one open to the network).
	ListenDefault bool
	// DryRun prepares a new setup without a passphrase, only to be shown:
	// the CA key is encrypted with a random one nobody knows, and Write
	// refuses the result.
	DryRun bool
	// AutoRenew installs the renewal timer (docker-tls-renew.service and
	// .timer, enabled; the binary it runs). The front ends set it unless
	// --no-auto-renew.
	AutoRenew bool
}

// renewBefore: init re-issues a leaf that expires within this window.
const renewBefore = 30 * 24 * time.Hour

// Validate normalizes in place and returns every problem as pki.FieldErrors.
func (in *InitInput) Validate() error {
	var errs pki.FieldErrors
	if in.Trust != "" {
		if _, err := pki.ParseTrust(string(in.Trust)); err != nil {
			errs = append(errs, &pki.FieldError{Field: pki.FieldTrust, Value: string(in.Trust), Reason: err.Error()})
		}
	}
	in.Plan.Trust = in.Trust
	if in.Plan.Trust == "" {
		in.Plan.Trust = pki.TrustMember
	}
	in.Plan.Slots = in.Slots
	if in.Slots == 0 {
		in.Plan.Slots = pki.DefaultSlots
	}
	if in.Slots < 0 {
		errs = append(errs, &pki.FieldError{Field: pki.FieldSlots, Value: fmt.Sprint(in.Slots), Reason: "must be 1 or more"})
		in.Plan.Slots = 0
	}
	if err := in.Plan.Validate(); err != nil {
		fe := pki.AsFieldErrors(err)
		if fe == nil {
			return err
		}
		errs = append(errs, fe...)
	}
	listen, err := ParseListen(in.Listen)
	if err != nil {
		errs = append(errs, &pki.FieldError{Field: pki.FieldListen, Value: in.Listen, Reason: err.(*ListenError).Reason})
	} else {
		in.Listen = listen
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func hostConfig(listen string, trust pki.Trust) *render.Host {
	h := &render.Host{Listen: listen, CACert: ServerCA, Cert: ServerCert, Key: ServerKey}
	if trust == pki.TrustMember {
		h.CACert = MembersPath // the anchors, never the root
	}
	return h
}

// CheckHost finds problems with the host (no docker.service, a daemon.json
// that does not parse, a conflicting drop-in) before a passphrase is asked.
func (h *Host) CheckHost(listen string) error {
	if err := h.checkPaths(); err != nil {
		return err
	}
	_, err := render.Build(h.fs, nil, hostConfig(listen, pki.TrustMember))
	return err
}

// initRun is one PrepareInit being computed: what it issues and writes.
type initRun struct {
	h        *Host
	in       InitInput
	pass     []byte
	opts     []pki.Option
	ca       *pki.CA     // the root that signs (the new one in a switch)
	ledger   *pki.Ledger // with what this run adds
	anchors  []*pki.Anchor
	mode     pki.Trust
	clientCA []byte // every bundle's ca.pem
	files    []render.File
	issued   []*pki.Leaf
	// added: anchors this run made after the setup existed, which dockerd
	// trusts only once restarted.
	added int
	newCA bool // the CA line says "new"
	// switchRoot is the root dockerd still trusts during a switch.
	switchRoot []byte
	replaces   string        // the root a switch replaces
	trust      *TrustOutline // how dockerd trusts members, when this run changes it
	// keepProfiles: a switch keeps each member's key type and lifetime,
	// even for those listed.
	keepProfiles bool
}

// newSetup makes a new CA (none exists, or --force replaces it) and
// everything under it.
func (r *initRun) newSetup() error {
	h, in := r.h, r.in
	if in.DryRun && len(r.pass) == 0 {
		r.pass = []byte(rand.Text()) // never shown, never written: Write refuses a dry run
	}
	if err := pki.ValidatePassphrase(string(r.pass)); err != nil {
		return hint.With(err, "Choose a longer passphrase: a few unrelated words are easy to type and hard to guess.")
	}
	r.mode = in.Plan.Trust
	if in.Force && r.mode == pki.TrustCA && h.memberTrust() {
		return hint.With(errors.New("--force --trust ca would leave the anchors of per-member trust behind"),
			"Move "+AnchorsPath+" and "+MembersPath+" away first, or leave out --trust ca.")
	}
	b, err := pki.Issue(in.Plan, nil, r.pass, r.opts...)
	if err != nil {
		return err
	}
	r.ca, r.newCA, r.clientCA = b.CA, true, b.CA.CertPEM
	r.files = append(r.files,
		render.File{Path: CACert, Data: b.CA.CertPEM, Mode: modeCert, DirMode: modeSecret},
		// O_EXCL: a CA key is never overwritten by accident; with
		// --force the old one is backed up first.
		render.File{Path: CAKey, Data: b.CAKeyPEM, Mode: modeKey, DirMode: modeSecret, Exclusive: !in.Force},
	)
	// A new CA made with --force starts a new ledger (the old one is
	// backed up with the CA).
	if r.ledger, err = h.ledger(in.Force); err != nil {
		return err
	}
	r.anchors = b.Anchors
	for _, a := range b.Anchors {
		r.ledger.AddAnchor(a, h.now())
	}
	// Issue signed the server certificate through a new host issuer: renew
	// --auto signs with it.
	if b.HostIssuer != nil {
		r.files = append(r.files, hostIssuerFiles(b.HostIssuer)...)
	}
	r.issued = append(r.issued, b.Server)
	r.issued = append(r.issued, b.Clients...)
	if r.mode == pki.TrustMember {
		r.trust = &TrustOutline{New: true, Anchors: len(b.Anchors), Members: len(b.Clients), Free: len(b.Anchors) - len(b.Clients)}
	}
	return nil
}

// server re-issues the server certificate from signer when the current one
// is missing, expiring, from another CA (than issuer) or for other names.
func (r *initRun) server(signer *pki.CA, issuer *x509.Certificate) (*pki.ServerDiff, error) {
	plan := r.in.Plan
	// A setup older than the host issuer gets one now, when the root can
	// sign (signer): its server certificate counts as due.
	cert, ok, keep := r.h.currentServer(issuer, plan, signer != nil)
	if ok && keep && pki.CompareServer(cert, plan).Same() {
		return nil, nil
	}
	var diff *pki.ServerDiff
	if ok {
		d := pki.CompareServer(cert, plan)
		diff = &d
	}
	if signer == nil {
		return nil, hint.With(errors.New("the server certificate needs renewing, but it is signed by the old root until the switch to per-member trust is finalized"),
			"Run \"docker-tls trust finalize\" first (it renews the server certificate from the new root), then init again.")
	}
	leaf, issuerFiles, err := r.h.issueServer(signer, plan, r.opts...)
	if err != nil {
		return nil, err
	}
	r.files = append(r.files, issuerFiles...)
	r.issued = append(r.issued, leaf)
	return diff, nil
}

// caWideSetup re-runs init on a setup that trusts the whole CA.
func (r *initRun) caWideSetup(ca *pki.CA) (*pki.ServerDiff, error) {
	h, plan := r.h, r.in.Plan
	r.mode, r.ca, r.clientCA = pki.TrustCA, ca, ca.CertPEM
	var err error
	if r.ledger, err = h.ledger(false); err != nil {
		return nil, err
	}
	diff, err := r.server(ca, ca.Cert)
	if err != nil {
		return nil, err
	}
	for _, name := range plan.Clients {
		days, issue, err := r.listed(name, func() (*x509.Certificate, bool) {
			cert, ok := h.leafUpToDate(ca, ClientDir(name)+"/"+member.CertFile, ClientDir(name)+"/"+member.KeyFile)
			return cert, ok && cert.Subject.CommonName == name
		}, func(certs []*x509.Certificate) bool {
			return len(certs) == 1 && issuedByCert(certs[0], ca.Cert)
		})
		if err != nil || !issue {
			if err != nil {
				return nil, err
			}
			continue
		}
		leaf, err := pki.IssueClient(ca, name, days, plan.KeyType, r.opts...)
		if err != nil {
			return nil, err
		}
		r.issued = append(r.issued, leaf)
	}
	return diff, nil
}

// refuseRemoved: a member who was removed is not let back in by a re-run
// of init that still lists them (a script written before they left).
func refuseRemoved(ledger *pki.Ledger, names []string) error {
	var errs pki.FieldErrors
	for _, name := range names {
		if e := ledger.Member(name); e != nil && e.RemovedAt != nil {
			errs = append(errs, &pki.FieldError{Field: pki.FieldClients, Value: name, Reason: fmt.Sprintf(
				"%s was removed on %s: leave them out, or let them back in on purpose with \"docker-tls client add %s\"", name, e.RemovedAt.Format(day), name)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// memberSetup re-runs init on a setup that trusts members one by one:
// members listed get a certificate under their own anchor (or a free one),
// more anchors are made only when none is free (or to keep in.Slots free).
func (r *initRun) memberSetup(ca *pki.CA) (*pki.ServerDiff, error) {
	r.mode, r.ca = pki.TrustMember, ca
	if err := r.loadMembers(ca); err != nil {
		return nil, err
	}
	// During a switch that made a new root, the old root still signs the
	// server certificate: members who have not moved verify it with it.
	signer, issuer := ca, ca.Cert
	if sw := r.ledger.Switch; sw != nil && sw.NewRoot {
		var err error
		if issuer, err = pki.ParseCert(r.switchRoot); err != nil {
			return nil, fmt.Errorf("%s: %w", PrevCACert, err)
		}
		signer = nil
	}
	diff, err := r.server(signer, issuer)
	if err != nil {
		return nil, err
	}
	taken, err := r.issueListed(ca)
	if err != nil {
		return nil, err
	}
	return diff, r.keepSlotsFree(taken)
}

// loadMembers reads the ledger and the anchors of a per-member setup, and
// what every bundle's ca.pem and dockerd's trust hold during a switch.
func (r *initRun) loadMembers(ca *pki.CA) error {
	h := r.h
	var err error
	if r.ledger, err = h.ledger(false); err != nil {
		return err
	}
	if err := refuseRemoved(r.ledger, r.in.Plan.Clients); err != nil {
		return err
	}
	if r.anchors, err = h.anchors(); err != nil {
		return err
	}
	// An anchor of a removed member (a file restored from a backup) is
	// dropped again.
	r.anchors = slices.DeleteFunc(r.anchors, func(a *pki.Anchor) bool {
		e := r.ledger.Anchor(a.Serial())
		return e != nil && e.RemovedAt != nil
	})
	if r.clientCA, err = h.clientCA(ca, r.ledger.Switch); err != nil {
		return err
	}
	r.switchRoot, err = h.switchRoot(ca, r.ledger.Switch)
	return err
}

// issueListed issues each listed member whose bundle is not up to date
// with the plan, under their anchor or a free one; it returns the anchors
// taken.
func (r *initRun) issueListed(ca *pki.CA) (map[string]bool, error) {
	plan := r.in.Plan
	taken := map[string]bool{}
	for _, name := range plan.Clients {
		days, issue, err := r.listed(name, func() (*x509.Certificate, bool) {
			return r.h.memberUpToDate(ca.Cert, r.anchors, name)
		}, func(certs []*x509.Certificate) bool {
			a := anchorBySerial(r.anchors, r.ledger.AnchorOf(name))
			return len(certs) == 2 && a != nil && a.Cert.Equal(certs[1]) && issuedByCert(certs[0], a.Cert) && issuedByCert(a.Cert, ca.Cert)
		})
		if err != nil {
			return nil, err
		}
		if !issue {
			continue
		}
		anchor := anchorBySerial(r.anchors, r.ledger.AnchorOf(name))
		if anchor == nil {
			var err error
			if anchor, err = r.free(taken); err != nil {
				return nil, err
			}
		}
		taken[anchor.Serial()] = true
		leaf, err := pki.IssueMember(anchor, r.pass, name, days, plan.KeyType, r.opts...)
		if err != nil {
			return nil, passErr(err, AnchorsPath)
		}
		r.issued = append(r.issued, leaf)
	}
	return taken, nil
}

// listed decides for a member a re-run lists: kept as they are when up to
// date (upToDate: their bundle, key included, from this CA and not
// expiring) with the plan's key type, whatever their lifetime (theirs, from
// "client add --days"); else issued again with their own lifetime (days).
// A member whose certificate was issued for their request (the ledger
// says) is never issued here: their key is on their machine, and init
// would make one on the host. signed checks their certificate chain
// (leaf first) without a key.
func (r *initRun) listed(name string, upToDate func() (*x509.Certificate, bool), signed func([]*x509.Certificate) bool) (days int, issue bool, err error) {
	certPEM, ok, _ := r.h.read(ClientDir(name) + "/" + member.CertFile)
	var certs []*x509.Certificate
	if ok {
		certs, _ = pki.ParseCerts(certPEM)
	}
	if e := r.ledger.Member(name); e != nil && e.FromCSR {
		if r.current(name, certs, signed) {
			return 0, false, nil
		}
		return 0, false, pki.FieldErrors{{Field: pki.FieldClients, Value: name, Reason: fmt.Sprintf(
			"%s's certificate was issued for their request and needs renewing, but their key is on their machine: they run \"docker-tls request --renew %s\" and you sign it with \"docker-tls client sign FILE --force\"; or leave %s out", name, r.in.Plan.FQDN, name)}}
	}
	cert, ok := upToDate()
	if !ok && r.current(name, certs, signed) && r.hasKey(name, certPEM) {
		cert, ok = certs[0], true // short-lived: not due yet
	}
	if ok && pki.KeyTypeOf(cert.PublicKey) == string(r.in.Plan.KeyType) {
		return 0, false, nil
	}
	days = r.in.Plan.Days
	if len(certs) > 0 && certs[0].Subject.CommonName == name {
		_, days = keepProfile(certs[0], r.in.Plan.KeyType, 0)
	}
	return days, true, nil
}

// current: certs (a member's bundle, leaf first) are name's, chain as
// signed checks, and are not due: within renewBefore of their end, or, for
// a certificate shorter-lived than three times that, in the last third of
// its life (a member added with --days 10 is not due the day after).
func (r *initRun) current(name string, certs []*x509.Certificate, signed func([]*x509.Certificate) bool) bool {
	if len(certs) == 0 || certs[0].Subject.CommonName != name || !signed(certs) {
		return false
	}
	c := certs[0]
	window := min(renewBefore, c.NotAfter.Sub(c.NotBefore)/3)
	return !r.h.now().Add(window).After(c.NotAfter)
}

// hasKey: name's bundle holds the key of certPEM.
func (r *initRun) hasKey(name string, certPEM []byte) bool {
	keyPEM, ok, _ := r.h.read(ClientDir(name) + "/" + member.KeyFile)
	return ok && pki.CheckKeyPair(certPEM, keyPEM) == nil
}

// keepSlotsFree adds anchors until in.Slots are free (none taken).
func (r *initRun) keepSlotsFree(taken map[string]bool) error {
	slots := r.in.Slots
	if slots <= 0 {
		return nil
	}
	free := 0
	for _, a := range r.anchors {
		if !r.ledger.Used(a.Serial()) && !taken[a.Serial()] {
			free++
		}
	}
	n := slots - free
	if n <= 0 {
		return nil
	}
	if len(r.anchors)+n > pki.MaxAnchors {
		return pki.FieldErrors{{Field: pki.FieldSlots, Value: fmt.Sprint(slots), Reason: fmt.Sprintf(
			"%d more anchors would make %d, more than %d: dockerd names every anchor in each TLS handshake, and too many break it", n, len(r.anchors)+n, pki.MaxAnchors)}}
	}
	return r.addBatch(n)
}

// free takes a free slot, adding a batch of anchors when none is left.
func (r *initRun) free(taken map[string]bool) (*pki.Anchor, error) {
	if a := freeAnchor(r.anchors, r.ledger, taken); a != nil {
		return a, nil
	}
	if err := r.addBatch(batchSize(len(r.anchors))); err != nil {
		return nil, err
	}
	return freeAnchor(r.anchors, r.ledger, taken), nil
}

func (r *initRun) addBatch(n int) error {
	as, err := r.h.addAnchors(r.ca, r.ledger, len(r.anchors), n, r.pass)
	if err != nil {
		return err
	}
	r.anchors = append(r.anchors, as...)
	r.added += len(as)
	return nil
}

// switchSetup moves a setup that trusts the whole CA to per-member trust.
// Every member (in the ledger, with a bundle, or listed) gets a new bundle
// under an anchor of their own, keeping their key type and lifetime unless
// listed; dockerd trusts the anchors and, until the switch is finalized,
// the old root as a whole.
func (r *initRun) switchSetup(ca *pki.CA) (*pki.ServerDiff, error) {
	h, in, plan := r.h, r.in, r.in.Plan
	r.mode = pki.TrustMember
	var err error
	if r.ledger, err = h.ledger(false); err != nil {
		return nil, err
	}
	newRoot := !pki.CanSignAnchors(ca.Cert)
	if newRoot && !in.NewRoot {
		return nil, hint.With(fmt.Errorf("the CA %q was made with pathlen:0 and cannot sign member anchors (every verifier would refuse the chain)", ca.Cert.Subject.CommonName),
			"Add --new-root: a new root signs the anchors, and the old one stays trusted (and keeps signing the server certificate) until \"docker-tls trust finalize\", so members who have not moved yet still get in.")
	}
	members := h.switchMembers(r.ledger, plan.Clients)
	slots := in.Plan.Slots
	if err := pki.CheckSlots(slots, len(members)); err != nil {
		return nil, pki.FieldErrors{{Field: pki.FieldSlots, Value: fmt.Sprint(slots), Reason: err.Error()}}
	}
	r.ca, r.clientCA = ca, ca.CertPEM
	diff, err := r.server(ca, ca.Cert) // the old root signs it, switch or not
	if err != nil {
		return nil, err
	}
	if newRoot {
		np := plan
		np.Trust = pki.TrustMember
		np.CACommonName = nextCAName(ca.Cert.Subject.CommonName, plan.CACommonName)
		root, keyPEM, err := pki.NewCA(np, r.pass, r.opts...)
		if err != nil {
			return nil, err
		}
		r.ca, r.newCA = root, true
		r.clientCA = append(append([]byte{}, root.CertPEM...), ca.CertPEM...)
		r.files = append(r.files,
			// Replaced, and so backed up: the old root's key stays
			// beside it until you delete the backup.
			render.File{Path: CACert, Data: root.CertPEM, Mode: modeCert, DirMode: modeSecret},
			render.File{Path: CAKey, Data: keyPEM, Mode: modeKey, DirMode: modeSecret},
			render.File{Path: PrevCACert, Data: ca.CertPEM, Mode: modeCert, DirMode: modeSecret},
		)
		r.replaces = ca.Cert.Subject.CommonName
	}
	r.switchRoot = ca.CertPEM
	r.ledger.Switch = &pki.Switch{Root: ca.Cert.SerialNumber.Text(16), Started: h.now().UTC().Truncate(time.Second), NewRoot: newRoot}
	if err := r.addBatch(len(members) + slots); err != nil {
		return nil, err
	}
	r.added = 0 // all new: the restart is in the next steps anyway
	for i, name := range members {
		kt, days := plan.KeyType, plan.Days
		if r.keepProfiles || !slices.Contains(plan.Clients, name) {
			if b, ok, _ := h.read(ClientDir(name) + "/" + member.CertFile); ok {
				if cur, err := pki.ParseCert(b); err == nil {
					kt, days = keepProfile(cur, "", 0)
				}
			}
		}
		leaf, err := pki.IssueMember(r.anchors[i], r.pass, name, days, kt, r.opts...)
		if err != nil {
			return nil, err
		}
		r.issued = append(r.issued, leaf)
	}
	r.trust = &TrustOutline{Anchors: len(r.anchors), Members: len(members), Free: slots, Switching: true}
	return diff, nil
}

// switchMembers are the members a switch re-issues: those in the ledger,
// those with a bundle on disk, and those listed, each once.
func (h *Host) switchMembers(ledger *pki.Ledger, listed []string) []string {
	out := ledger.Members()
	if entries, err := h.fs.ReadDir(ClientsDir); err == nil {
		for _, d := range entries {
			if d.IsDir() && pki.ValidateClientName(d.Name()) == nil && h.exists(ClientDir(d.Name())+"/"+member.CertFile) && !slices.Contains(out, d.Name()) {
				out = append(out, d.Name())
			}
		}
	}
	for _, n := range listed {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// nextCAName names the root a switch makes: as asked, unless that is the
// old root's name (two roots of one name are hard to tell apart), then the
// old name numbered.
func nextCAName(old, asked string) string {
	if asked != "" && asked != old {
		return asked
	}
	base, n := old, 2
	if i := strings.LastIndexByte(old, ' '); i > 0 {
		if v, err := strconv.Atoi(old[i+1:]); err == nil {
			base, n = old[:i], v+1
		}
	}
	return fmt.Sprintf("%s %d", base, n)
}

// PrepareInit's Summary may name fields as {field} (see pki.Words), for the
// front end to put in its own words.
//
// PrepareInit issues what is missing and computes every file. An existing
// CA is reused unless in.Force; a server or client certificate that already
// matches the plan is kept, so running init twice changes nothing. Keys
// started with StartKeys are used when their type matches.
//
// With per-member trust (the default for a new setup) dockerd's tlscacert is
// members.pem: one anchor per member, plus free slots, so that adding a
// member needs no restart and removing one shuts out nobody else. On a setup
// that trusts the whole CA, in.Trust = pki.TrustMember switches: anchors are
// made, every member gets a new bundle under their own anchor, and dockerd
// keeps trusting the old root as a whole until PrepareFinalize, so that
// members who have not installed their new bundle yet still get in. A root
// made with pathlen:0 cannot sign anchors: the switch then needs
// in.NewRoot, and makes a new root (the old one keeps signing the server
// certificate until the switch is finalized).
func (h *Host) PrepareInit(in InitInput, pass []byte) (*Prepared, error) {
	return h.prepareInit(in, pass, false)
}

// prepareInit: keepProfiles makes a switch keep every member's key type and
// lifetime, listed or not.
func (h *Host) prepareInit(in InitInput, pass []byte, keepProfiles bool) (*Prepared, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := h.lock(); err != nil {
		return nil, err
	}
	var ca *pki.CA
	if !in.Force {
		var err error
		if ca, err = h.loadCA(pass); err != nil {
			return nil, err
		}
	}
	r := &initRun{h: h, in: in, pass: pass, opts: []pki.Option{pki.WithNow(h.now)}, keepProfiles: keepProfiles}
	if keys := h.startedKeys(); keys != nil {
		r.opts = append(r.opts, pki.WithKeys(keys))
	}
	serverDiff, err := r.certificates(ca)
	if err != nil {
		return nil, err
	}
	r.collectFiles()
	var timer *TimerOutline
	if in.AutoRenew {
		var units []render.File
		units, timer = h.renewTimer()
		r.files = append(r.files, units...)
	}
	r.files = append(r.files, h.modeFixes(r.files)...)
	host := hostConfig(in.Listen, r.mode)
	host.ListenDefault = in.ListenDefault
	changes, err := h.build(sortFiles(r.files), host)
	if err != nil {
		return nil, err
	}
	if changes.Listen != "" {
		// A loopback-only listener's address, kept (render says so in a note).
		r.in.Listen, in.Listen = changes.Listen, changes.Listen
	}
	o := r.outline(serverDiff)
	o.Timer = timer
	return &Prepared{Outline: o, Changes: changes, Restart: RestartConfig,
		Root: h.sandboxRoot(), Endpoint: dockerHost(in.Plan.FQDN, in.Listen), dryRun: in.DryRun}, nil
}

const day = "2006-01-02"

// certificates issues what the setup needs, by the kind of setup found:
// none yet, per-member trust, a switch to it, or CA-wide trust.
func (r *initRun) certificates(ca *pki.CA) (*pki.ServerDiff, error) {
	switch {
	case ca == nil:
		return nil, r.newSetup()
	case r.h.memberTrust():
		if r.in.Trust == pki.TrustCA {
			return nil, hint.With(errors.New("this setup trusts members one by one: going back to trusting the whole CA is not supported"),
				"Leave out --trust to keep per-member trust; to start over, move "+AnchorsPath+" and "+MembersPath+" away and run init --force --trust ca.")
		}
		return r.memberSetup(ca)
	case r.in.Trust == pki.TrustMember:
		return r.switchSetup(ca)
	}
	return r.caWideSetup(ca)
}

// collectFiles adds what dockerd reads, the issued certificates, each
// bundle's CA copy and the ledger to the run's files.
func (r *initRun) collectFiles() {
	// The CA copy is rewritten each time (unchanged when equal).
	r.files = append(r.files, render.File{Path: ServerCA, Data: r.clientCA, Mode: modeCert, DirMode: modePublic})
	if r.mode == pki.TrustMember {
		r.files = append(r.files, trustFiles(r.anchors, r.switchRoot)...)
	}
	for _, l := range r.issued {
		if l.Kind == pki.KindServer {
			r.files = append(r.files, serverFiles(l)...)
		} else {
			r.files = append(r.files, memberFiles(r.clientCA, l)...)
		}
	}
	for _, name := range r.in.Plan.Clients {
		r.files = append(r.files, render.File{Path: ClientDir(name) + "/" + member.CAFile, Data: r.clientCA, Mode: member.ModeCert, DirMode: modeSecret})
	}
	if len(r.issued) > 0 || r.added > 0 || r.ledger.Switch != nil {
		for _, l := range r.issued {
			r.ledger.Add(l, r.h.now())
		}
		r.files = append(r.files, ledgerFile(r.ledger))
	}
}

// modeFixes are the files of fixedModes that exist with another mode and
// that files does not write anyway: each is rewritten as it is, with its
// mode (render shows the change in its notes).
func (h *Host) modeFixes(files []render.File) []render.File {
	var out []render.File
	for _, fm := range fixedModes {
		if slices.ContainsFunc(files, func(f render.File) bool { return f.Path == fm.path }) {
			continue
		}
		fi, err := h.fs.Lstat(fm.path)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() == fm.mode {
			continue
		}
		data, ok, err := h.read(fm.path)
		if err != nil || !ok {
			continue // reading it again, Build says what is wrong
		}
		out = append(out, render.File{Path: fm.path, Data: data, Mode: fm.mode, DirMode: fm.dir})
	}
	return out
}

// outline is what the init does, for the front ends to word.
func (r *initRun) outline(diff *pki.ServerDiff) Outline {
	plan, ca := r.in.Plan, r.ca
	o := Outline{Listen: r.in.Listen}
	o.CA = &CAOutline{Name: ca.Cert.Subject.CommonName, KeyType: plan.KeyType, NotAfter: ca.Cert.NotAfter, New: r.newCA, Replaces: r.replaces}
	if !r.newCA {
		org := strings.Join(ca.Cert.Subject.Organization, ", ")
		o.CA.Kept = ca.Cert.Subject.CommonName != plan.CACommonName || org != plan.CAOrganization || pki.LifetimeDays(ca.Cert) != plan.CADays
	}
	o.Server = &ServerOutline{FQDN: plan.FQDN, KeyType: plan.KeyType, Days: plan.Days, DNS: plan.SANs(), IPs: plan.IPs}
	if diff != nil {
		o.Server.RemovedDNS, o.Server.RemovedIPs = diff.RemovedDNS, diff.RemovedIPs
	}
	names := slices.Clone(plan.Clients)
	for _, l := range r.issued {
		switch {
		case l.Kind == pki.KindServer:
			o.Server.Change, o.Server.NotAfter = Issued, l.Cert.NotAfter
		case !slices.Contains(names, l.Name):
			names = append(names, l.Name)
		}
	}
	for _, name := range names {
		m := MemberOutline{Name: name}
		for _, l := range r.issued {
			if l.Kind == pki.KindClient && l.Name == name {
				m.New, m.NotAfter = true, l.Cert.NotAfter
				if l.Anchor != nil {
					m.Slot = l.Anchor.Slot
				}
			}
		}
		o.Members = append(o.Members, m)
	}
	o.Trust = r.trust
	if r.added > 0 {
		if o.Trust == nil {
			o.Trust = &TrustOutline{Anchors: len(r.anchors)}
		}
		o.Trust.Added = r.added
	}
	return o
}

// dockerHost is the address clients use: the FQDN and the listen port.
func dockerHost(fqdn, listen string) string {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		port = "2376"
	}
	return "tcp://" + net.JoinHostPort(fqdn, port)
}
