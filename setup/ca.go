package setup

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
)

// HasCA reports whether a CA exists under the root.
func (h *Host) HasCA() bool { return h.exists(CACert) }

// RequireCA fails, saying what to do, when there is no CA yet.
func (h *Host) RequireCA() error {
	if !h.HasCA() {
		return h.noCA()
	}
	return nil
}

// NeedsNewCA reports whether an init makes a new CA (and so asks for a new
// passphrase, twice): there is none, or force replaces it.
func (h *Host) NeedsNewCA(force bool) bool { return force || !h.HasCA() }

// CheckPassphrase opens the existing CA with pass: the wizard asks it before
// anything is generated.
func (h *Host) CheckPassphrase(pass []byte) error {
	ca, err := h.loadCA(pass)
	if err == nil && ca == nil {
		return h.noCA()
	}
	return err
}

func (h *Host) noCA() error {
	return hint.With(fmt.Errorf("%w at %s", ErrNoCA, h.Path(CACert)),
		"Run \"docker-tls init\" (or the wizard) first; --root must point at the same tree.")
}

// loadCA opens the CA under the root with the passphrase. A missing CA is
// (nil, nil). Every refusal says what to do; its hints name the whole
// command ("docker-tls init --force"), since they reach the callers of
// client add and renew too, whose --force does something else.
func (h *Host) loadCA(pass []byte) (*pki.CA, error) {
	certPEM, ok, err := h.read(CACert)
	if err != nil {
		return nil, err
	}
	if !ok {
		if h.exists(CAKey) {
			return nil, hint.Errorf("Restore ca.pem from a backup (a .bak beside it), or move the key away and make a new CA with \"docker-tls init --force\".",
				"%s exists but the CA certificate %s is missing", CAKey, CACert)
		}
		return nil, nil
	}
	keyPEM, ok, err := h.read(CAKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, hint.Errorf("Restore the key from a backup, or make a new CA with \"docker-tls init --force\" (the old one is backed up).",
			"%s exists but its key %s is missing", CACert, CAKey)
	}
	if !pki.IsEncrypted(keyPEM) {
		return nil, errUnencryptedCAKey()
	}
	ca, err := pki.LoadCA(certPEM, keyPEM, pass, pki.WithNow(h.now))
	if errors.Is(err, pki.ErrNotYetValid) {
		return nil, notYetValid(err)
	}
	if errors.Is(err, pki.ErrBadPassphrase) {
		return nil, passErr(err, CAKey)
	}
	if err != nil {
		return nil, fmt.Errorf("loading the CA: %w", err)
	}
	return ca, nil
}

// currentCA is the CA certificate under the root, or nil when there is none
// (or it does not parse: status reports that on its own).
func (h *Host) currentCA() *x509.Certificate {
	b, ok, _ := h.read(CACert)
	if !ok {
		return nil
	}
	c, _ := pki.ParseCert(b)
	return c
}

func issuedByCert(c, ca *x509.Certificate) bool {
	return string(c.RawIssuer) == string(ca.RawSubject) && c.CheckSignatureFrom(ca) == nil
}

func errUnencryptedCAKey() error {
	return hint.Errorf("Encrypt it (in the CA directory): openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 600000 -in ca-key.pem -out ca-key.enc && mv ca-key.enc ca-key.pem; or make a new CA with \"docker-tls init --force\".",
		"the CA key %s is not encrypted: anyone who can read it can issue certificates", CAKey)
}

// requireEncryptedCAKey refuses to work next to an unencrypted CA key, even
// when the work itself needs no CA key (a member's anchor signs).
func (h *Host) requireEncryptedCAKey() error {
	keyPEM, ok, err := h.read(CAKey)
	if err != nil || !ok {
		return err
	}
	if !pki.IsEncrypted(keyPEM) {
		return errUnencryptedCAKey()
	}
	return nil
}

// notYetValid says what to do about a CA whose validity starts later.
func notYetValid(err error) error {
	return hint.With(fmt.Errorf("%s: %w", CACert, err),
		"Check this host's clock (timedatectl); if it is right, the CA came from a host whose clock was ahead: make a new one with --force.")
}
