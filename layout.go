package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/spf13/cobra"
)

// The files docker-tls manages. These are the real paths, written into
// daemon.json and printed; on disk they live under --root (render.Join).
// The names are the ones in Docker's own documentation, and the client
// bundle uses ca.pem/cert.pem/key.pem because that is what DOCKER_CERT_PATH
// and ~/.docker expect.
const (
	tlsDir     = render.TLSDir
	serverCA   = tlsDir + "/ca.pem"
	serverCert = tlsDir + "/server-cert.pem"
	serverKey  = tlsDir + "/server-key.pem"
	caDir      = tlsDir + "/ca"
	caCert     = caDir + "/ca.pem"
	caKey      = caDir + "/ca-key.pem"
	ledgerFile = caDir + "/issued.json"
	clientsDir = tlsDir + "/clients"
)

func clientDir(name string) string { return path.Join(clientsDir, name) }

// File modes say what is secret: keys 0600 (dockerd reads them as root),
// certificates 0644, the CA directory 0700.
const (
	modeCert   os.FileMode = 0o644
	modeKey    os.FileMode = 0o600
	modePublic os.FileMode = 0o755
	modeSecret os.FileMode = 0o700
)

// readFile reads a real path under root; a missing file is (nil, false, nil).
func readFile(root, p string) ([]byte, bool, error) {
	b, err := os.ReadFile(render.Join(root, p))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s: %w", render.Join(root, p), err)
	}
	return b, true, nil
}

func exists(root, p string) bool {
	_, err := os.Lstat(render.Join(root, p))
	return err == nil
}

// rootFlag is --root, which every command takes.
func rootFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "root", "/", "treat DIR as the file system root (reading and writing), like DESTDIR")
}

// passFileFlag is --ca-passphrase-file. The passphrase itself is never a
// flag value: argv is visible to every user in ps and in shell history.
func passFileFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "ca-passphrase-file", "", "read the CA passphrase from FILE (- for stdin); else $"+passEnv+", else a prompt")
}

// currentCA is the CA certificate under root, or nil when there is none (or
// it does not parse: status reports that on its own).
func currentCA(root string) *x509.Certificate {
	b, ok, _ := readFile(root, caCert)
	if !ok {
		return nil
	}
	c, _ := pki.ParseCert(b)
	return c
}
