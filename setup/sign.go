package setup

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// RequestFile is a member's certificate request, read and checked.
type RequestFile struct {
	Path string
	CSR  []byte
	Name string // the request's common name: the member's name
	// KeyType names the request's key ("ecdsa-p256", "rsa-4096", ...).
	KeyType string
	// Fingerprint is pki.KeyFingerprint of the request's key: what the
	// member's "docker-tls request" printed, for the admin to compare.
	Fingerprint string
}

// ReadRequest reads the request a member sent (path is the admin's file,
// not under the root) and checks it as PrepareSign does: its signature,
// its key type and the name it asks for. Front ends read it before asking
// for the CA passphrase: nobody should type one only to learn that the
// file is wrong.
func (h *Host) ReadRequest(path string) (*RequestFile, error) {
	path = member.ExpandHome(path)
	data, err := readSmall(path, pki.MaxCSRSize)
	if err != nil {
		return nil, hint.With(fmt.Errorf("cannot read the request: %w", err), "Give the .csr file the member sent.")
	}
	csr, err := pki.ParseCSR(data)
	if err != nil {
		return nil, hint.With(fmt.Errorf("%s: %w", path, err), "Ask the member to make a new request with \"docker-tls request --host HOST --name NAME\".")
	}
	return &RequestFile{Path: path, CSR: data, Name: csr.Subject.CommonName,
		KeyType: pki.KeyTypeOf(csr.PublicKey), Fingerprint: pki.KeyFingerprint(csr.PublicKey)}, nil
}

// readSmall reads a regular file of at most limit bytes. A FIFO or a
// device is refused before it is opened for reading (a FIFO with no writer
// would block forever), and the open does not block.
func readSmall(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || !os.SameFile(st, fi) {
		return nil, fmt.Errorf("%s changed while it was opened", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes: not a certificate request", path, limit)
	}
	return data, nil
}

// SignInput is a member's certificate request to sign.
type SignInput struct {
	CSR     []byte // the PEM file they sent
	Days    int    // 0: pki.DefaultDays
	Reissue bool   // allow a name already issued (its old files are backed up)
}

// PrepareSign issues a client certificate for a member's request: the
// signature is checked, only the key types we issue for are accepted, the
// name is the request's common name (checked like client add's), and what
// the request asks for beyond that is ignored. The bundle on this host holds
// ca.pem and cert.pem: the member's key never comes here.
func (h *Host) PrepareSign(in SignInput, pass []byte) (*Prepared, error) {
	if in.Days == 0 {
		in.Days = pki.DefaultDays
	}
	csr, err := pki.ParseCSR(in.CSR)
	if err != nil {
		return nil, hint.With(err, "Ask the member to make a new request with \"docker-tls request --host HOST --name NAME\".")
	}
	name := csr.Subject.CommonName
	if err := h.lock(); err != nil {
		return nil, err
	}
	if err := h.RequireCA(); err != nil {
		return nil, err
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return nil, err
	}
	if err := h.nameTakenOtherCase(ledger, name); err != nil {
		return nil, err
	}
	dir := ClientDir(name)
	if !in.Reissue && (ledger.Active(name) || h.exists(dir+"/"+member.CertFile)) {
		return nil, hint.With(fmt.Errorf("a client named %q was %w", name, ErrIssued),
			"Ask for a request with another name, or sign it again with --force (the old files are backed up).")
	}
	if h.exists(dir + "/" + member.KeyFile) {
		// A key made here for an earlier bundle would sit beside a
		// certificate it does not belong to.
		return nil, hint.With(fmt.Errorf("%s holds a key made on this host for an earlier %q", h.Path(dir), name),
			"Move that bundle away first (it is an earlier one), then sign again.")
	}
	issue := func(ca *pki.CA) (*pki.Leaf, error) { return pki.IssueClientFor(ca, csr, in.Days, pki.WithNow(h.now)) }
	issueMember := func(a *pki.Anchor) (*pki.Leaf, error) {
		return pki.IssueMemberFor(a, pass, csr, in.Days, pki.WithNow(h.now))
	}
	return h.prepareMember(name, ledger, pass, issue, issueMember, true)
}

// ArchiveClient reads an issued member's bundle, to pack it for hand-over
// with "client archive": ca.pem, cert.pem, key.pem when it was made here,
// and the metadata that tells "connect" where to go.
func (h *Host) ArchiveClient(name string) (*Member, error) {
	if err := pki.ValidateClientName(name); err != nil {
		return nil, pki.FieldErrors{{Field: pki.FieldClients, Value: name, Reason: err.Error()}}
	}
	dir := ClientDir(name)
	certPEM, ok, err := h.read(dir + "/" + member.CertFile)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, h.noClient(name)
	}
	cert, err := pki.ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", dir, member.CertFile, err)
	}
	if l, err := h.ledger(false); err == nil && l.Member(name) != nil && l.Member(name).RemovedAt != nil {
		return nil, hint.With(fmt.Errorf("%s was removed on %s: their certificate no longer gets in", name, l.Member(name).RemovedAt.Format(day)),
			fmt.Sprintf("Let them back in on purpose with \"docker-tls client add %s\".", name))
	}
	if ca := h.currentCA(); ca != nil && !chainsToRoot(certPEM, ca) {
		return nil, hint.With(fmt.Errorf("%s's certificate was not issued by the current CA: the daemon would refuse it", name),
			fmt.Sprintf("Re-issue it first: docker-tls renew --client %s.", name))
	}
	if h.now().After(cert.NotAfter) {
		return nil, hint.With(fmt.Errorf("%s's certificate expired on %s", name, cert.NotAfter.Format(day)),
			fmt.Sprintf("Re-issue it first: docker-tls renew --client %s.", name))
	}
	caPEM, ok, err := h.read(dir + "/" + member.CAFile)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s has no %s: re-issue the bundle with docker-tls renew --client %s", h.Path(dir), member.CAFile, name)
	}
	keyPEM, hasKey, err := h.read(dir + "/" + member.KeyFile)
	if err != nil {
		return nil, err
	}
	if hasKey {
		if err := pki.CheckKeyPair(certPEM, keyPEM); err != nil {
			return nil, fmt.Errorf("%s: %w", h.Path(dir), err)
		}
	} else if !h.fromCSR(cert.SerialNumber.Text(16)) {
		return nil, errors.New(h.Path(dir) + " has no key.pem, and its certificate was not issued for a request: restore the key, or re-issue the bundle with docker-tls renew --client " + name)
	}
	b := &member.Bundle{CA: caPEM, Cert: certPEM}
	if hasKey {
		b.Key = keyPEM
	}
	return h.memberOf(cert, b), nil
}

// fromCSR reports whether the ledger says this serial was issued for a
// member's request (so its key is not meant to be here).
func (h *Host) fromCSR(serial string) bool {
	l, err := h.ledger(false)
	if err != nil {
		return false
	}
	e := l.Entry(serial)
	return e != nil && e.FromCSR
}
