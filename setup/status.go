package setup

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"time"

	"github.com/docker-tls/docker-tls/member"
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
type Finding struct {
	CIS     string `json:"cis,omitempty"` // e.g. "3.14"
	Message string `json:"message"`
}

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
	Trust   *TrustState `json:"trust,omitempty"`
	Probe   string      `json:"probe,omitempty"` // "ok" or "failed" when probed
	Healthy bool        `json:"healthy"`
}

// StatusInput says what status checks beyond the files.
type StatusInput struct {
	WarnDays int  // report certificates that expire within this many days
	Probe    bool // connect to the TLS endpoint with a client bundle
}

// Status reads daemon.json, the unit and the certificates, and reports each
// problem.
func (h *Host) Status(in StatusInput) *Report {
	r := &Report{Root: h.root, Certificates: []CertStatus{}, Findings: []Finding{}, Advice: []Finding{}}
	add := func(f Finding) {
		// The same refusal (a writable directory) can come up for every
		// file under it: say it once.
		if !slices.Contains(r.Findings, f) {
			r.Findings = append(r.Findings, f)
		}
	}
	find := func(format string, a ...any) { add(Finding{Message: fmt.Sprintf(format, a...)}) }
	now := h.now()
	h.pathFindings(find)

	det, err := render.Detect(h.root)
	cfgPath := render.DaemonJSONPath
	if err != nil {
		find("cannot read the Docker setup: %v", err)
	} else {
		r.Unit, r.ExecStart = det.UnitPath, det.ExecStart
		for _, w := range det.Warnings {
			find("%s", w)
		}
		if err := det.NoUnit(); err != nil {
			find("%v", err)
		}
		// What stops dockerd from starting, init refuses too: flags its
		// configuration file sets as well, arguments it does not take.
		for _, p := range det.Problems() {
			find("%v", p)
		}
		if det.ConfigFile != "" {
			cfgPath = det.ConfigFile
		}
	}

	cfg, err := h.daemonConfig()
	switch {
	case err != nil:
		find("%v", err)
	case cfg == nil:
		find("%s does not exist: dockerd is not configured for TLS (run \"docker-tls init\")", cfgPath)
	default:
		r.Hosts = cfg.Hosts
		for _, s := range cfg.Hosts {
			if msg := tcpFinding(s, cfg.TLSOn(), cfgPath+" hosts"); msg != "" {
				find("%s", msg)
			}
		}
		if cfg.TLSVerify == nil || !*cfg.TLSVerify {
			find("%s does not set \"tlsverify\": true, so client certificates are not required", cfgPath)
		}
		if cfg.TLSCACert == "" {
			find("%s has no \"tlscacert\": dockerd would trust the system roots instead of your CA", cfgPath)
		}
	}
	if det != nil {
		for _, s := range det.HostFlags {
			if msg := tcpFinding(s, false, "docker.service -H"); msg != "" {
				find("%s", msg)
			}
		}
	}

	ca := h.currentCA()
	ledger, _ := h.ledger(false)
	if ledger == nil {
		ledger = &pki.Ledger{}
	}
	// The root clients verify the server with: the CA, and during a switch
	// that made a new root, the old one, which still signs the server.
	serverIssuer := ca
	if a, ok, _ := h.read(ServerCA); ok && ca != nil {
		root := &pki.CA{Cert: ca, CertPEM: pki.EncodeCert(ca)}
		if want, err := h.clientCA(root, ledger.Switch); err == nil && !sameCerts(a, want) {
			find("%s is not the CA in %s: clients (and dockerd with CA-wide trust) would trust another CA than the one that issues client certificates; run \"docker-tls init\"", ServerCA, CACert)
		}
		if ledger.Switch != nil && ledger.Switch.NewRoot {
			if old, err := h.switchRoot(root, ledger.Switch); err == nil {
				serverIssuer, _ = pki.ParseCert(old)
			}
		}
	}
	r.Trust = h.trustFindings(cfg, find)
	check := func(kind, name, certPath, keyPath string) {
		b, ok, err := h.read(certPath)
		if err != nil {
			find("%v", err)
			return
		}
		if !ok {
			if kind != "client" {
				find("%s is missing", certPath)
			}
			return
		}
		info, err := pki.Inspect(b)
		if err != nil {
			find("%s: %v", certPath, err)
			return
		}
		if name == "" {
			name = info.CommonName
		}
		switch {
		case kind == "server" && serverIssuer != nil && !chainsToRoot(b, serverIssuer):
			find("%s %s (%s) was not issued by the current CA %s: clients will refuse it; %s", kind, name, certPath, CACert, renewHint(kind, name))
		case kind == "client" && ledger.Member(name) != nil && ledger.Member(name).RemovedAt != nil:
			find("%s was removed on %s, but their bundle is still at %s: move it away (mv %s %s/%s.manual)", name, ledger.Member(name).RemovedAt.Format(day), ClientDir(name), h.Path(ClientDir(name)), h.Path(RemovedDir), name)
			return
		case kind == "client" && ca != nil && !chainsToRoot(b, ca):
			find("%s %s (%s) was not issued by the current CA %s: dockerd will refuse it; %s", kind, name, certPath, CACert, renewHint(kind, name))
		case kind == "client" && ca != nil && h.memberTrust() && ledger.Switch == nil && issuedBy(b, ca):
			find("%s %s (%s) was signed by the root itself, not by a member anchor: dockerd trusts only the anchors and will refuse it; %s", kind, name, certPath, renewHint(kind, name))
		}
		left := info.DaysLeft(now)
		r.Certificates = append(r.Certificates, CertStatus{Kind: kind, Name: name, Path: certPath, NotAfter: info.NotAfter, DaysLeft: left})
		switch {
		case now.Before(info.NotBefore):
			find("%s %s is not valid until %s: it is refused until then; check this host's clock (timedatectl)", kind, name, info.NotBefore.UTC().Format("2006-01-02 15:04 UTC"))
		case left < 0:
			find("%s %s expired on %s: %s", kind, name, info.NotAfter.Format(day), renewHint(kind, name))
		case left <= in.WarnDays:
			find("%s %s expires in %d days (%s): %s", kind, name, left, info.NotAfter.Format(day), renewHint(kind, name))
		}
		kb, ok, err := h.read(keyPath)
		if err != nil {
			find("%v", err)
			return
		}
		if !ok && kind == "client" && h.fromCSR(info.Serial) {
			return // issued for the member's request: their key is theirs
		}
		if !ok {
			find("%s: the key %s is missing", certPath, keyPath)
			return
		}
		if kind == "ca" {
			if msg := caKeyFinding(kb, keyPath); msg != "" {
				find("%s", msg)
			}
		} else if err := pki.CheckKeyPair(b, kb); err != nil {
			find("%s does not match %s: %v", keyPath, certPath, err)
		}
		// The server key's mode is CIS 3.14's (see cisFindings).
		if st, err := h.fs.Lstat(keyPath); err == nil && kind != "server" && st.Mode().Perm()&0o077 != 0 {
			want := member.ModeKey
			if kind == "ca" {
				want = modeKey
			}
			find("%s has mode %04o: other users can read it; chmod %o %s", keyPath, st.Mode().Perm(), want, h.Path(keyPath))
		}
	}
	check("ca", "", CACert, CAKey)
	check("server", "", ServerCert, ServerKey)
	if entries, err := h.fs.ReadDir(ClientsDir); err == nil {
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, d := range entries {
			if d.IsDir() {
				check("client", d.Name(), ClientDir(d.Name())+"/"+member.CertFile, ClientDir(d.Name())+"/"+member.KeyFile)
			}
		}
	}
	for _, d := range h.ownDirs() {
		if st, err := h.fs.Lstat(d); err == nil && st.IsDir() && st.Mode().Perm()&0o077 != 0 {
			find("%s has mode %04o: chmod 700 %s", d, st.Mode().Perm(), d)
		}
	}

	h.cisFindings(cfg, cfgPath, add)
	r.Advice = h.advice(cfg, cfgPath)

	if in.Probe {
		if err := h.Probe(5 * time.Second); err != nil {
			find("probe failed: %v%s", err, probeHint(err))
			r.Probe = "failed"
		} else {
			r.Probe = "ok"
		}
	}
	r.Healthy = len(r.Findings) == 0
	return r
}

// configPath is the daemon.json dockerd reads: the file --config-file
// names on docker.service's command line, else /etc/docker/daemon.json.
func (h *Host) configPath() string {
	if det, err := render.Detect(h.root); err == nil && det.ConfigFile != "" {
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

// pathFindings reports what a writing run would refuse on the way to the
// files docker-tls manages: a link, a directory another user owns or may
// write, a file another user owns; and a run that is under way or was
// interrupted. Status changes nothing: it only says what the next run does.
func (h *Host) pathFindings(find func(string, ...any)) {
	for _, err := range h.pathProblems() {
		find("%v", err)
	}
	if pending, err := h.journal().Pending(h.root); err == nil && pending {
		find("%s exists: a docker-tls run is writing right now, or was interrupted (killed, or the machine went down); the next init, client add, renew or apply rolls an interrupted run back before it does anything else", h.Path(JournalPath))
	}
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
