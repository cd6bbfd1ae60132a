package setup

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/docker-tls/docker-tls/hostfs"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// CertStatus is one certificate status shows.
type CertStatus struct {
	Kind     string    `json:"kind"`
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
}

// Finding is one thing status found: a sentence that says what is wrong
// and what to do, and the item of the CIS Docker Benchmark it is about, if
// any (docker-bench-security numbers its checks the same way).
//
// A finding about what dockerd serves (status --probe) carries a Code and
// its facts instead of a sentence: the front end words it.
type Finding struct {
	CIS     string      `json:"cis,omitempty"` // e.g. "3.14"
	Code    FindingCode `json:"code,omitempty"`
	Message string      `json:"message"`
	// Served and File are the end dates of the certificate dockerd serves
	// and of server-cert.pem (RestartPending).
	Served time.Time `json:"served_not_after,omitzero"`
	File   time.Time `json:"file_not_after,omitzero"`
	// Member was removed at RemovedAt, and dockerd still trusts their
	// anchor (StillTrusted).
	Member    string    `json:"member,omitempty"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
	// Address is an address of this host the served certificate does not
	// name (SANDrift).
	Address string `json:"address,omitempty"`
}

// FindingCode names a finding that carries facts rather than a sentence.
type FindingCode string

const (
	// RestartPending: dockerd serves another certificate than
	// server-cert.pem (a renewal it has not loaded yet).
	RestartPending FindingCode = "restart-pending"
	// StillTrusted: dockerd still lists a removed member's anchor in its
	// CertificateRequest: they get in until Docker restarts.
	StillTrusted FindingCode = "still-trusted"
	// SANDrift: an address of this host the served certificate does not
	// name: members who connect by it are refused.
	SANDrift FindingCode = "san-drift"
)

// String is the finding as a line: "CIS 3.14: " before the message when it
// is about a benchmark item.
func (f Finding) String() string {
	if f.CIS == "" {
		return f.Message
	}
	return "CIS " + f.CIS + ": " + f.Message
}

// Report is what status found: the setup, the certificates, every problem
// and every piece of advice, each a sentence that says what to do.
type Report struct {
	Root         string       `json:"root"`
	Unit         string       `json:"unit,omitempty"`
	ExecStart    string       `json:"exec_start,omitempty"`
	Hosts        []string     `json:"hosts,omitempty"`
	Certificates []CertStatus `json:"certificates"`
	// Findings are the problems: any makes the report unhealthy (status
	// exits 1).
	Findings []Finding `json:"findings"`
	// Advice is what is worth doing but is no problem, such as turning
	// live-restore on (CIS 2.15): it leaves the report healthy.
	Advice []Finding `json:"advice"`
	// Trust is how dockerd trusts members: per member (anchors, free
	// slots) or the whole CA, and a switch in progress.
	Trust *TrustState `json:"trust,omitempty"`
	Probe string      `json:"probe,omitempty"` // "ok" or "failed" when probed
	// Served is what dockerd served to the probe, when it got that far.
	Served *Served `json:"served,omitempty"`
	// RenewedAt is when a renewal last succeeded (LastRenewPath), if
	// recorded.
	RenewedAt time.Time `json:"renewed_at,omitzero"`
	// Issuers are the certificates status checks but does not list: the
	// host issuer and the member anchors (for Metrics).
	Issuers []CertStatus `json:"-"`
	Healthy bool         `json:"healthy"`
}

// StatusInput says what status checks beyond the files.
type StatusInput struct {
	WarnDays int // report certificates that expire within this many days
	// Probe: connect to the TLS endpoint once, with a client bundle when
	// there is one, record what dockerd serves and compare it with the
	// files (Report.Served, and the findings with a Code).
	Probe bool
	// Addrs lists this host's addresses for the SAN drift check (probe
	// only); nil: those of the interfaces that are up, but Docker's own.
	Addrs func() ([]string, error)
}

// Status reads daemon.json, the unit and the certificates once, and runs
// each check of statusChecks over them.
func (h *Host) Status(in StatusInput) *Report {
	st := h.newStatusRun(in)
	defer st.close()
	for _, check := range statusChecks {
		for _, f := range check(st) {
			// The same refusal (a writable directory) can come up for
			// every file under it: say it once.
			if !slices.Contains(st.r.Findings, f) {
				st.r.Findings = append(st.r.Findings, f)
			}
		}
	}
	st.r.Advice = st.advice()
	st.r.Issuers = st.issuers()
	st.r.Healthy = len(st.r.Findings) == 0
	return st.r
}

// statusChecks are status's checks, in the order their findings are
// listed; each reads what newStatusRun read and returns its findings.
var statusChecks = []func(*statusRun) []Finding{
	(*statusRun).checkPaths,
	(*statusRun).checkDetection,
	(*statusRun).checkDaemonConfig,
	(*statusRun).checkHostFlags,
	(*statusRun).checkServerCA,
	(*statusRun).checkTrust,
	(*statusRun).checkCertificates,
	(*statusRun).checkOwnDirs,
	(*statusRun).checkCIS,
	(*statusRun).checkServed,
}

// statusRun is one status: the host detected once and every file read
// once, for all the checks.
type statusRun struct {
	h   *Host
	in  StatusInput
	now time.Time
	r   *Report

	files map[string]readResult // every file read, by real path

	det     *render.Detection // nil when detection failed (detErr)
	detErr  error
	cfgPath string               // the daemon.json dockerd reads
	cfg     *render.DaemonConfig // nil when missing or unreadable (cfgErr)
	cfgErr  error

	ca           *x509.Certificate // ca/ca.pem, nil when missing
	ledger       *pki.Ledger       // never nil: an unreadable one is empty (ledgerErr)
	ledgerErr    error
	anchors      []*pki.Anchor
	anchorsErr   error
	perMember    bool                   // the anchors file exists
	serverIssuer *x509.Certificate      // what server-cert.pem must chain to
	clients      *hostfs.Dir            // ClientsDir, open during the run; nil when missing
	clientNames  []string               // the bundle directories in it, sorted
	bundleDirs   map[string]fs.FileInfo // each one's description, once read (nil: could not open)
	pathsDone    chan []error           // pathProblems, run while the rest is read

	probe *servedProbe // the one TLS connection, with --probe

	mu          sync.Mutex      // the bundle checks run at once
	verified    map[string]bool // signatures checked: child and parent DER -> valid
	serialsOnce sync.Once
	serials     map[string]bool // the ledger's serials

	switchRootPEM  []byte // switchRoot's answer, once asked
	switchRootErr  error
	switchRootRead bool
}

// switchRoot is Host.switchRoot for the current CA, read once.
func (st *statusRun) switchRoot() ([]byte, error) {
	if !st.switchRootRead && st.ca != nil {
		st.switchRootRead = true
		st.switchRootPEM, st.switchRootErr = st.h.switchRoot(&pki.CA{Cert: st.ca, CertPEM: pki.EncodeCert(st.ca)}, st.ledger.Switch)
	}
	return st.switchRootPEM, st.switchRootErr
}

type readResult struct {
	b   []byte
	ok  bool
	err error
}

// read is Host.read, once per path.
func (st *statusRun) read(p string) ([]byte, bool, error) {
	if r, seen := st.files[p]; seen {
		return r.b, r.ok, r.err
	}
	b, ok, err := st.h.read(p)
	st.files[p] = readResult{b, ok, err}
	return b, ok, err
}

func (h *Host) newStatusRun(in StatusInput) *statusRun {
	st := &statusRun{h: h, in: in, now: h.now(), files: map[string]readResult{}, verified: map[string]bool{}, cfgPath: render.DaemonJSONPath,
		bundleDirs: map[string]fs.FileInfo{}, pathsDone: make(chan []error, 1),
		r: &Report{Root: h.root, Certificates: []CertStatus{}, Findings: []Finding{}, Advice: []Finding{}}}
	go func() { st.pathsDone <- h.pathProblems() }() // a walk of every bundle: on another CPU
	st.det, st.detErr = render.Detect(h.fs)
	if st.detErr == nil && st.det.ConfigFile != "" {
		st.cfgPath = st.det.ConfigFile
	}
	if b, ok, err := st.read(st.cfgPath); err != nil {
		st.cfgErr = err
	} else if ok {
		st.cfg, st.cfgErr = render.ParseDaemonConfig(b)
	}
	if b, ok, _ := st.read(CACert); ok {
		st.ca, _ = pki.ParseCert(b)
	}
	if st.ledger, st.ledgerErr = h.ledger(false); st.ledger == nil {
		st.ledger = &pki.Ledger{}
	}
	st.anchors, st.anchorsErr = h.anchors()
	st.perMember = h.memberTrust()
	st.serverIssuer = st.ca
	if d, err := h.fs.OpenDir(ClientsDir); err == nil {
		st.clients = d
		ents, _ := d.ReadDir()
		for _, e := range ents {
			if e.IsDir() {
				st.clientNames = append(st.clientNames, e.Name())
			}
		}
		sort.Strings(st.clientNames)
	}
	st.r.RenewedAt = st.lastRenew()
	if in.Probe {
		st.probe = st.connect()
	}
	return st
}

func (st *statusRun) close() {
	if st.clients != nil {
		st.clients.Close()
	}
}

// msg is a finding that is a sentence.
func msg(format string, a ...any) Finding { return Finding{Message: fmt.Sprintf(format, a...)} }

// errFindings are errors as findings.
func errFindings(errs ...error) []Finding {
	var out []Finding
	for _, err := range errs {
		if err != nil {
			out = append(out, msg("%v", err))
		}
	}
	return out
}

// checkPaths reports what a writing run would refuse on the way to the
// files docker-tls manages: a link, a directory another user owns or may
// write, a file another user owns; and a run that is under way or was
// interrupted. Status changes nothing: it only says what the next run does.
func (st *statusRun) checkPaths() []Finding {
	out := errFindings(<-st.pathsDone...)
	if pending, err := st.h.journal().Pending(st.h.root); err == nil && pending {
		out = append(out, msg("%s exists: a docker-tls run is writing right now, or was interrupted (killed, or the machine went down); the next init, client add, renew or apply rolls an interrupted run back before it does anything else", st.h.Path(JournalPath)))
	}
	return out
}

// checkDetection reports what the unit says: what stops dockerd from
// starting, init refuses too (flags its configuration file sets as well,
// arguments it does not take).
func (st *statusRun) checkDetection() []Finding {
	if st.detErr != nil {
		return []Finding{msg("cannot read the Docker setup: %v", st.detErr)}
	}
	st.r.Unit, st.r.ExecStart = st.det.UnitPath, st.det.ExecStart
	var out []Finding
	for _, w := range st.det.Warnings {
		out = append(out, msg("%s", w))
	}
	out = append(out, errFindings(st.det.NoUnit())...)
	return append(out, errFindings(st.det.Problems()...)...)
}

// checkDaemonConfig reports a daemon.json that does not make dockerd
// require client certificates from the CA.
func (st *statusRun) checkDaemonConfig() []Finding {
	cfg := st.cfg
	switch {
	case st.cfgErr != nil:
		return errFindings(st.cfgErr)
	case cfg == nil:
		return []Finding{msg("%s does not exist: dockerd is not configured for TLS (run \"docker-tls init\")", st.cfgPath)}
	}
	st.r.Hosts = cfg.Hosts
	var out []Finding
	for _, s := range cfg.Hosts {
		if m := tcpFinding(s, cfg.TLSOn(), st.cfgPath+" hosts"); m != "" {
			out = append(out, msg("%s", m))
		}
	}
	if cfg.TLSVerify == nil || !*cfg.TLSVerify {
		out = append(out, msg("%s does not set \"tlsverify\": true, so client certificates are not required", st.cfgPath))
	}
	if cfg.TLSCACert == "" {
		out = append(out, msg("%s has no \"tlscacert\": dockerd would trust the system roots instead of your CA", st.cfgPath))
	}
	return out
}

// checkHostFlags judges the -H flags on docker.service's command line.
func (st *statusRun) checkHostFlags() []Finding {
	if st.det == nil {
		return nil
	}
	var out []Finding
	for _, s := range st.det.HostFlags {
		if m := tcpFinding(s, false, "docker.service -H"); m != "" {
			out = append(out, msg("%s", m))
		}
	}
	return out
}

// checkServerCA: the root clients verify the server with is the CA, and
// during a switch that made a new root, the old one, which still signs the
// server (it becomes serverIssuer).
func (st *statusRun) checkServerCA() []Finding {
	a, ok, _ := st.read(ServerCA)
	if !ok || st.ca == nil {
		return nil
	}
	var out []Finding
	old, err := st.switchRoot()
	want := append(pki.EncodeCert(st.ca), old...) // clientCA
	if sw := st.ledger.Switch; sw == nil || !sw.NewRoot {
		want = pki.EncodeCert(st.ca)
	}
	if err == nil && !sameCerts(a, want) {
		out = append(out, msg("%s is not the CA in %s: clients (and dockerd with CA-wide trust) would trust another CA than the one that issues client certificates; run \"docker-tls init\"", ServerCA, CACert))
	}
	if sw := st.ledger.Switch; sw != nil && sw.NewRoot && err == nil {
		st.serverIssuer, _ = pki.ParseCert(old)
	}
	return out
}

// checkOwnDirs: docker-tls's own directories are root's alone.
func (st *statusRun) checkOwnDirs() []Finding {
	var out []Finding
	check := func(d string, fi fs.FileInfo, err error) {
		if err == nil && fi != nil && fi.IsDir() && fi.Mode().Perm()&0o077 != 0 {
			out = append(out, msg("%s has mode %04o: chmod 700 %s", d, fi.Mode().Perm(), d))
		}
	}
	for _, d := range []string{CADir, ClientsDir} {
		fi, err := st.h.fs.Lstat(d)
		check(d, fi, err)
	}
	for _, n := range st.clientNames {
		fi := st.bundleDirs[n] // described when its files were read
		check(ClientDir(n), fi, nil)
	}
	return out
}

// checkCIS: the benchmark's items about the daemon's TLS files.
func (st *statusRun) checkCIS() []Finding {
	var out []Finding
	st.h.cisFindings(st.cfg, st.cfgPath, func(f Finding) { out = append(out, f) })
	return out
}

// configPath is the daemon.json dockerd reads: the file --config-file
// names on docker.service's command line, else /etc/docker/daemon.json.
func (h *Host) configPath() string {
	if det, err := render.Detect(h.fs); err == nil && det.ConfigFile != "" {
		return det.ConfigFile
	}
	return render.DaemonJSONPath
}

// ownDirs are docker-tls's own directories, which only root may read: the
// CA directory, the clients directory and each bundle.
func (h *Host) ownDirs() []string {
	dirs := []string{CADir, ClientsDir}
	if ents, err := h.fs.ReadDir(ClientsDir); err == nil {
		for _, e := range ents {
			if e.IsDir() {
				dirs = append(dirs, ClientDir(e.Name()))
			}
		}
	}
	return dirs
}

// tcpFinding judges one listen address (a daemon.json hosts entry or a -H
// value) the way dockerd reads it: no scheme is tcp, no port is 2375. With
// TLS on, dockerd serves TLS on every tcp listener; without it, a tcp
// listener is the unencrypted API.
func tcpFinding(s string, tlsOn bool, where string) string {
	d, err := render.ParseDockerHost(s)
	switch {
	case err != nil || d.Proto != "tcp":
		return ""
	case !tlsOn:
		return fmt.Sprintf("%s %s: dockerd listens there without TLS, and anyone who reaches it is root; remove it (\"docker-tls init\" moves the API to TLS on 2376)", where, s)
	case d.PlainPort():
		return fmt.Sprintf("%s %s: dockerd serves TLS there, on 2375, the port of the unencrypted API, where clients and scanners expect plain HTTP; move it to 2376", where, s)
	}
	return ""
}

// caKeyFinding judges how the CA key is encrypted, telling a legacy
// encryption (it opens, but weakly protected) from a damaged file (it does
// not open at all).
func caKeyFinding(keyPEM []byte, keyPath string) string {
	const reencrypt = "re-encrypt it with \"openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 600000\""
	kdf, err := pki.ReadKDF(keyPEM)
	switch {
	case errors.Is(err, pki.ErrNotEncrypted):
		return fmt.Sprintf("the CA key %s is not encrypted: anyone who reads it can issue certificates", keyPath)
	case errors.Is(err, pki.ErrLegacyEncryption):
		return fmt.Sprintf("the CA key %s uses legacy PEM encryption (an MD5-based key derivation): %s or make a new CA with \"docker-tls init --force\"", keyPath, reencrypt)
	case err != nil:
		return fmt.Sprintf("the CA key %s is damaged, no passphrase can open it (%v): restore it from a backup beside it (%s.*.bak), or make a new CA with \"docker-tls init --force\"", keyPath, err, path.Base(keyPath))
	}
	if kdf.Iterations < pki.KDFIterations {
		return fmt.Sprintf("the CA key %s is encrypted with %d PBKDF2 iterations, fewer than %d: a stolen copy is quicker to brute-force; %s", keyPath, kdf.Iterations, pki.KDFIterations, reencrypt)
	}
	return ""
}

func renewHint(kind, name string) string {
	switch kind {
	case "server":
		return "run \"docker-tls renew\""
	case "client":
		return fmt.Sprintf("run \"docker-tls renew --client %s\"", name)
	}
	return "make a new CA with \"docker-tls init --force\" and hand out new bundles"
}
