package setup

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// RenewInput re-issues the server certificate, or a client's with Client.
// Zero values keep what the current certificate has: its names, its key type
// and its lifetime.
type RenewInput struct {
	Client  string      // "": the server certificate
	FQDN    string      // server: a new host name; "" keeps it
	AddDNS  []string    // server: names to add to the current ones
	AddIPs  []string    // server: IPs to add to the current ones
	KeyType pki.KeyType // "": keep the current key type
	Days    int         // 0: keep the current lifetime
}

// keepProfile is the one rule of renewing: unless asked otherwise, a renewed
// certificate keeps the key type and lifetime of the one it replaces.
func keepProfile(cur *x509.Certificate, kt pki.KeyType, days int) (pki.KeyType, int) {
	if kt == "" {
		kt = pki.ECDSAP256
		if k, err := pki.ParseKeyType(pki.KeyTypeOf(cur.PublicKey)); err == nil {
			kt = k
		}
	}
	if days == 0 {
		days = pki.LifetimeDays(cur)
	}
	return kt, days
}

// CheckRenew finds what makes a renew impossible (no CA, no such
// certificate) before a passphrase is asked.
func (h *Host) CheckRenew(in RenewInput) error {
	if err := h.RequireCA(); err != nil {
		return err
	}
	if in.Client != "" {
		if !h.exists(ClientDir(in.Client) + "/" + member.CertFile) {
			return h.noClient(in.Client)
		}
		return nil
	}
	if !h.exists(ServerCert) {
		return h.noServerCert()
	}
	return nil
}

func (h *Host) noClient(name string) error {
	return hint.Errorf("List them with \"docker-tls client list\"; add one with \"docker-tls client add NAME\".",
		"no client %q under %s", name, h.Path(ClientsDir))
}

func (h *Host) noServerCert() error {
	return hint.Errorf("Run \"docker-tls init\" first.", "no server certificate at %s", h.Path(ServerCert))
}

// serverCert reads the current server certificate.
func (h *Host) serverCert() (*x509.Certificate, error) {
	b, ok, err := h.read(ServerCert)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, h.noServerCert()
	}
	c, err := pki.ParseCert(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ServerCert, err)
	}
	return c, nil
}

// planFromServer is the plan a server certificate was issued from: its
// names, key type and lifetime.
func planFromServer(cert *x509.Certificate) pki.Plan {
	p := pki.DefaultPlan()
	p.FQDN = cert.Subject.CommonName
	for _, n := range cert.DNSNames {
		if n != p.FQDN {
			p.DNSNames = append(p.DNSNames, n)
		}
	}
	for _, ip := range cert.IPAddresses {
		p.IPs = append(p.IPs, ip.String())
	}
	p.KeyType, p.Days = keepProfile(cert, "", 0)
	return p
}

// PrepareRenew re-issues a certificate with new dates and the same names,
// key type and lifetime unless in says otherwise; the old files are backed
// up when written.
func (h *Host) PrepareRenew(in RenewInput, pass []byte) (*Prepared, error) {
	if err := h.lock(); err != nil {
		return nil, err
	}
	if in.Client != "" {
		return h.prepareRenewClient(in, pass)
	}
	cur, err := h.serverCert()
	if err != nil {
		return nil, err
	}
	plan := planFromServer(cur)
	if in.FQDN != "" {
		plan.FQDN = in.FQDN
	}
	var dns []string
	for _, n := range append(plan.DNSNames, in.AddDNS...) {
		if n != plan.FQDN && !slices.Contains(dns, n) {
			dns = append(dns, n)
		}
	}
	plan.DNSNames = dns
	for _, ip := range in.AddIPs {
		if !slices.Contains(plan.IPs, ip) {
			plan.IPs = append(plan.IPs, ip)
		}
	}
	plan.KeyType, plan.Days = keepProfile(cur, in.KeyType, in.Days)
	plan.CADays = pki.MaxDays // the CA's real end date is checked when signing
	if err := plan.Validate(); err != nil {
		return nil, err
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return nil, err
	}
	if ledger.Switch != nil && ledger.Switch.NewRoot {
		// Members who have not moved verify the server with the old root.
		return nil, hint.With(errors.New("during the switch to per-member trust the server certificate stays the old root's"),
			"Run \"docker-tls trust finalize\": it renews the server certificate from the new root.")
	}
	ca, err := h.loadCA(pass)
	if err != nil {
		return nil, err
	}
	if ca == nil {
		return nil, h.noCA()
	}
	// Through the host issuer, made now when there is none for these names
	// (a setup older than it, or --san-*): renew --auto needs it.
	leaf, issuerFiles, err := h.issueServer(ca, plan, pki.WithNow(h.now))
	if err != nil {
		return nil, err
	}
	ledger.Add(leaf, h.now())
	changes, err := h.build(append(append(serverFiles(leaf), issuerFiles...), ledgerFile(ledger), h.lastRenewFile()), nil)
	if err != nil {
		return nil, err
	}
	return &Prepared{
		Outline: Outline{Server: &ServerOutline{FQDN: plan.FQDN, Change: Renewed, KeyType: plan.KeyType, Days: plan.Days, NotAfter: leaf.Cert.NotAfter}},
		Changes: changes, Restart: RestartServer, Root: h.sandboxRoot(),
	}, nil
}

func (h *Host) prepareRenewClient(in RenewInput, pass []byte) (*Prepared, error) {
	if err := pki.ValidateClientName(in.Client); err != nil {
		return nil, pki.FieldErrors{{Field: pki.FieldClients, Value: in.Client, Reason: err.Error()}}
	}
	certPEM, ok, err := h.read(ClientDir(in.Client) + "/" + member.CertFile)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, h.noClient(in.Client)
	}
	cur, err := pki.ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ClientDir(in.Client)+"/"+member.CertFile, err)
	}
	if h.fromCSR(cur.SerialNumber.Text(16)) {
		// Re-issuing here would make a key on the host for a member whose
		// key was never to leave their machine.
		return nil, hint.Errorf(fmt.Sprintf("On their machine: \"docker-tls request --renew CONTEXT\"; then here: \"docker-tls client sign FILE.csr --force\" (%s's bundle keeps working until then).", in.Client),
			"%s signed a request: their key is on their machine, so the host cannot renew their certificate", in.Client)
	}
	kt, days := keepProfile(cur, in.KeyType, in.Days)
	return h.PrepareClient(ClientInput{Name: in.Client, Days: days, KeyType: kt, Reissue: true}, pass)
}
