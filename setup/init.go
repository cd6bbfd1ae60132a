package setup

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// InitInput is a whole setup: what init's flags and the wizard's answers
// both come down to.
type InitInput struct {
	Plan   pki.Plan
	Listen string // HOST:PORT for dockerd's TLS listener
	Force  bool   // replace an existing CA (it is backed up)
}

// renewBefore: init re-issues a leaf that expires within this window.
const renewBefore = 30 * 24 * time.Hour

// Validate normalizes in place and returns every problem as pki.FieldErrors.
func (in *InitInput) Validate() error {
	var errs pki.FieldErrors
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

func hostConfig(listen string) *render.Host {
	return &render.Host{Listen: listen, CACert: ServerCA, Cert: ServerCert, Key: ServerKey}
}

// CheckHost finds problems with the host (no docker.service, a daemon.json
// that does not parse, a conflicting drop-in) before a passphrase is asked.
func (h *Host) CheckHost(listen string) error {
	if err := h.checkPaths(); err != nil {
		return err
	}
	_, err := render.Build(h.root, nil, hostConfig(listen))
	return err
}

// PrepareInit's Summary may name fields as {field} (see pki.Words), for the
// front end to put in its own words.
//
// PrepareInit issues what is missing and computes every file. An existing
// CA is reused unless in.Force; a server or client certificate that already
// matches the plan is kept, so running init twice changes nothing. Keys
// started with StartKeys are used when their type matches.
func (h *Host) PrepareInit(in InitInput, pass []byte) (*Prepared, error) {
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
	newCA := ca == nil
	if newCA {
		if err := pki.ValidatePassphrase(string(pass)); err != nil {
			return nil, WithHint(err, "Choose a longer passphrase: a few unrelated words are easy to type and hard to guess.")
		}
	}
	plan := in.Plan
	opts := []pki.Option{pki.WithNow(h.now)}
	if keys := h.startedKeys(); keys != nil {
		opts = append(opts, pki.WithKeys(keys))
	}

	var files []render.File
	var issued []*pki.Leaf
	var serverDiff *pki.ServerDiff
	if newCA {
		b, err := pki.Issue(plan, nil, pass, opts...)
		if err != nil {
			return nil, err
		}
		ca = b.CA
		files = append(files,
			render.File{Path: CACert, Data: ca.CertPEM, Mode: modeCert, DirMode: modeSecret},
			// O_EXCL: a CA key is never overwritten by accident; with
			// --force the old one is backed up first.
			render.File{Path: CAKey, Data: b.CAKeyPEM, Mode: modeKey, DirMode: modeSecret, Exclusive: !in.Force},
		)
		issued = append(issued, b.Server)
		issued = append(issued, b.Clients...)
	} else {
		if cert, ok := h.leafUpToDate(ca, ServerCert, ServerKey); !ok || !pki.CompareServer(cert, plan).Same() {
			if ok {
				d := pki.CompareServer(cert, plan)
				serverDiff = &d
			}
			leaf, err := pki.IssueServer(ca, plan, opts...)
			if err != nil {
				return nil, err
			}
			issued = append(issued, leaf)
		}
		for _, name := range plan.Clients {
			cert, ok := h.leafUpToDate(ca, ClientDir(name)+"/"+BundleCert, ClientDir(name)+"/"+BundleKey)
			if ok && cert.Subject.CommonName == name && pki.SameProfile(cert, plan.KeyType, plan.Days) {
				continue
			}
			leaf, err := pki.IssueClient(ca, name, plan.Days, plan.KeyType, opts...)
			if err != nil {
				return nil, err
			}
			issued = append(issued, leaf)
		}
	}

	// What dockerd reads. The CA copy is rewritten each time (unchanged when equal).
	files = append(files, render.File{Path: ServerCA, Data: ca.CertPEM, Mode: modeCert, DirMode: modePublic})
	for _, l := range issued {
		files = append(files, leafFiles(ca, l)...)
	}
	for _, name := range plan.Clients {
		files = append(files, render.File{Path: ClientDir(name) + "/" + BundleCA, Data: ca.CertPEM, Mode: modeCert, DirMode: modeSecret})
	}
	if len(issued) > 0 {
		lf, err := h.ledgerWith(newCA && in.Force, issued)
		if err != nil {
			return nil, err
		}
		files = append(files, lf)
	}
	changes, err := h.build(sortFiles(files), hostConfig(in.Listen))
	if err != nil {
		return nil, err
	}
	return &Prepared{
		Summary:   initSummary(in, ca, newCA, issued, serverDiff),
		Changes:   changes,
		NextSteps: h.initSteps(in),
	}, nil
}

const day = "2006-01-02"

func initSummary(in InitInput, ca *pki.CA, newCA bool, issued []*pki.Leaf, diff *pki.ServerDiff) []string {
	plan := in.Plan
	var out []string
	if newCA {
		out = append(out, fmt.Sprintf("CA        new %q, %s, until %s, key encrypted",
			ca.Cert.Subject.CommonName, plan.KeyType, ca.Cert.NotAfter.Format(day)))
	} else {
		out = append(out, fmt.Sprintf("CA        existing %q, until %s", ca.Cert.Subject.CommonName, ca.Cert.NotAfter.Format(day)))
		org := strings.Join(ca.Cert.Subject.Organization, ", ")
		if ca.Cert.Subject.CommonName != plan.CACommonName || org != plan.CAOrganization || pki.LifetimeDays(ca.Cert) != plan.CADays {
			out = append(out, "          (kept as it is: {ca-name}, {ca-organisation} and {ca-days} apply to a new CA only)")
		}
	}
	server := "unchanged (already valid for these names)"
	for _, l := range issued {
		if l.Kind == pki.KindServer {
			server = fmt.Sprintf("new, %s, until %s", plan.KeyType, l.Cert.NotAfter.Format(day))
		}
	}
	out = append(out, fmt.Sprintf("Server    %s", server))
	out = append(out, fmt.Sprintf("  DNS     %s", strings.Join(plan.SANs(), ", ")))
	if len(plan.IPs) > 0 {
		out = append(out, fmt.Sprintf("  IP      %s", strings.Join(plan.IPs, ", ")))
	}
	if diff != nil {
		if len(diff.RemovedDNS) > 0 {
			out = append(out, fmt.Sprintf("  removed DNS %s (in the current certificate, not in this plan)", strings.Join(diff.RemovedDNS, ", ")))
		}
		if len(diff.RemovedIPs) > 0 {
			out = append(out, fmt.Sprintf("  removed IP  %s (in the current certificate, not in this plan)", strings.Join(diff.RemovedIPs, ", ")))
		}
	}
	for _, name := range plan.Clients {
		state := "unchanged (already issued)"
		for _, l := range issued {
			if l.Kind == pki.KindClient && l.Name == name {
				state = "new, until " + l.Cert.NotAfter.Format(day)
			}
		}
		out = append(out, fmt.Sprintf("Client    %s: %s", name, state))
	}
	out = append(out, fmt.Sprintf("Listen    tcp://%s with TLS, client certificates required", in.Listen))
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

// initSteps: restart, verify, hand out the bundles.
func (h *Host) initSteps(in InitInput) []Step {
	host := dockerHost(in.Plan.FQDN, in.Listen)
	restart := Step{Text: "Restart Docker with the new configuration:",
		Commands: []string{"systemctl daemon-reload && systemctl restart docker"}}
	if h.Sandbox() {
		restart.Text = fmt.Sprintf("Copy the files under %s to /, then restart Docker with the new configuration:", h.root)
	}
	first := in.Plan.Clients[0]
	return []Step{
		restart,
		{Text: "Check that it answers over TLS, with a client bundle:",
			Commands: []string{fmt.Sprintf("DOCKER_CERT_PATH=%s DOCKER_TLS_VERIFY=1 docker -H %s version", ClientDir(first), host)}},
		{Text: fmt.Sprintf("Hand each person their bundle (%s/NAME) as one file, over a private channel (it holds their private key):", ClientsDir),
			Commands: []string{h.archiveCommand(first)}},
		{Text: "On their machine, they run:", Commands: []string{"docker-tls connect " + first + ".tar.gz"}},
	}
}

// archiveCommand packs a member's bundle into NAME.tar.gz (with --root for
// a sandbox, so that the line works as printed).
func (h *Host) archiveCommand(name string) string {
	cmd := fmt.Sprintf("docker-tls client archive %s %s.tar.gz", name, name)
	if h.Sandbox() {
		cmd += " --root " + h.root
	}
	return cmd
}

// contextCommands make a docker context for a bundle copied to dir.
func contextCommands(name, host, dir string) []string {
	return []string{
		fmt.Sprintf("docker context create %s --docker \"host=%s,ca=%s/ca.pem,cert=%s/cert.pem,key=%s/key.pem\"", name, host, dir, dir, dir),
		fmt.Sprintf("docker --context %s version", name),
	}
}
