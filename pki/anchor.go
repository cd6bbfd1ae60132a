package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Trust says what dockerd trusts: each member's anchor (so that one member
// can be shut out by dropping their anchor) or the whole CA.
type Trust string

const (
	// TrustMember: dockerd's tlscacert lists one anchor per member, never
	// the root. The default.
	TrustMember Trust = "member"
	// TrustCA: dockerd trusts the root CA, and so every certificate it
	// signed until it expires.
	TrustCA Trust = "ca"
)

// ParseTrust checks s against the trust modes.
func ParseTrust(s string) (Trust, error) {
	switch Trust(s) {
	case TrustMember, TrustCA:
		return Trust(s), nil
	}
	return "", fmt.Errorf("unknown trust %q: use member (one anchor per member, removable one by one) or ca (the whole CA)", s)
}

const (
	// DefaultSlots is how many unassigned anchors a per-member setup keeps
	// ready, so that onboarding needs no restart of dockerd.
	DefaultSlots = 16
	// MaxAnchors caps the anchors dockerd trusts. The server names every
	// anchor in each handshake (the CertificateRequest's certificate
	// authorities): 1,000 worked with dockerd 20.10 and the docker CLI,
	// 3,000 broke the handshake when the list passed 64 KB.
	MaxAnchors = 500
)

// Anchor is a member anchor: an intermediate CA signed by the root
// (pathlen:0), one per team member, that dockerd trusts on its own. A member's
// certificate is issued by their anchor, so dropping the anchor from dockerd's
// tlscacert shuts that member out and nobody else. Its subject is short and
// names a slot, never a member: the server sends every anchor's subject to
// anyone who connects.
type Anchor struct {
	Slot    int
	Cert    *x509.Certificate
	CertPEM []byte
	KeyPEM  []byte // encrypted PKCS#8 PBES2, like the CA key

	key crypto.Signer // known when made here or opened
}

// AnchorName is the common name of the anchor of a slot.
func AnchorName(slot int) string { return fmt.Sprintf("member anchor %d", slot) }

// Serial is the anchor's serial number as the ledger records it.
func (a *Anchor) Serial() string { return serialHex(a.Cert) }

// Signer returns the anchor as a CA able to sign member certificates: with
// the key it was made with, or by opening its key with the CA passphrase. A
// wrong passphrase is an error wrapping ErrBadPassphrase.
func (a *Anchor) Signer(passphrase []byte) (*CA, error) {
	if a.key == nil {
		key, err := DecryptKey(a.KeyPEM, passphrase)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", AnchorName(a.Slot), err)
		}
		if !samePublicKey(key.Public(), a.Cert.PublicKey) {
			return nil, fmt.Errorf("%s: %w", AnchorName(a.Slot), ErrKeyMismatch)
		}
		a.key = key
	}
	return &CA{Cert: a.Cert, CertPEM: a.CertPEM, Key: a.key}, nil
}

// CanSignAnchors reports whether root may have an intermediate CA under it:
// a root made with pathlen:0 may not (verifiers refuse the chain), one with
// no path length constraint, or one of 1 or more, may.
func CanSignAnchors(root *x509.Certificate) bool {
	if !root.BasicConstraintsValid || !root.IsCA {
		return false
	}
	// A parsed certificate has MaxPathLen -1 when it sets no pathlen.
	return root.MaxPathLen != 0
}

// AnchorKeyType is the key type of the anchors under a root with keys of
// type kt: the same for ECDSA and Ed25519, whose keys take microseconds, and
// ECDSA of comparable strength for RSA, where a batch of 16 RSA-4096 keys
// would take many seconds (P-256 for RSA-2048, P-384 above).
func AnchorKeyType(kt KeyType) KeyType {
	switch kt {
	case RSA2048:
		return ECDSAP256
	case RSA3072, RSA4096:
		return ECDSAP384
	case ECDSAP256, ECDSAP384, Ed25519:
		return kt
	}
	return ECDSAP256
}

// NewAnchors makes n anchors under root for the slots first, first+1, ...,
// valid as long as the root. Their keys are encrypted with passphrase, the
// CA's (see EncryptKeys: one key derivation for the batch).
func NewAnchors(root *CA, first, n int, passphrase []byte, opts ...Option) ([]*Anchor, error) {
	if err := ValidatePassphrase(string(passphrase)); err != nil {
		return nil, FieldErrors{{Field: FieldPassphrase, Reason: err.Error()}}
	}
	o := newOptions(opts)
	anchors, keys, err := newAnchors(root, first, n, o)
	if err != nil || len(anchors) == 0 {
		return nil, err
	}
	pems, err := EncryptKeys(keys, passphrase, o.rand)
	if err != nil {
		return nil, err
	}
	for i, a := range anchors {
		a.KeyPEM = pems[i]
	}
	return anchors, nil
}

// newAnchors makes the anchors and their keys; the caller encrypts them.
func newAnchors(root *CA, first, n int, o *options) ([]*Anchor, []crypto.Signer, error) {
	if n <= 0 {
		return nil, nil, nil
	}
	if root == nil || root.Cert == nil || root.Key == nil {
		return nil, nil, errors.New("new anchors: no CA to sign with")
	}
	if !CanSignAnchors(root.Cert) {
		return nil, nil, fmt.Errorf("new anchors: CA %q was made with pathlen:0 and may not sign other CAs", root.Cert.Subject.CommonName)
	}
	kt := KeyType(KeyTypeOf(root.Cert.PublicKey))
	if _, err := ParseKeyType(string(kt)); err != nil {
		kt = ECDSAP256 // a CA made elsewhere, e.g. RSA-8192
	}
	kt = AnchorKeyType(kt)
	now := o.now()
	anchors := make([]*Anchor, 0, n)
	keys := make([]crypto.Signer, 0, n)
	for i := range n {
		key, err := GenerateKey(kt, o.rand)
		if err != nil {
			return nil, nil, fmt.Errorf("new anchors: %w", err)
		}
		slot := first + i
		cert, der, err := signAnchor(root, slot, key, now, o)
		if err != nil {
			return nil, nil, err
		}
		anchors = append(anchors, &Anchor{Slot: slot, Cert: cert, CertPEM: encodeDER(der), key: key})
		keys = append(keys, key)
	}
	return anchors, keys, nil
}

func signAnchor(root *CA, slot int, key crypto.Signer, now time.Time, o *options) (*x509.Certificate, []byte, error) {
	t := &x509.Certificate{
		Subject:               pkix.Name{CommonName: AnchorName(slot)},
		NotBefore:             now.Add(-clockSkew).UTC(),
		NotAfter:              root.Cert.NotAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true, // pathlen:0: it signs members' certificates, never another CA
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		AuthorityKeyId:        root.Cert.SubjectKeyId,
	}
	if t.NotBefore.Before(root.Cert.NotBefore) {
		t.NotBefore = root.Cert.NotBefore
	}
	if !t.NotBefore.Before(t.NotAfter) {
		return nil, nil, fmt.Errorf("new anchor %d: the CA expired on %s", slot, root.Cert.NotAfter.Format(time.DateOnly))
	}
	cert, der, err := sign(t, root.Cert, key.Public(), root.Key, o)
	if err != nil {
		return nil, nil, fmt.Errorf("new anchor %d: %w", slot, err)
	}
	return cert, der, nil
}

// IssueMember issues a member's client certificate under their anchor. The
// leaf's Chain is what their cert.pem holds: the certificate, then the
// anchor, so that it chains to the root for every verifier.
func IssueMember(anchor *Anchor, passphrase []byte, name string, days int, kt KeyType, opts ...Option) (*Leaf, error) {
	ca, err := anchor.Signer(passphrase)
	if err != nil {
		return nil, err
	}
	leaf, err := IssueClient(ca, name, days, kt, opts...)
	if err != nil {
		return nil, err
	}
	leaf.Anchor = anchor
	return leaf, nil
}

// IssueMemberFor issues a member's client certificate under their anchor
// for their certificate request: their key never comes here (see
// IssueClientFor); the leaf's Chain is their cert.pem.
func IssueMemberFor(anchor *Anchor, passphrase []byte, csr *x509.CertificateRequest, days int, opts ...Option) (*Leaf, error) {
	ca, err := anchor.Signer(passphrase)
	if err != nil {
		return nil, err
	}
	leaf, err := IssueClientFor(ca, csr, days, opts...)
	if err != nil {
		return nil, err
	}
	leaf.Anchor = anchor
	return leaf, nil
}

// ParseAnchors reads the CA side's anchor file: each anchor's CERTIFICATE
// followed by its ENCRYPTED PRIVATE KEY, as EncodeAnchors writes it.
// Anything else (text around the blocks, PEM headers, another block type,
// random bytes) is an error: the file is ours, and reading it as "no
// anchors" would let a writer rebuild members.pem from nothing.
func ParseAnchors(data []byte) ([]*Anchor, error) {
	blocks, err := strictPEM(data)
	if err != nil {
		return nil, fmt.Errorf("anchors: %w", err)
	}
	var out []*Anchor
	var cur *Anchor
	seen := map[int]bool{}
	for i, b := range blocks {
		n := i + 1
		switch b.Type {
		case "CERTIFICATE":
			if cur != nil {
				return nil, fmt.Errorf("anchors: %s has no key", AnchorName(cur.Slot))
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("anchors: block %d: %w", n, err)
			}
			slot, ok := anchorSlot(c)
			if !ok {
				return nil, fmt.Errorf("anchors: block %d (%s) is not a member anchor", n, c.Subject)
			}
			if seen[slot] {
				return nil, fmt.Errorf("anchors: slot %d is listed twice", slot)
			}
			seen[slot] = true
			cur = &Anchor{Slot: slot, Cert: c, CertPEM: encodeDER(b.Bytes)}
		case "ENCRYPTED PRIVATE KEY":
			if cur == nil {
				return nil, fmt.Errorf("anchors: block %d: a key without its certificate", n)
			}
			cur.KeyPEM = pem.EncodeToMemory(b)
			out = append(out, cur)
			cur = nil
		default:
			return nil, fmt.Errorf("anchors: block %d: unexpected %q (only certificates and encrypted keys)", n, b.Type)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("anchors: %s has no key", AnchorName(cur.Slot))
	}
	slices.SortFunc(out, func(a, b *Anchor) int { return a.Slot - b.Slot })
	return out, nil
}

// ParseMembers reads members.pem (dockerd's tlscacert with per-member
// trust) as docker-tls writes it: CERTIFICATE blocks only, nothing around
// them. Anything else is an error, never read as fewer members.
func ParseMembers(data []byte) ([]*x509.Certificate, error) {
	blocks, err := strictPEM(data)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	out := make([]*x509.Certificate, 0, len(blocks))
	for i, b := range blocks {
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("members: block %d: unexpected %q (only certificates)", i+1, b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("members: block %d: %w", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// IsAnchor reports whether c is a member anchor (by its subject).
func IsAnchor(c *x509.Certificate) bool { _, ok := anchorSlot(c); return ok }

// strictPEM splits data into PEM blocks with nothing but line breaks and
// spaces between them, and no headers: what docker-tls writes. Empty data
// (or only white space) is no blocks.
func strictPEM(data []byte) ([]*pem.Block, error) {
	var out []*pem.Block
	for n := 1; ; n++ {
		data = bytes.TrimLeft(data, " \t\r\n")
		if len(data) == 0 {
			return out, nil
		}
		if !bytes.HasPrefix(data, []byte("-----BEGIN ")) {
			return nil, fmt.Errorf("block %d: not PEM text (%d bytes that docker-tls did not write)", n, len(data))
		}
		b, rest := pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("block %d: a broken PEM block", n)
		}
		if len(b.Headers) != 0 {
			return nil, fmt.Errorf("block %d: unexpected PEM headers", n)
		}
		out = append(out, b)
		data = rest
	}
}

// EncodeAnchors writes anchors for ParseAnchors, in slot order.
func EncodeAnchors(anchors []*Anchor) []byte {
	sorted := slices.Clone(anchors)
	slices.SortFunc(sorted, func(a, b *Anchor) int { return a.Slot - b.Slot })
	var out []byte
	for _, a := range sorted {
		out = append(out, a.CertPEM...)
		out = append(out, a.KeyPEM...)
	}
	return out
}

// anchorSlot reads the slot from an anchor's subject.
func anchorSlot(c *x509.Certificate) (int, bool) {
	if !c.IsCA || len(c.Subject.Names) != 1 {
		return 0, false
	}
	var slot int
	if _, err := fmt.Sscanf(c.Subject.CommonName, "member anchor %d", &slot); err != nil || slot <= 0 || AnchorName(slot) != c.Subject.CommonName {
		return 0, false
	}
	return slot, true
}

// ParseCerts reads every PEM CERTIFICATE in data (a members file, a chain),
// in order.
func ParseCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out, nil
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, &ParseError{Want: "CERTIFICATE", Err: err}
		}
		out = append(out, c)
	}
}
