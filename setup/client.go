package setup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

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
	Bundle   string // real path of the bundle directory
	Endpoint string // tcp://FQDN:PORT, where the member connects
	FQDN     string

	caPEM, certPEM, keyPEM []byte
	restart                []Step // when dockerd must restart before they can connect
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
	if !h.HasCA() {
		return nil, h.noCA()
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return nil, err
	}
	if !in.Reissue && (ledger.Active(in.Name) || h.exists(ClientDir(in.Name)+"/"+BundleCert)) {
		return nil, WithHint(fmt.Errorf("a client named %q was %w", in.Name, ErrIssued),
			"Pick another name, or re-issue it with --force (the old files are backed up).")
	}
	if !h.memberTrust() {
		ca, err := h.loadCA(pass)
		if err != nil {
			return nil, err
		}
		if ca == nil {
			return nil, h.noCA()
		}
		leaf, err := pki.IssueClient(ca, in.Name, in.Days, in.KeyType, pki.WithNow(h.now))
		if err != nil {
			return nil, err
		}
		return h.clientPrepared(ca.CertPEM, leaf, ledger, nil, 0,
			fmt.Sprintf("Client    %s: new, until %s", in.Name, leaf.Cert.NotAfter.Format(day)))
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
	caPEM, err := h.clientCA(&pki.CA{Cert: root, CertPEM: pki.EncodeCert(root)}, ledger.Switch)
	if err != nil {
		return nil, err
	}
	var added []*pki.Anchor
	anchor := anchorBySerial(anchors, ledger.AnchorOf(in.Name))
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
	leaf, err := pki.IssueMember(anchor, pass, in.Name, in.Days, in.KeyType, pki.WithNow(h.now))
	if err != nil {
		return nil, passErr(err, AnchorsPath)
	}
	line := fmt.Sprintf("Client    %s: new, until %s, under %s", in.Name, leaf.Cert.NotAfter.Format(day), pki.AnchorName(anchor.Slot))
	var trust []render.File
	if len(added) > 0 {
		sw, err := h.switchRoot(&pki.CA{Cert: root, CertPEM: pki.EncodeCert(root)}, ledger.Switch)
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
// key.pem), the ledger with it, and trust files when anchors were added.
func (h *Host) clientPrepared(caPEM []byte, leaf *pki.Leaf, ledger *pki.Ledger, trust []render.File, added int, summary ...string) (*Prepared, error) {
	ledger.Add(leaf, h.now())
	files := append(memberFiles(caPEM, leaf), trust...)
	files = append(files, render.File{Path: LedgerPath, Data: ledger.Marshal(), Mode: modeCert, DirMode: modeSecret})
	changes, err := render.Build(h.root, sortFiles(files), nil)
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
// cert.pem holds the certificate, then its anchor when one issued it.
func memberFiles(caPEM []byte, l *pki.Leaf) []render.File {
	d := ClientDir(l.Name)
	return []render.File{
		{Path: d + "/" + BundleCA, Data: caPEM, Mode: modeCert, DirMode: modeSecret},
		{Path: d + "/" + BundleCert, Data: l.Chain(), Mode: modeCert, DirMode: modeSecret},
		{Path: d + "/" + BundleKey, Data: l.KeyPEM, Mode: modeKey, DirMode: modeSecret},
	}
}

// memberUpToDate returns a member's certificate when their bundle holds it
// with its anchor, that anchor is one of anchors and signed by root, the
// key matches, and it is not within renewBefore of its end.
func (h *Host) memberUpToDate(root *x509.Certificate, anchors []*pki.Anchor, name string) (*x509.Certificate, bool) {
	certPEM, ok, _ := h.read(ClientDir(name) + "/" + BundleCert)
	if !ok {
		return nil, false
	}
	keyPEM, ok, _ := h.read(ClientDir(name) + "/" + BundleKey)
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
	fqdn, ep := h.Endpoint()
	return &Member{
		Name: leaf.Name, Serial: leaf.Cert.SerialNumber.Text(16), NotAfter: leaf.Cert.NotAfter,
		Bundle: ClientDir(leaf.Name), Endpoint: ep, FQDN: fqdn,
		caPEM: caPEM, certPEM: leaf.Chain(), keyPEM: leaf.KeyPEM,
	}
}

// Handover is what to send a new member: with an archive (its path), or
// the bundle's three files.
func (m *Member) Handover(archive string) []Step {
	local := "$HOME/.docker/" + m.FQDN
	get := Step{Text: fmt.Sprintf("Send %s the files in %s over a private channel (they hold a private key); on their machine they put ca.pem, cert.pem and key.pem in %s:", m.Name, m.Bundle, local),
		Commands: []string{"mkdir -p " + local}}
	if archive != "" {
		get = Step{Text: fmt.Sprintf("Send %s the archive %s over a private channel (it holds a private key); on their machine they unpack it:", m.Name, filepath.Base(archive)),
			Commands: []string{fmt.Sprintf("mkdir -p %s && tar -xzf %s -C %s", local, filepath.Base(archive), local)}}
	}
	return append(slices.Clone(m.restart),
		get,
		Step{Text: "Then they connect with:",
			Commands: []string{
				fmt.Sprintf("export DOCKER_HOST=%s DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=%s", m.Endpoint, local),
				"docker version",
			}},
		Step{Text: "or keep it as a Docker context:", Commands: contextCommands(m.FQDN, m.Endpoint, local)},
	)
}

// Archive packs the member's ca.pem, cert.pem and key.pem, ready for
// DOCKER_CERT_PATH, as a .tar.gz.
func (m *Member) Archive(now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range []struct {
		name string
		data []byte
		mode int64
	}{{BundleCA, m.caPEM, 0o644}, {BundleCert, m.certPEM, 0o644}, {BundleKey, m.keyPEM, 0o600}} {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CheckArchivePath refuses an archive path that exists (unless replace) or
// whose directory does not.
func CheckArchivePath(path string, replace bool) error {
	if _, err := os.Stat(path); err == nil && !replace {
		return WithHint(fmt.Errorf("%s already exists", path), "Choose another archive path, or add --force to replace it.")
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fmt.Errorf("archive %s: directory %s does not exist", path, filepath.Dir(path))
	}
	return nil
}

// WriteArchive writes data to path (outside the managed tree) atomically,
// mode 0600: temp file in the same directory, fsync, rename. An existing
// file is replaced only when replace is set.
func WriteArchive(path string, data []byte, replace bool) error {
	if err := CheckArchivePath(path, replace); err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o600)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Endpoint is the FQDN (the server certificate's CN) and the address
// clients use (tcp://FQDN:PORT, the port from daemon.json's tcp host).
func (h *Host) Endpoint() (fqdn, host string) {
	fqdn = "docker.example.com"
	if b, ok, _ := h.read(ServerCert); ok {
		if info, err := pki.Inspect(b); err == nil && info.CommonName != "" {
			fqdn = info.CommonName
		}
	}
	port := "2376"
	if l, err := h.tcpListener(); err == nil {
		port = l.Port
	}
	return fqdn, "tcp://" + net.JoinHostPort(fqdn, port)
}

// daemonConfig reads daemon.json; a missing file is (nil, nil).
func (h *Host) daemonConfig() (*render.DaemonConfig, error) {
	b, ok, err := h.read(render.DaemonJSONPath)
	if err != nil || !ok {
		return nil, err
	}
	return render.ParseDaemonConfig(b)
}

// tcpListener is the first tcp host of daemon.json.
func (h *Host) tcpListener() (render.DockerHost, error) {
	cfg, err := h.daemonConfig()
	if err != nil {
		return render.DockerHost{}, err
	}
	if cfg == nil {
		return render.DockerHost{}, fmt.Errorf("no %s to find the TLS address in", render.DaemonJSONPath)
	}
	for _, s := range cfg.Hosts {
		if d, err := render.ParseDockerHost(s); err == nil && d.Proto == "tcp" {
			return d, nil
		}
	}
	return render.DockerHost{}, fmt.Errorf("%s has no tcp:// entry in hosts", render.DaemonJSONPath)
}

// ClientRow is one line of client list.
type ClientRow struct {
	Name     string    `json:"name"`
	Serial   string    `json:"serial"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
	Bundle   string    `json:"bundle"`
	// Slot is the member's anchor slot with per-member trust.
	Slot int `json:"slot,omitempty"`
	// RemovedAt: the member was removed (kept for the record).
	RemovedAt *time.Time `json:"removed_at,omitempty"`
	Problem   string     `json:"problem,omitempty"`
}

// Clients reads the bundles on disk; the ledger adds those whose files were
// removed (marked "bundle missing") and the members removed (marked
// "removed"), kept for the record.
func (h *Host) Clients() ([]ClientRow, error) {
	now := h.now()
	rows := []ClientRow{}
	seen := map[string]bool{}
	ca := h.currentCA()
	lb, _, err := h.read(LedgerPath)
	if err != nil {
		return nil, err
	}
	ledger, lerr := pki.ParseLedger(lb)
	if lerr != nil {
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
	member := h.memberTrust()
	entries, err := os.ReadDir(h.Path(ClientsDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, d := range entries {
		if !d.IsDir() {
			continue
		}
		b, ok, err := h.read(ClientDir(d.Name()) + "/" + BundleCert)
		if err != nil || !ok {
			continue
		}
		info, err := pki.Inspect(b)
		if err != nil {
			rows = append(rows, ClientRow{Name: d.Name(), Bundle: ClientDir(d.Name()), Problem: "unreadable cert.pem"})
			continue
		}
		r := ClientRow{Name: d.Name(), Serial: info.Serial, NotAfter: info.NotAfter, DaysLeft: info.DaysLeft(now), Bundle: ClientDir(d.Name())}
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
		case member && (a == nil || !trusted[string(a.Cert.Raw)]):
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
			DaysLeft: int(last.NotAfter.Sub(now).Hours() / 24), Problem: "bundle missing"}
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
