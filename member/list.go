package member

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
)

// renewSuffix names the directory a renewal's new key waits in, beside the
// bundle it renews: the working key stays in place until connect installs
// the renewed certificate.
const renewSuffix = ".renew"

// Installed is a bundle connect installed on this machine.
type Installed struct {
	Context  string    `json:"context"`
	Dir      string    `json:"dir"`
	Name     string    `json:"name"` // the member: the certificate's common name
	Host     string    `json:"host"` // the docker context's endpoint; "" when there is no context
	NotAfter time.Time `json:"not_after"`
	// Renewing: a request --renew is waiting for its certificate.
	Renewing bool   `json:"renewing,omitempty"`
	Problem  string `json:"problem,omitempty"` // the certificate cannot be read
}

// List is every bundle under ConfigDir/tls, by context name.
func List(configDir string) ([]Installed, error) {
	ents, err := os.ReadDir(filepath.Join(configDir, "tls"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Installed
	for _, e := range ents {
		if !e.IsDir() || strings.HasSuffix(e.Name(), renewSuffix) {
			continue
		}
		dir := filepath.Join(configDir, "tls", e.Name())
		in := Installed{Context: e.Name(), Dir: dir, Host: contextHost(configDir, e.Name())}
		if _, err := os.Lstat(dir + renewSuffix); err == nil {
			in.Renewing = true
		}
		cert, err := readCert(filepath.Join(dir, CertFile))
		if err != nil {
			in.Problem = err.Error()
		} else {
			in.Name, in.NotAfter = cert.Subject.CommonName, cert.NotAfter
		}
		if err == nil || !os.IsNotExist(err) {
			out = append(out, in) // a directory with only a waiting key is a request, not a bundle
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Context < out[j].Context })
	return out, nil
}

// contextHost is the docker endpoint of the context name, from the docker
// CLI's store; "" when there is none.
func contextHost(configDir, name string) string {
	if m := readContext(configDir, name); m != nil {
		return m.Endpoints["docker"].Host
	}
	return ""
}

// readSmall reads a regular file of at most maxBundleFile bytes, following
// no link at its end.
func readSmall(p string) ([]byte, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxBundleFile {
		return nil, fmt.Errorf("%s is not a small regular file", p)
	}
	f, err := openRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxBundleFile))
}

func readCert(p string) (*x509.Certificate, error) {
	b, err := readSmall(p)
	if err != nil {
		return nil, err
	}
	return pki.ParseCert(b)
}

// List is List on this machine.
func (m *Machine) List() ([]Installed, error) { return List(m.ConfigDir) }

// RequestRenewal makes a new key and request for the bundle of context:
// the same member and host. The new key waits beside the bundle
// (CONTEXT.renew), so that the bundle keeps working until connect installs
// the renewed certificate.
func (m *Machine) RequestRenewal(context, out string, force bool) (*Requested, error) {
	list, err := m.List()
	if err != nil {
		return nil, err
	}
	for _, in := range list {
		if in.Context != context {
			continue
		}
		if in.Problem != "" || in.Host == "" {
			why := in.Problem
			if why == "" {
				why = "no docker context of that name says its host"
			}
			return nil, hint.Errorf("Make a new request with \"docker-tls request --host HOST --name NAME\".", "cannot renew %s: %s", context, why)
		}
		host := strings.TrimPrefix(in.Host, "tcp://")
		return m.Request(RequestInput{Host: host, Name: in.Name, Context: context + renewSuffix, Out: out, Force: force, renews: context})
	}
	return nil, hint.Errorf("\"docker-tls connect --list\" shows the bundles here.", "no bundle for the context %q under %s", context, filepath.Join(m.ConfigDir, "tls"))
}
