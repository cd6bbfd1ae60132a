package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// KindHostIssuer is the host issuer: the intermediate that issues this
// host's server certificate.
const KindHostIssuer Kind = "host-issuer"

// MaxHostIssuerDays caps a host issuer's life: it lives as long as its root,
// but never more than ten years, so that a root made for a century does not
// leave an unencrypted CA key valid as long.
const MaxHostIssuerDays = 3650

// HostIssuer is this host's server issuer: an intermediate CA signed by the
// root, pathlen:0, extKeyUsage serverAuth only, with name constraints that
// permit exactly the host's DNS names and IPs. Its key is kept unencrypted
// (root-only on disk), so that renewing the server certificate needs no
// passphrase. It gives root on the host nothing new: it can sign only the
// names the server key already serves, and no client certificate a verifier
// accepts (its EKU is serverAuth only, and dockerd does not trust it).
type HostIssuer struct {
	Cert    *x509.Certificate
	CertPEM []byte
	Key     crypto.Signer
	KeyPEM  []byte // unencrypted PKCS#8 "PRIVATE KEY", as Leaf.KeyPEM
}

// HostIssuerError says why a certificate cannot serve as the host issuer,
// or why one cannot be made.
type HostIssuerError struct {
	Subject string // the certificate's common name, when there is one
	Reason  string
	Err     error // the underlying error, if any
}

func (e *HostIssuerError) Error() string {
	s := "host issuer"
	if e.Subject != "" {
		s += fmt.Sprintf(" %q", e.Subject)
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *HostIssuerError) Unwrap() error { return e.Err }

// hostIssuerName is the common name of the host issuer of fqdn.
func hostIssuerName(fqdn string) string { return "docker-tls host issuer " + fqdn }

// NewHostIssuer makes the host issuer for plan's names under root, with a
// key of the plan's type. It is valid from now (backdated for clock skew) to
// the root's end, but at most MaxHostIssuerDays. A root made with pathlen:0
// (--trust ca by an older docker-tls) may not sign it: a *HostIssuerError.
func NewHostIssuer(root *CA, plan Plan, opts ...Option) (*HostIssuer, error) {
	if err := fieldErrorsFor(plan.Validate(), FieldFQDN, FieldDNSNames, FieldIPs, FieldKeyType); err != nil {
		return nil, err
	}
	if root == nil || root.Cert == nil || root.Key == nil {
		return nil, &HostIssuerError{Reason: "no CA to sign with"}
	}
	if !CanSignAnchors(root.Cert) {
		return nil, &HostIssuerError{Reason: fmt.Sprintf("CA %q was made with pathlen:0 and may not sign an intermediate", root.Cert.Subject.CommonName)}
	}
	o := newOptions(opts)
	if !o.now().Before(root.Cert.NotAfter) {
		return nil, &HostIssuerError{Reason: fmt.Sprintf("the CA expired on %s", root.Cert.NotAfter.UTC().Format(time.DateOnly))}
	}
	key, err := o.newKey(plan.KeyType)
	if err != nil {
		return nil, fmt.Errorf("new host issuer: %w", err)
	}
	return newHostIssuerWithKey(root, plan, key, o)
}

// newHostIssuerWithKey signs the host issuer of plan, with key, under root.
func newHostIssuerWithKey(root *CA, plan Plan, key crypto.Signer, o *options) (*HostIssuer, error) {
	t := hostIssuerTemplate(plan, o.now())
	if root.Cert.NotAfter.Before(t.NotAfter) {
		t.NotAfter = root.Cert.NotAfter
	}
	leaf, err := signLeafFor(root, t, KindHostIssuer, key.Public(), o)
	if err != nil {
		return nil, err
	}
	keyPEM, err := EncodeKey(key)
	if err != nil {
		return nil, err
	}
	return &HostIssuer{Cert: leaf.Cert, CertPEM: leaf.CertPEM, Key: key, KeyPEM: keyPEM}, nil
}

func hostIssuerTemplate(plan Plan, now time.Time) *x509.Certificate {
	dns, excluded := hostDNSConstraints(plan.SANs())
	permittedIPs, excludedIPs := hostIPConstraints(plan.ParsedIPs())
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: hostIssuerName(plan.FQDN)},
		NotBefore:             now.Add(-clockSkew).UTC(),
		NotAfter:              now.AddDate(0, 0, MaxHostIssuerDays).UTC(),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true, // it signs the server certificate, never another CA
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// Critical, as RFC 5280 asks: a verifier that cannot read
		// name constraints must refuse the chain rather than skip them.
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         dns,
		ExcludedDNSDomains:          excluded,
		PermittedIPRanges:           permittedIPs,
		ExcludedIPRanges:            excludedIPs,
		// No e-mail or URI constraints: no TLS client takes either as
		// the server's identity, there is no constraint that refuses
		// them all in both Go and OpenSSL (an empty one excludes
		// everything in Go, nothing in OpenSSL), and a verifier that
		// cannot read a URI subtree may refuse the whole chain.
	}
}

// hostDNSConstraints permits the names; a DNS constraint also permits every
// name under it (RFC 5280 4.2.1.10), so each name's subdomains (".name",
// which Go and OpenSSL read as "at least one more label") are excluded, but
// for a name with another of the names under it (example.com with
// www.example.com), where the exclusion would refuse that other name too.
func hostDNSConstraints(names []string) (permitted, excluded []string) {
	for _, n := range names {
		permitted = append(permitted, n)
		if !slices.ContainsFunc(names, func(m string) bool { return strings.HasSuffix(m, "."+n) }) {
			excluded = append(excluded, "."+n)
		}
	}
	return permitted, excluded
}

// hostIPConstraints permits each IP alone (/32, /128). With no IP, every
// IP is excluded: with DNS constraints only, IPs would be unconstrained.
func hostIPConstraints(ips []net.IP) (permitted, excluded []*net.IPNet) {
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			permitted = append(permitted, &net.IPNet{IP: v4, Mask: net.CIDRMask(32, 32)})
		} else {
			permitted = append(permitted, &net.IPNet{IP: ip.To16(), Mask: net.CIDRMask(128, 128)})
		}
	}
	if len(permitted) == 0 {
		excluded = []*net.IPNet{
			{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)},
			{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)},
		}
	}
	return permitted, excluded
}

// IssueServerFrom issues the server certificate for plan's names under the
// host issuer. The leaf's Chain is what server-cert.pem holds: the
// certificate, then the host issuer. A certificate that would outlive the
// host issuer is refused (*OutlivesCAError).
func IssueServerFrom(hi *HostIssuer, plan Plan, opts ...Option) (*Leaf, error) {
	if hi == nil || hi.Cert == nil || hi.Key == nil {
		return nil, &HostIssuerError{Reason: "no host issuer to sign with"}
	}
	if err := fieldErrorsFor(plan.Validate(), FieldFQDN, FieldDNSNames, FieldIPs, FieldKeyType, FieldDays); err != nil {
		return nil, err
	}
	if !hi.Covers(plan) {
		return nil, &HostIssuerError{Subject: hi.Cert.Subject.CommonName, Reason: "it does not permit exactly the server's names and IPs: make a new one"}
	}
	leaf, err := IssueServer(&CA{Cert: hi.Cert, CertPEM: hi.CertPEM, Key: hi.Key}, plan, opts...)
	if err != nil {
		return nil, err
	}
	leaf.HostIssuer = hi
	return leaf, nil
}

// LoadHostIssuer opens the host issuer from its certificate and unencrypted
// key, checking that it is one: signed by root, a CA with pathlen:0,
// serverAuth only, name-constrained, and that the key is its own. Anything
// else is a *HostIssuerError (wrapping ErrKeyMismatch for a key that is not
// its own), or a *ParseError for bytes that are not PEM.
func LoadHostIssuer(certPEM, keyPEM []byte, root *x509.Certificate) (*HostIssuer, error) {
	cert, err := ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("load host issuer: %w", err)
	}
	if err := checkHostIssuer(cert, root); err != nil {
		return nil, err
	}
	key, err := ParseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load host issuer: %w", err)
	}
	if !samePublicKey(key.Public(), cert.PublicKey) {
		return nil, &HostIssuerError{Subject: cert.Subject.CommonName, Reason: "the key is not its own", Err: ErrKeyMismatch}
	}
	return &HostIssuer{Cert: cert, CertPEM: EncodeCert(cert), Key: key, KeyPEM: keyPEM}, nil
}

func checkHostIssuer(cert, root *x509.Certificate) error {
	bad := func(reason string, err error) error {
		return &HostIssuerError{Subject: cert.Subject.CommonName, Reason: reason, Err: err}
	}
	if root == nil {
		return bad("no CA certificate to check it against", nil)
	}
	if err := cert.CheckSignatureFrom(root); err != nil || !bytes.Equal(cert.RawIssuer, root.RawSubject) {
		return bad(fmt.Sprintf("it is not signed by CA %q", root.Subject.CommonName), err)
	}
	if !cert.BasicConstraintsValid || !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return bad("it is not a CA", nil)
	}
	if cert.MaxPathLen != 0 || !cert.MaxPathLenZero {
		return bad("it is not limited to pathlen:0", nil)
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || len(cert.UnknownExtKeyUsage) > 0 {
		return bad("its extended key usage is not serverAuth only", nil)
	}
	if len(cert.PermittedDNSDomains) == 0 || !cert.PermittedDNSDomainsCritical ||
		len(cert.PermittedIPRanges)+len(cert.ExcludedIPRanges) == 0 {
		return bad("it has no name constraints for both DNS names and IPs", nil)
	}
	return nil
}

// Covers reports whether hi permits exactly plan's names and IPs, no more and
// no fewer: a server certificate for plan can be issued from it. When not
// (renew --san-*), a new host issuer is needed. It does not look at dates.
func (hi *HostIssuer) Covers(plan Plan) bool {
	if hi == nil || hi.Cert == nil {
		return false
	}
	_ = plan.Validate() // normalizes the names; plan is a copy
	dns, excluded := hostDNSConstraints(plan.SANs())
	ips, excludedIPs := hostIPConstraints(plan.ParsedIPs())
	c := hi.Cert
	return sameStrings(c.PermittedDNSDomains, dns) && sameStrings(c.ExcludedDNSDomains, excluded) &&
		sameNets(c.PermittedIPRanges, ips) && sameNets(c.ExcludedIPRanges, excludedIPs)
}

func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	for i := range a {
		a[i] = strings.ToLower(a[i])
	}
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func sameNets(a, b []*net.IPNet) bool {
	str := func(ns []*net.IPNet) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = n.String()
		}
		return out
	}
	return sameStrings(str(a), str(b))
}
