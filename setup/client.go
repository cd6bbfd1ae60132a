package setup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
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
}

// PrepareClient issues a client certificate from the existing CA and
// computes its bundle and the ledger entry.
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
	if !in.Reissue && (ledger.Has(pki.KindClient, in.Name) || h.exists(ClientDir(in.Name)+"/"+BundleCert)) {
		return nil, WithHint(fmt.Errorf("a client named %q was %w", in.Name, ErrIssued),
			"Pick another name, or re-issue it with --force (the old files are backed up).")
	}
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
	ledger.Add(leaf, h.now())
	files := append(leafFiles(ca, leaf),
		render.File{Path: LedgerPath, Data: ledger.Marshal(), Mode: modeCert, DirMode: modeSecret})
	changes, err := render.Build(h.root, files, nil)
	if err != nil {
		return nil, err
	}
	mem := h.member(ca, leaf)
	return &Prepared{
		Summary:   []string{fmt.Sprintf("Client    %s: new, until %s", in.Name, leaf.Cert.NotAfter.Format(day))},
		Changes:   changes,
		Member:    mem,
		NextSteps: mem.Handover(""),
	}, nil
}

func (h *Host) member(ca *pki.CA, leaf *pki.Leaf) *Member {
	fqdn, ep := h.Endpoint()
	return &Member{
		Name: leaf.Name, Serial: leaf.Cert.SerialNumber.Text(16), NotAfter: leaf.Cert.NotAfter,
		Bundle: ClientDir(leaf.Name), Endpoint: ep, FQDN: fqdn,
		caPEM: ca.CertPEM, certPEM: leaf.CertPEM, keyPEM: leaf.KeyPEM,
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
	return []Step{
		get,
		{Text: "Then they connect with:",
			Commands: []string{
				fmt.Sprintf("export DOCKER_HOST=%s DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=%s", m.Endpoint, local),
				"docker version",
			}},
		{Text: "or keep it as a Docker context:", Commands: contextCommands(m.FQDN, m.Endpoint, local)},
	}
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
	Problem  string    `json:"problem,omitempty"`
}

// Clients reads the bundles on disk; the ledger adds those whose files were
// removed (marked "bundle missing").
func (h *Host) Clients() ([]ClientRow, error) {
	now := h.now()
	rows := []ClientRow{}
	seen := map[string]bool{}
	ca := h.currentCA()
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
		switch {
		case ca != nil && !issuedBy(b, ca):
			// Left over from a CA replaced with --force: dockerd refuses it.
			r.Problem = "not from the current CA"
		case r.DaysLeft < 0:
			r.Problem = "expired"
		}
		rows = append(rows, r)
		seen[d.Name()] = true
	}
	lb, _, err := h.read(LedgerPath)
	if err != nil {
		return nil, err
	}
	if l, err := pki.ParseLedger(lb); err == nil {
		for _, en := range l.Issued {
			if en.Kind != pki.KindClient || seen[en.CommonName] {
				continue
			}
			seen[en.CommonName] = true
			rows = append(rows, ClientRow{Name: en.CommonName, Serial: en.Serial, NotAfter: en.NotAfter,
				DaysLeft: int(en.NotAfter.Sub(now).Hours() / 24), Problem: "bundle missing"})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows, nil
}
