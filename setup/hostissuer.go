package setup

import (
	"crypto/x509"
	"errors"
	"fmt"
	"syscall"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// ErrNoHostIssuer: a setup made before the host issuer existed has none
// until its next passphrase-backed renew or init re-run.
var ErrNoHostIssuer = errors.New("this setup has no host issuer yet")

// hostIssuer reads the host issuer of root: nil, nil when there is none.
// Its key is refused unless root's alone, as the CA key would be, since it
// is not encrypted.
func (h *Host) hostIssuer(root *x509.Certificate) (*pki.HostIssuer, error) {
	certPEM, ok, err := h.read(HostIssuerCert)
	if err != nil || !ok {
		return nil, err
	}
	keyPEM, ok, err := h.read(HostIssuerKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, hint.Errorf(renewWithPassphrase, "%s exists but its key %s is missing", h.Path(HostIssuerCert), h.Path(HostIssuerKey))
	}
	if err := h.checkSecret(HostIssuerKey); err != nil {
		return nil, err
	}
	hi, err := pki.LoadHostIssuer(certPEM, keyPEM, root)
	if err != nil {
		return nil, hint.With(fmt.Errorf("%s: %w", h.Path(HostIssuerCert), err), renewWithPassphrase)
	}
	return hi, nil
}

const renewWithPassphrase = "Run \"docker-tls renew\" once with the CA passphrase: it makes a new host issuer (the old files are backed up)."

// checkSecret refuses an unencrypted key that another user may read, or
// that root does not own (as root): whoever reads it can sign for this host.
func (h *Host) checkSecret(p string) error {
	if !h.fs.Strict() {
		return nil
	}
	fi, err := h.fs.Lstat(p)
	if err != nil {
		return fmt.Errorf("cannot check %s: %w", h.Path(p), err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm()&0o077 == 0 && (st == nil || st.Uid == 0) {
		return nil
	}
	return hint.Errorf(fmt.Sprintf("chown root:root %s && chmod 0400 %s; if someone else could read it, also run \"docker-tls renew\" with the CA passphrase for a new host issuer.", h.Path(p), h.Path(p)),
		"%s has mode %04o and owner uid %d: it must be root's alone (0400)", h.Path(p), fi.Mode().Perm(), uidOf(st))
}

func uidOf(st *syscall.Stat_t) uint32 {
	if st == nil {
		return 0
	}
	return st.Uid
}

// issuerFor is the host issuer that signs plan's server certificate: the
// one on disk when it is root's and names exactly the plan's names, else a
// new one (made now, with its files to write).
func (h *Host) issuerFor(root *pki.CA, plan pki.Plan, opts ...pki.Option) (*pki.HostIssuer, []render.File, error) {
	hi, err := h.hostIssuer(root.Cert)
	var he *pki.HostIssuerError
	if err != nil && !errors.As(err, &he) {
		return nil, nil, err // unreadable or unsafe: say so, never replace it silently
	}
	if hi != nil && hi.Covers(plan) {
		return hi, nil, nil
	}
	hi, err = pki.NewHostIssuer(root, plan, opts...)
	if err != nil {
		return nil, nil, err
	}
	return hi, hostIssuerFiles(hi), nil
}

func hostIssuerFiles(hi *pki.HostIssuer) []render.File {
	return []render.File{
		{Path: HostIssuerCert, Data: hi.CertPEM, Mode: modeCert, DirMode: modeSecret},
		{Path: HostIssuerKey, Data: hi.KeyPEM, Mode: modeKey, DirMode: modeSecret},
	}
}

// issueServer signs plan's server certificate through the host issuer of
// root, making one when there is none for these names. A root made with
// pathlen:0 (by an older docker-tls, or by hand) cannot sign an issuer: it
// signs the server certificate itself, as before, and renew --auto says
// what to do.
func (h *Host) issueServer(root *pki.CA, plan pki.Plan, opts ...pki.Option) (*pki.Leaf, []render.File, error) {
	if !pki.CanSignAnchors(root.Cert) {
		leaf, err := pki.IssueServer(root, plan, opts...)
		return leaf, nil, err
	}
	hi, files, err := h.issuerFor(root, plan, opts...)
	if err != nil {
		return nil, nil, err
	}
	leaf, err := pki.IssueServerFrom(hi, plan, opts...)
	if err != nil {
		return nil, nil, err
	}
	return leaf, files, nil
}

// currentServer returns the server certificate when it is from root,
// directly or through the host issuer on disk, with its key, and not due.
// keep says it may stay as it is: it came through a host issuer that names
// exactly plan's names, or the root could not make one anyway (canIssue
// false: during a switch, or a pathlen:0 root).
func (h *Host) currentServer(root *x509.Certificate, plan pki.Plan, canIssue bool) (cert *x509.Certificate, ok, keep bool) {
	canIssue = canIssue && pki.CanSignAnchors(root)
	if cert, ok := h.leafUpToDate(&pki.CA{Cert: root}, ServerCert, ServerKey); ok {
		return cert, true, !canIssue
	}
	hi, err := h.hostIssuer(root)
	if err != nil || hi == nil {
		return nil, false, false
	}
	cert, ok = h.leafUpToDate(&pki.CA{Cert: hi.Cert}, ServerCert, ServerKey)
	return cert, ok, ok && hi.Covers(plan)
}
