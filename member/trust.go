package member

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
)

// What a bundle may hold, checked before anything is installed: an archive
// is mail, and anyone can make one (DESIGN.md "The member's machine").

// checkKinds refuses PEM of the wrong kind: only CA certificates in ca.pem,
// a client leaf (not a CA, clientAuth named, no other use) in cert.pem,
// followed only by CA certificates.
func (b *Bundle) checkKinds() error {
	cas, err := pki.ParseCerts(b.CA)
	if err != nil || len(cas) == 0 {
		return fmt.Errorf("%s holds no certificate", CAFile)
	}
	for _, c := range cas {
		if !c.IsCA || !c.BasicConstraintsValid {
			return fmt.Errorf("%s holds %q, which is not a CA certificate: it is not a bundle from docker-tls", CAFile, c.Subject.CommonName)
		}
	}
	certs, err := pki.ParseCerts(b.Cert)
	if err != nil || len(certs) == 0 {
		return fmt.Errorf("%s holds no certificate", CertFile)
	}
	leaf := certs[0]
	if leaf.IsCA {
		return fmt.Errorf("the certificate in %s is a CA certificate (CA:TRUE), not a member's: it is not a client bundle", CertFile)
	}
	if !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) || len(leaf.UnknownExtKeyUsage) > 0 {
		return fmt.Errorf("the certificate in %s is not for client authentication only (its extended key usage must be clientAuth alone): it is not a client bundle", CertFile)
	}
	for _, c := range certs[1:] {
		if !c.IsCA || !c.BasicConstraintsValid {
			return fmt.Errorf("%s: %q after the member's certificate is not a CA certificate", CertFile, c.Subject.CommonName)
		}
	}
	return checkPrintable("the member's name", leaf.Subject.CommonName)
}

// checkPrintable refuses text from a certificate that the terminal or the
// docker context's description would take for something else: control
// characters (escape sequences, newlines), or nothing at all.
func checkPrintable(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty: it is not a bundle from docker-tls", what)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar || unicode.Is(unicode.Bidi_Control, r) {
			return fmt.Errorf("%s %q holds control characters: it is not a bundle from docker-tls", what, s)
		}
	}
	return nil
}

// sameMember decides whether a bundle installed in dir may be replaced by
// leaf and its chain: the same member (same name), and the new chain
// verifies against the ca.pem installed there, so that only the CA the
// member already trusts can renew them. A CA's name proves nothing: anyone
// can make a CA of any name.
func sameMember(dir string, leaf *x509.Certificate, chain []*x509.Certificate, now time.Time) error {
	oldPEM, err := readSmall(filepath.Join(dir, CertFile))
	if err != nil {
		return err
	}
	prev, err := pki.ParseCert(oldPEM)
	if err != nil || prev.Subject.CommonName != leaf.Subject.CommonName {
		return hint.With(fmt.Errorf("%s holds the bundle of another member or daemon", dir),
			"Connect under another name with --context NAME; nothing was installed.")
	}
	caPEM, err := readSmall(filepath.Join(dir, CAFile))
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	inter := x509.NewCertPool()
	for _, c := range chain {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return hint.With(fmt.Errorf("the file is not from the CA of the bundle installed in %s (its certificate does not verify against the ca.pem there): a renewal comes from the same CA", dir),
			"Nothing was installed. If your admin really made a new CA, connect it under another name with --context NAME, and ask them how they sent it.")
	}
	return nil
}

// backupBundle copies the installed files beside themselves as
// NAME.<UTC time>.bak before they are replaced.
func backupBundle(dir string, now time.Time) error {
	stamp := now.UTC().Format("2006-01-02T150405Z")
	for _, n := range []string{CAFile, CertFile, KeyFile} {
		b, err := readSmall(filepath.Join(dir, n))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		mode := ModeCert
		if n == KeyFile {
			mode = ModeKey
		}
		if err := WriteFileAtomic(filepath.Join(dir, n+"."+stamp+".bak"), b, mode); err != nil {
			return fmt.Errorf("back up %s: %w", filepath.Join(dir, n), err)
		}
	}
	return nil
}

// checkOwnTree refuses to work in a tree that is not the running user's:
// as root over another user's $HOME or $DOCKER_CONFIG (sudo -E), every
// link and directory there is that user's to point anywhere, /etc
// included. Links on the way are refused for anyone.
func checkOwnTree(configDir string, subs ...string) error {
	euid := uint32(os.Geteuid())
	for _, p := range append([]string{configDir}, subs...) {
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return hint.Errorf("Replace the link with a real directory (or point DOCKER_CONFIG at one); nothing was installed.",
				"%s is a symbolic link: docker-tls follows no link where it writes keys", p)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != euid {
			return hint.Errorf("Run docker-tls as the user who owns it (without sudo), or set DOCKER_CONFIG to a directory of yours; nothing was installed.",
				"%s belongs to uid %d, not to you (uid %d)", p, st.Uid, euid)
		}
	}
	return nil
}

// contextMadeHere says whether a docker context's description is one
// connect wrote: only those are updated without --force.
func contextMadeHere(description string) bool {
	return strings.HasPrefix(description, descriptionPrefix)
}

const descriptionPrefix = "docker-tls: "

// checkContext refuses to update a docker context of name that connect did
// not make, unless in.Force: it may be the member's own, for another
// daemon, and its name came from the archive.
func checkContext(in ConnectInput, name string) error {
	desc, exists := contextDescription(in, name)
	if !exists || contextMadeHere(desc) || in.Force {
		return nil
	}
	return hint.Errorf(fmt.Sprintf("Connect under another name with --context NAME, or add --force to update %s; nothing was installed.", name),
		"a docker context %q exists that docker-tls did not make (its description is %q)", name, desc)
}

// contextDescription reads a docker context's description from the CLI's
// store (where the CLI keeps it too).
func contextDescription(in ConnectInput, name string) (string, bool) {
	if m := readContext(in.ConfigDir, name); m != nil {
		return m.Metadata["Description"], true
	}
	return "", false
}
