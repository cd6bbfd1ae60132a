package setup

import (
	"crypto/x509"
	"errors"
	"path"
	"slices"
	"strings"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// Prepared is an operation computed in memory and not yet written: what it
// does (Outline), every file with its mode and diff, and what waits for a
// restart. Write writes it. Its fields are data, so that the wizard's tests
// can make one; the front ends word them (internal/say).
type Prepared struct {
	Outline Outline
	Changes *render.Changes // every file, warnings and notes
	Restart Restart         // what waits for Docker to restart
	// Root is the directory the files were written under when it is not
	// the host ("/"): the front ends carry it in every command they print.
	Root string
	// Endpoint is where members connect, tcp://FQDN:PORT (init).
	Endpoint string
	// Member is the team member a client operation issued, for the
	// hand-over; nil for other operations.
	Member *Member
	// Removal is the member a removal shuts out: Write also moves their
	// bundle away. nil for other operations.
	Removal *Removal

	dryRun bool // prepared without a passphrase (InitInput.DryRun): never written
}

// ErrDryRun: a plan prepared without a passphrase is only to be shown.
var ErrDryRun = errors.New("this plan was prepared as a dry run, without the CA passphrase: it cannot be written")

// File is one file of a Prepared operation, for display.
type File struct {
	Path   string // real path
	Mode   uint32 // permission bits
	Action string // create, update, unchanged; install for the renewal timer's copy of docker-tls
	Diff   string // unified diff, for the host's configuration files only
}

// Files lists every file with its mode and action. Only the host's config
// files (daemon.json, override.conf, an environment file) carry a diff:
// certificates and the ledger are listed with their modes instead, and keys
// never reach a diff.
func (p *Prepared) Files() []File {
	if p.Changes == nil {
		return nil
	}
	out := make([]File, 0, len(p.Changes.Changes))
	for _, c := range p.Changes.Changes {
		f := File{Path: c.Path, Mode: uint32(c.Mode.Perm()), Action: c.Action.String()}
		if c.Config || c.Path == render.DaemonJSONPath || c.Path == render.OverridePath {
			f.Diff = c.Diff
		}
		out = append(out, f)
	}
	if p.installsBinary() {
		out = append(out, File{Path: p.Outline.Timer.Binary, Mode: 0o755, Action: "install"})
	}
	return out
}

// Warnings and Notes come from merging the host configuration.
func (p *Prepared) Warnings() []string {
	if p.Changes == nil {
		return nil
	}
	return p.Changes.Warnings
}

func (p *Prepared) Notes() []string {
	if p.Changes == nil {
		return nil
	}
	return p.Changes.Notes
}

// Empty reports that nothing would be written: the host already matches.
func (p *Prepared) Empty() bool {
	return (p.Changes == nil || p.Changes.Empty()) && !p.installsBinary()
}

// Pending is the number of files Write writes.
func (p *Prepared) Pending() int {
	n := 0
	if p.installsBinary() {
		n++
	}
	if p.Changes == nil {
		return n
	}
	return n + len(p.Changes.Pending())
}

// installsBinary: Write copies the running docker-tls where the renewal
// timer runs it (outside the journal: a binary is no configuration; it is
// written atomically, and a re-run copies it again).
func (p *Prepared) installsBinary() bool { return p.Outline.Timer != nil && p.Outline.Timer.From != "" }

// Written is what Write did.
type Written struct {
	Files   []string // real paths written, in order
	Backups []string // real paths of the backups made
	// RecordErr is set when the run could not be recorded for a later
	// "docker-tls apply" (the files are written all the same).
	RecordErr error
	// ArchiveErr is set when a removed member's bundle could not be moved
	// to the archive (the removal is written all the same).
	ArchiveErr error
	// TimerErr is set when the renewal timer's binary or enabling link
	// could not be installed (the files are written all the same; a re-run
	// of init installs them).
	TimerErr error

	res *render.Result
}

// Undo rolls back what Write wrote (only files nothing changed since), and
// forgets the run.
func (h *Host) Undo(w *Written) error {
	if err := h.lockForWrite(); err != nil {
		return err
	}
	return h.rollbackRun(w.res)
}

// Write writes p as one transaction and records the run, so that apply can
// roll it back: backups first, the intent journal fsynced before the first
// change, the record last; any failure rolls everything back, and a run
// killed part-way is rolled back by the next one. It holds the lock (taken
// by Prepare, or now on a host without TLSDir yet). docker-tls's own
// directories are narrowed to 0700 on the way. progress, when not nil, is
// called with each file as it is written.
func (h *Host) Write(p *Prepared, progress func(path string)) (*Written, error) {
	if p.dryRun {
		return nil, ErrDryRun
	}
	if err := h.lockForWrite(); err != nil {
		return nil, err
	}
	h.forgetKeys() // the keys in p are about to be used for good
	// A copy: the wizard's screen still reads p while this runs.
	c := *p.Changes
	c.Journal = h.journal()
	c.Private = privateDirs(c.Pending())
	h.mu.Lock()
	c.Created = h.made
	h.mu.Unlock()
	res, err := c.Apply(progress)
	if err != nil {
		h.dropMade()
		var ae *render.ApplyError
		if errors.As(err, &ae) && ae.RolledBack {
			return nil, hint.With(err, "Everything written in this run was rolled back: the files are as they were.")
		}
		return nil, err
	}
	h.mu.Lock()
	h.made = nil // in the record now: apply's rollback removes them
	h.mu.Unlock()
	// Keep a few backups of each file, not one per run; never one the
	// record just written restores from. Failing to prune costs disk
	// space, not correctness: the run stands.
	var backedUp []string
	for _, r := range res.Restores {
		if r.Backup != "" {
			backedUp = append(backedUp, r.Path)
		}
	}
	_ = render.PruneBackups(h.fs, backedUp, res.Backups)
	w := &Written{Files: res.Written, Backups: res.Backups, RecordErr: res.Unrecorded, res: res}
	w.ArchiveErr = h.archiveBundle(p.Removal)
	w.TimerErr = h.installTimer(p.Outline.Timer)
	return w, nil
}

// privateDirs are the directories of docker-tls's own that pending files
// live in and that no other user may read: the CA directory, the clients
// directory and each bundle touched.
func privateDirs(pending []render.Change) []string {
	dirs := []string{CADir, ClientsDir}
	for _, ch := range pending {
		if d := path.Dir(ch.Path); path.Dir(d) == ClientsDir && !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// build is render.Build under the root. What taking the lock finished for
// an interrupted run is said once: through WithNotify when set, else here,
// in the notes.
func (h *Host) build(files []render.File, host *render.Host) (*render.Changes, error) {
	c, err := render.Build(h.fs, files, host)
	if err != nil {
		return nil, err
	}
	if h.notify == nil {
		h.mu.Lock()
		c.Notes = append(slices.Clone(h.recovered), c.Notes...)
		h.mu.Unlock()
	}
	return c, nil
}

// sortFiles puts files in a stable order, parents' files first, and drops
// duplicate paths (the last one wins), so that directories get created with
// the mode of the files meant to live in them.
func sortFiles(files []render.File) []render.File {
	seen := map[string]int{}
	out := files[:0]
	for _, f := range files {
		if i, ok := seen[f.Path]; ok {
			out[i] = f
			continue
		}
		seen[f.Path] = len(out)
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b render.File) int {
		if d := strings.Count(a.Path, "/") - strings.Count(b.Path, "/"); d != 0 {
			return d
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out
}

// serverFiles are the files of an issued server certificate.
func serverFiles(l *pki.Leaf) []render.File {
	return []render.File{
		{Path: ServerCert, Data: l.Chain(), Mode: modeCert, DirMode: modePublic},
		{Path: ServerKey, Data: l.KeyPEM, Mode: modeKey, DirMode: modePublic},
	}
}

// ledgerFile is the ledger as written: ca/issued.json.
func ledgerFile(l *pki.Ledger) render.File {
	return render.File{Path: LedgerPath, Data: l.Marshal(), Mode: modeLedger, DirMode: modeSecret}
}

// ledger reads ca/issued.json (empty when fresh or absent).
func (h *Host) ledger(fresh bool) (*pki.Ledger, error) {
	var old []byte
	if !fresh {
		var err error
		if old, _, err = h.read(LedgerPath); err != nil {
			return nil, err
		}
	}
	l, err := pki.ParseLedger(old)
	if err != nil {
		return nil, hint.Errorf("Fix or move the file; it is a list of issued certificates.", "%s: %w", LedgerPath, err)
	}
	return l, nil
}

// leafUpToDate returns the certificate at certPath when it is from ca, has
// its key at keyPath, and is not within renewBefore of its end.
func (h *Host) leafUpToDate(ca *pki.CA, certPath, keyPath string) (*x509.Certificate, bool) {
	certPEM, ok, _ := h.read(certPath)
	if !ok {
		return nil, false
	}
	keyPEM, ok, _ := h.read(keyPath)
	if !ok || pki.CheckKeyPair(certPEM, keyPEM) != nil {
		return nil, false
	}
	cert, err := pki.ParseCert(certPEM)
	if err != nil || !issuedByCert(cert, ca.Cert) {
		return nil, false
	}
	if h.now().Add(renewBefore).After(cert.NotAfter) {
		return nil, false
	}
	return cert, true
}
