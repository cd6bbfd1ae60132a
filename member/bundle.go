package member

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
)

// MetaFile is the small file an archive carries beside the PEM files, so
// that "docker-tls connect" needs no flags.
const MetaFile = "docker-tls.json"

// Meta says where a bundle connects: the daemon's URL, the names its
// certificate carries, whose bundle it is and until when.
type Meta struct {
	Version     int       `json:"version"`
	Host        string    `json:"host"`         // tcp://FQDN:PORT
	ServerNames []string  `json:"server_names"` // DNS names and IPs of the server certificate
	Name        string    `json:"name"`         // the member
	NotAfter    time.Time `json:"not_after"`
}

// Bundle is a member's files: the CA that signs the daemon's certificate,
// their certificate (followed by its issuer when it has one), and their key
// unless it stayed on their machine (a CSR signed with "client sign").
type Bundle struct {
	Meta *Meta // nil for a directory without metadata
	CA   []byte
	Cert []byte
	Key  []byte // nil: the key is the one "docker-tls request" left waiting
}

// Limits on what an archive may hold: a few small regular files.
const (
	maxBundleFile  = 64 << 10
	maxArchiveSize = 1 << 20
)

// bundleNames are the only names a bundle may contain.
var bundleNames = []string{MetaFile, CAFile, CertFile, KeyFile}

// Pack writes the bundle as a .tar.gz: the metadata, ca.pem, cert.pem and,
// when present, key.pem (0600).
func (b *Bundle) Pack(now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte, mode int64) error {
		hdr := &tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if b.Meta != nil {
		m, err := json.MarshalIndent(b.Meta, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := add(MetaFile, append(m, '\n'), 0o644); err != nil {
			return nil, err
		}
	}
	if err := add(CAFile, b.CA, int64(ModeCert)); err != nil {
		return nil, err
	}
	if err := add(CertFile, b.Cert, int64(ModeCert)); err != nil {
		return nil, err
	}
	if b.Key != nil {
		if err := add(KeyFile, b.Key, int64(ModeKey)); err != nil {
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

// ReadBundle reads a bundle from an archive (.tar.gz or .tar) or a directory.
// An archive may hold only the bundle's regular files, each small: no
// directories, links, absolute paths or "..", nothing else.
func ReadBundle(path string) (*Bundle, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return readBundleDir(path)
	}
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readArchive(io.LimitReader(f, maxArchiveSize+1), path)
}

func readBundleDir(dir string) (*Bundle, error) {
	files := map[string][]byte{}
	for _, name := range bundleNames {
		p := filepath.Join(dir, name)
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file: a bundle holds plain files only", p)
		}
		if fi.Size() > maxBundleFile {
			return nil, fmt.Errorf("%s is %d bytes, more than a bundle file can be", p, fi.Size())
		}
		if files[name], err = readSmall(p); err != nil {
			return nil, err
		}
	}
	return bundleFrom(files, dir)
}

func readArchive(r io.Reader, name string) (*Bundle, error) {
	br := &countingReader{r: r}
	var tr *tar.Reader
	zr, err := gzip.NewReader(br)
	if err == nil {
		defer zr.Close()
		tr = tar.NewReader(io.LimitReader(zr, 4*maxArchiveSize))
	} else {
		return nil, fmt.Errorf("%s is not a .tar.gz archive from docker-tls: %v", name, err)
	}
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if br.n > maxArchiveSize {
			return nil, fmt.Errorf("%s is larger than %d bytes: not a bundle", name, maxArchiveSize)
		}
		clean := strings.TrimPrefix(hdr.Name, "./")
		switch {
		case hdr.Typeflag != tar.TypeReg:
			return nil, fmt.Errorf("%s holds %q, which is not a regular file (a link or a directory): refused", name, hdr.Name)
		case strings.Contains(hdr.Name, "..") || filepath.IsAbs(hdr.Name) || strings.Contains(clean, "/"):
			return nil, fmt.Errorf("%s holds the path %q: a bundle holds plain file names only, refused", name, hdr.Name)
		case !slices.Contains(bundleNames, clean):
			return nil, fmt.Errorf("%s holds %q: a bundle holds only %s, refused", name, hdr.Name, strings.Join(bundleNames, ", "))
		case files[clean] != nil:
			return nil, fmt.Errorf("%s holds %q twice: refused", name, clean)
		case hdr.Size > maxBundleFile:
			return nil, fmt.Errorf("%s: %q is %d bytes, more than a bundle file can be", name, clean, hdr.Size)
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxBundleFile+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		files[clean] = data
	}
	return bundleFrom(files, name)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func bundleFrom(files map[string][]byte, name string) (*Bundle, error) {
	b := &Bundle{CA: files[CAFile], Cert: files[CertFile], Key: files[KeyFile]}
	if b.CA == nil || b.Cert == nil {
		return nil, fmt.Errorf("%s lacks %s or %s: it is not a client bundle", name, CAFile, CertFile)
	}
	if m := files[MetaFile]; m != nil {
		b.Meta = &Meta{}
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.DisallowUnknownFields()
		if err := dec.Decode(b.Meta); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, MetaFile, err)
		}
	}
	return b, nil
}

// Check verifies the bundle before anything is installed: the certificate
// matches key (the bundle's, or the waiting one given), chains to the
// bundled CA (through the issuer cert.pem carries, if any), is for client
// authentication, and is within its dates.
func (b *Bundle) Check(key []byte, now time.Time) (*x509.Certificate, error) {
	if key == nil {
		key = b.Key
	}
	if key == nil {
		return nil, errors.New("the bundle has no key.pem, and no key made by \"docker-tls request\" matches its certificate")
	}
	certs, err := pki.ParseCerts(b.Cert)
	if err == nil && len(certs) == 0 {
		err = errors.New("no certificate")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", CertFile, err)
	}
	leaf := certs[0]
	if err := pki.CheckKeyPair(b.Cert, key); err != nil {
		return nil, fmt.Errorf("the key does not belong to the certificate of %q: %w", leaf.Subject.CommonName, err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(b.CA) {
		return nil, fmt.Errorf("%s holds no certificate", CAFile)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	var inv x509.CertificateInvalidError
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		if now.After(leaf.NotAfter) {
			return nil, fmt.Errorf("the certificate of %q expired on %s: ask your admin for a new one (docker-tls renew --client %s)",
				leaf.Subject.CommonName, leaf.NotAfter.Format(time.DateOnly), leaf.Subject.CommonName)
		}
		return nil, fmt.Errorf("a certificate of the bundle is not valid now (%s): check this machine's clock", err)
	case errors.As(err, &inv) && inv.Reason == x509.IncompatibleUsage:
		return nil, fmt.Errorf("the certificate of %q is not for client authentication: it is not a client bundle", leaf.Subject.CommonName)
	case err != nil:
		return nil, fmt.Errorf("the certificate of %q does not chain to the bundled CA: %w", leaf.Subject.CommonName, err)
	}
	return leaf, nil
}

// CheckArchivePath refuses an archive path whose directory does not exist,
// that is (or whose directory really is, links resolved) inside one of the
// managed trees, whose last part is a link, or that exists and is not a
// previous archive: replace lets it replace only a regular file that
// ReadBundle reads as a gzip'd bundle, never another file (a key, a
// certificate). An existing archive is refused unless replace is set.
func CheckArchivePath(path string, replace bool, managed ...string) error {
	_, err := archiveTarget(path, replace, managed)
	return err
}

// archiveTarget is where the archive at path is written: its directory's
// real path (links resolved) and its name, after CheckArchivePath's checks.
func archiveTarget(path string, replace bool, managed []string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("archive %s: %w", path, err)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", fmt.Errorf("archive %s: directory %s does not exist", path, filepath.Dir(path))
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("archive %s: directory %s does not exist", path, filepath.Dir(path))
	}
	target := filepath.Join(dir, filepath.Base(abs))
	for _, m := range managed {
		if within(target, m) {
			return "", hint.With(fmt.Errorf("archive %s: it would be written inside %s, which docker-tls manages", path, m),
				"Write the archive somewhere else, e.g. in your home directory.")
		}
	}
	fi, err := os.Lstat(target)
	if errors.Is(err, os.ErrNotExist) {
		return target, nil
	}
	if err != nil {
		return "", fmt.Errorf("archive %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return "", hint.With(fmt.Errorf("archive %s is a symbolic link: it is not followed", path), "Give the path of the archive itself, or another path.")
	}
	if !replace {
		return "", hint.With(fmt.Errorf("%s already exists", path), "Choose another archive path, or add --force to replace it.")
	}
	if err := isArchive(target, fi); err != nil {
		return "", hint.With(fmt.Errorf("%s exists and is not a previous docker-tls archive (%v): --force replaces only an archive", path, err),
			"Choose another archive path, or move the file away first.")
	}
	return target, nil
}

// within reports whether p is dir or under it, comparing real paths where
// dir exists.
func within(p, dir string) bool {
	if d, err := filepath.Abs(dir); err == nil {
		dir = d
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// isArchive checks that the regular file at path is a gzip'd bundle.
func isArchive(path string, fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	magic := make([]byte, 2)
	_, err = io.ReadFull(f, magic)
	f.Close()
	if err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		return fmt.Errorf("not gzip data")
	}
	_, err = ReadBundle(path)
	return err
}

// WriteArchive writes data to path (outside the managed trees) atomically,
// mode 0600: temp file in the same directory, fsync, rename. An existing
// file is replaced only when replace is set and it is a previous archive
// (CheckArchivePath).
func WriteArchive(path string, data []byte, replace bool, managed ...string) error {
	target, err := archiveTarget(path, replace, managed)
	if err != nil {
		return err
	}
	return WriteFileAtomic(target, data, 0o600)
}
