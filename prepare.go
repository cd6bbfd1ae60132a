package main

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// setup is one plan for a host: what init's flags and the wizard's answers
// both come down to. prepareSetup turns it into render.Changes; nothing is
// written until apply.
type setup struct {
	root   string
	plan   pki.Plan // validated
	listen string   // validated with render.ParseListen
	force  bool     // replace an existing CA (backed up)
	now    func() time.Time
}

// prepared is a computed, validated change set plus what to tell the user.
type prepared struct {
	summary   []string
	changes   *render.Changes
	nextSteps string
}

// loadCA opens the CA under root with the passphrase. A missing CA is (nil, nil).
func loadCA(root string, pass []byte) (*pki.CA, error) {
	certPEM, ok, err := readFile(root, caCert)
	if err != nil {
		return nil, err
	}
	if !ok {
		if exists(root, caKey) {
			return nil, withHint(fmt.Errorf("%s exists but the CA certificate %s is missing", caKey, caCert),
				"Restore ca.pem from a backup (a .bak beside it), or move the key away and make a new CA with --force.")
		}
		return nil, nil
	}
	keyPEM, ok, err := readFile(root, caKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, withHint(fmt.Errorf("%s exists but its key %s is missing", caCert, caKey),
			"Restore the key from a backup, or make a new CA with --force (the old one is backed up).")
	}
	if !pki.IsEncrypted(keyPEM) {
		return nil, withHint(fmt.Errorf("the CA key %s is not encrypted: anyone who can read it can issue certificates", caKey),
			"Encrypt it (in the CA directory): openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 600000 -in ca-key.pem -out ca-key.enc && mv ca-key.enc ca-key.pem; or make a new CA with --force.")
	}
	ca, err := pki.LoadCA(certPEM, keyPEM, pass)
	if errors.Is(err, pki.ErrBadPassphrase) {
		return nil, withHint(fmt.Errorf("%w: it does not open %s", pki.ErrBadPassphrase, caKey),
			"Use the passphrase chosen when the CA was made, or --force to make a new CA (the old one is backed up).")
	}
	if err != nil {
		return nil, fmt.Errorf("loading the CA: %w", err)
	}
	return ca, nil
}

// prepareSetup issues what is missing and computes every file. An existing
// CA is reused unless force; a server or client certificate that already
// matches the plan is kept, so running init twice changes nothing.
func prepareSetup(s setup, pass []byte, keys *pki.KeyGen) (*prepared, error) {
	now := s.now()
	var ca *pki.CA
	if !s.force {
		var err error
		if ca, err = loadCA(s.root, pass); err != nil {
			return nil, err
		}
	}
	newCA := ca == nil
	if newCA {
		if err := pki.ValidatePassphrase(string(pass)); err != nil {
			return nil, withHint(err, "Choose a longer passphrase: a few unrelated words are easy to type and hard to guess.")
		}
	}

	var files []render.File
	var issued []*pki.Leaf
	opts := []pki.Option{pki.WithNow(s.now)}
	if keys != nil {
		opts = append(opts, pki.WithKeys(keys))
	}

	if newCA {
		b, err := pki.Issue(s.plan, nil, pass, opts...)
		if err != nil {
			return nil, err
		}
		ca = b.CA
		files = append(files,
			render.File{Path: caCert, Data: ca.CertPEM, Mode: modeCert, DirMode: modeSecret},
			// O_EXCL: a CA key is never overwritten by accident; with --force
			// the old one is backed up first.
			render.File{Path: caKey, Data: b.CAKeyPEM, Mode: modeKey, DirMode: modeSecret, Exclusive: !s.force},
		)
		issued = append(issued, b.Server)
		issued = append(issued, b.Clients...)
	} else {
		if !serverUpToDate(s.root, ca, s.plan, now) {
			leaf, err := pki.IssueServer(ca, s.plan, opts...)
			if err != nil {
				return nil, err
			}
			issued = append(issued, leaf)
		}
		for _, name := range s.plan.Clients {
			if clientUpToDate(s.root, ca, s.plan, name, now) {
				continue
			}
			leaf, err := pki.IssueClient(ca, name, s.plan.Days, s.plan.KeyType, opts...)
			if err != nil {
				return nil, err
			}
			issued = append(issued, leaf)
		}
	}

	// What dockerd reads. The CA copy is rewritten each time (unchanged when equal).
	files = append(files, render.File{Path: serverCA, Data: ca.CertPEM, Mode: modeCert, DirMode: modePublic})
	for _, l := range issued {
		files = append(files, leafFiles(ca, l)...)
	}
	for _, name := range s.plan.Clients {
		files = append(files, render.File{Path: clientDir(name) + "/ca.pem", Data: ca.CertPEM, Mode: modeCert, DirMode: modeSecret})
	}
	if len(issued) > 0 {
		lf, err := ledgerWith(s.root, newCA && s.force, issued, now)
		if err != nil {
			return nil, err
		}
		files = append(files, lf)
	}
	files = sortFiles(files)

	host := &render.Host{Listen: s.listen, CACert: serverCA, Cert: serverCert, Key: serverKey}
	changes, err := render.Build(s.root, files, host)
	if err != nil {
		return nil, err
	}
	return &prepared{
		summary:   setupSummary(s, ca, newCA, issued),
		changes:   changes,
		nextSteps: nextSteps(s),
	}, nil
}

// leafFiles are the files of one issued certificate.
func leafFiles(ca *pki.CA, l *pki.Leaf) []render.File {
	if l.Kind == pki.KindServer {
		return []render.File{
			{Path: serverCert, Data: l.CertPEM, Mode: modeCert, DirMode: modePublic},
			{Path: serverKey, Data: l.KeyPEM, Mode: modeKey, DirMode: modePublic},
		}
	}
	d := clientDir(l.Name)
	return []render.File{
		{Path: d + "/ca.pem", Data: ca.CertPEM, Mode: modeCert, DirMode: modeSecret},
		{Path: d + "/cert.pem", Data: l.CertPEM, Mode: modeCert, DirMode: modeSecret},
		{Path: d + "/key.pem", Data: l.KeyPEM, Mode: modeKey, DirMode: modeSecret},
	}
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

// ledgerWith returns the ledger file with the new leaves added. A new CA made
// with --force starts a new ledger (the old one is backed up with the CA).
func ledgerWith(root string, fresh bool, leaves []*pki.Leaf, now time.Time) (render.File, error) {
	var old []byte
	if !fresh {
		var err error
		if old, _, err = readFile(root, ledgerFile); err != nil {
			return render.File{}, err
		}
	}
	l, err := pki.ParseLedger(old)
	if err != nil {
		return render.File{}, withHint(fmt.Errorf("%s: %w", ledgerFile, err), "Fix or move the file; it is a list of issued certificates.")
	}
	for _, leaf := range leaves {
		l.Add(leaf, now)
	}
	return render.File{Path: ledgerFile, Data: l.Marshal(), Mode: modeCert, DirMode: modeSecret}, nil
}

// serverUpToDate: the current server certificate is from this CA, names
// exactly the plan's hosts, has its key, and is not about to expire.
func serverUpToDate(root string, ca *pki.CA, plan pki.Plan, now time.Time) bool {
	cert, ok := leafUpToDate(root, ca, serverCert, serverKey, now)
	if !ok {
		return false
	}
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	return sameSet(cert.DNSNames, plan.SANs()) && sameSet(ips, plan.IPs) && cert.Subject.CommonName == plan.FQDN &&
		sameProfile(cert, plan)
}

func clientUpToDate(root string, ca *pki.CA, plan pki.Plan, name string, now time.Time) bool {
	cert, ok := leafUpToDate(root, ca, clientDir(name)+"/cert.pem", clientDir(name)+"/key.pem", now)
	return ok && cert.Subject.CommonName == name && sameProfile(cert, plan)
}

// sameProfile: the certificate has the plan's key type and lifetime, so a
// changed --key-type or --days re-issues it rather than being ignored.
func sameProfile(cert *x509.Certificate, plan pki.Plan) bool {
	return pki.KeyTypeOf(cert.PublicKey) == string(plan.KeyType) && lifetimeDays(cert) == plan.Days
}

// lifetimeDays is the validity a certificate was issued with, in whole days
// (NotBefore is backdated a few minutes for clock skew).
func lifetimeDays(cert *x509.Certificate) int {
	return int(math.Round(cert.NotAfter.Sub(cert.NotBefore).Hours() / 24))
}

// renewBefore: init re-issues a leaf that expires within this window.
const renewBefore = 30 * 24 * time.Hour

func leafUpToDate(root string, ca *pki.CA, certPath, keyPath string, now time.Time) (*x509.Certificate, bool) {
	certPEM, ok, _ := readFile(root, certPath)
	if !ok {
		return nil, false
	}
	keyPEM, ok, _ := readFile(root, keyPath)
	if !ok || pki.CheckKeyPair(certPEM, keyPEM) != nil {
		return nil, false
	}
	cert, err := pki.ParseCert(certPEM)
	if err != nil || cert.CheckSignatureFrom(ca.Cert) != nil || !bytes.Equal(cert.RawIssuer, ca.Cert.RawSubject) {
		return nil, false
	}
	if now.Add(renewBefore).After(cert.NotAfter) {
		return nil, false
	}
	return cert, true
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func setupSummary(s setup, ca *pki.CA, newCA bool, issued []*pki.Leaf) []string {
	day := "2006-01-02"
	var out []string
	if newCA {
		out = append(out, fmt.Sprintf("CA        new %q, %s, until %s, key encrypted",
			ca.Cert.Subject.CommonName, s.plan.KeyType, ca.Cert.NotAfter.Format(day)))
	} else {
		out = append(out, fmt.Sprintf("CA        existing %q, until %s", ca.Cert.Subject.CommonName, ca.Cert.NotAfter.Format(day)))
		org := strings.Join(ca.Cert.Subject.Organization, ", ")
		if ca.Cert.Subject.CommonName != s.plan.CACommonName || org != s.plan.CAOrganization || lifetimeDays(ca.Cert) != s.plan.CADays {
			out = append(out, "          (kept as it is: --ca-cn, --ca-org and --ca-days apply to a new CA, made with --force)")
		}
	}
	server := "unchanged (already valid for these names)"
	for _, l := range issued {
		if l.Kind == pki.KindServer {
			server = fmt.Sprintf("new, %s, until %s", s.plan.KeyType, l.Cert.NotAfter.Format(day))
		}
	}
	out = append(out, fmt.Sprintf("Server    %s", server))
	out = append(out, fmt.Sprintf("  DNS     %s", strings.Join(s.plan.SANs(), ", ")))
	if len(s.plan.IPs) > 0 {
		out = append(out, fmt.Sprintf("  IP      %s", strings.Join(s.plan.IPs, ", ")))
	}
	for _, name := range s.plan.Clients {
		state := "unchanged (already issued)"
		for _, l := range issued {
			if l.Kind == pki.KindClient && l.Name == name {
				state = "new, until " + l.Cert.NotAfter.Format(day)
			}
		}
		out = append(out, fmt.Sprintf("Client    %s: %s", name, state))
	}
	out = append(out, fmt.Sprintf("Listen    tcp://%s with TLS, client certificates required", s.listen))
	return out
}

// dockerHost is the address clients use: the FQDN and the listen port.
func dockerHost(fqdn, listen string) string {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		port = "2376"
	}
	return "tcp://" + net.JoinHostPort(fqdn, port)
}

// nextSteps is what to do after writing: restart, verify, hand out bundles.
// Lines stay under 80 columns so that they read well in the wizard too.
func nextSteps(s setup) string {
	var b strings.Builder
	host := dockerHost(s.plan.FQDN, s.listen)
	first := clientDir(s.plan.Clients[0])
	fmt.Fprintf(&b, "1. Restart Docker with the new configuration:\n")
	fmt.Fprintf(&b, "     systemctl daemon-reload && systemctl restart docker\n")
	if s.root != "/" && s.root != "" {
		fmt.Fprintf(&b, "   (the files are under %s: copy them to / first)\n", s.root)
	}
	fmt.Fprintf(&b, "2. Check that it answers over TLS, with a client bundle:\n")
	fmt.Fprintf(&b, "     DOCKER_CERT_PATH=%s DOCKER_TLS_VERIFY=1 \\\n", first)
	fmt.Fprintf(&b, "       docker -H %s version\n", host)
	fmt.Fprintf(&b, "3. Hand each person their bundle (%s/NAME/); they run:\n", clientsDir)
	b.WriteString(contextCreate(s.plan.FQDN, host, "$HOME/.docker/"+s.plan.FQDN, "     "))
	return b.String()
}

// contextCreate is the `docker context create` line for a bundle copied to
// dir, split so that each line stays under 80 columns.
func contextCreate(fqdn, host, dir, indent string) string {
	return fmt.Sprintf("%[1]sD=%[2]s\n%[1]sH=%[3]s\n%[1]sdocker context create %[4]s \\\n%[1]s  --docker \"host=$H,ca=$D/ca.pem,cert=$D/cert.pem,key=$D/key.pem\"\n%[1]sdocker --context %[4]s version\n",
		indent, dir, host, fqdn)
}
