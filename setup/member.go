package setup

// The team member's side: request a certificate with a key that stays on
// their machine, and connect with the file the admin sends back. It runs as
// the member, with no root: files go under $DOCKER_CONFIG (or ~/.docker).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
)

// ConfigDir is the docker CLI's configuration directory: $DOCKER_CONFIG, or
// ~/.docker.
func ConfigDir(getenv func(string) string) (string, error) {
	if d := getenv("DOCKER_CONFIG"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory to keep the bundle in (set DOCKER_CONFIG): %w", err)
	}
	return filepath.Join(home, ".docker"), nil
}

// contextName matches the names the docker CLI accepts for a context.
var contextName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$`)

// checkContextName refuses a name the docker CLI would refuse, or that is
// not a plain directory name.
func checkContextName(name string) error {
	if !contextName.MatchString(name) || name == "default" {
		return WithHint(fmt.Errorf("%q cannot be the name of a docker context", name),
			"Use letters, digits and . _ + - (not \"default\"), e.g. --context docker1.")
	}
	return nil
}

// hostParts splits a daemon address (tcp://HOST:PORT, HOST:PORT or HOST)
// into its host and port (2376 when none is given).
func hostParts(s string) (host, port string, err error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "tcp://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "tcp" || u.Hostname() == "" {
		return "", "", fmt.Errorf("%q is not a daemon address: use HOST or HOST:PORT, e.g. docker.example.com:2376", s)
	}
	port = u.Port()
	if port == "" {
		port = "2376"
	}
	return strings.ToLower(u.Hostname()), port, nil
}

// memberDir is where a context's bundle lives: DIR/tls/CONTEXT.
func memberDir(configDir, context string) string {
	return filepath.Join(configDir, "tls", context)
}

// writeMemberFile writes data to dir/name atomically with mode, creating dir
// 0700 (it holds a private key).
func writeMemberFile(dir, name string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, name), data, mode)
}

// RequestInput is a member's certificate request.
type RequestInput struct {
	Host      string      // the daemon: HOST[:PORT]; names the docker context
	Name      string      // the member's name, as the admin will know it
	KeyType   pki.KeyType // "": ecdsa-p256
	ConfigDir string
	Context   string // "": named after the host
	Force     bool   // replace a key already waiting for this context
}

// Requested is a request made: the CSR to send, and where the key waits.
type Requested struct {
	CSR     []byte
	KeyPath string
	Context string
}

// Request makes the member's key (0600, under ConfigDir/tls/CONTEXT) and a
// CSR for it. The key never leaves this machine: "connect" pairs it with the
// certificate the admin sends back.
func Request(in RequestInput) (*Requested, error) {
	if in.KeyType == "" {
		in.KeyType = pki.ECDSAP256
	}
	host, _, err := hostParts(in.Host)
	if err != nil {
		return nil, err
	}
	if in.Context == "" {
		in.Context = host
	}
	if err := checkContextName(in.Context); err != nil {
		return nil, err
	}
	if err := pki.ValidateClientName(in.Name); err != nil {
		return nil, pki.FieldErrors{{Field: pki.FieldClients, Value: in.Name, Reason: err.Error()}}
	}
	dir := memberDir(in.ConfigDir, in.Context)
	keyPath := filepath.Join(dir, BundleKey)
	if _, err := os.Lstat(keyPath); err == nil && !in.Force {
		return nil, WithHint(fmt.Errorf("%s already holds a key", dir),
			"It may be waiting for the certificate of an earlier request; to make a new key anyway, add --force.")
	}
	key, err := pki.GenerateKey(in.KeyType, nil)
	if err != nil {
		return nil, err
	}
	csr, err := pki.NewCSR(in.Name, key)
	if err != nil {
		return nil, err
	}
	keyPEM, err := pki.EncodeKey(key)
	if err != nil {
		return nil, err
	}
	if err := writeMemberFile(dir, BundleKey, keyPEM, modeBundleKey); err != nil {
		return nil, fmt.Errorf("saving the key: %w", err)
	}
	return &Requested{CSR: csr, KeyPath: keyPath, Context: in.Context}, nil
}

// waitingKey finds the key "request" left for this certificate: a key.pem
// under ConfigDir/tls/*/ whose public key is the certificate's.
func waitingKey(configDir string, certPEM []byte) ([]byte, string) {
	dirs, _ := filepath.Glob(filepath.Join(configDir, "tls", "*"))
	for _, d := range dirs {
		p := filepath.Join(d, BundleKey)
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxBundleFile {
			continue
		}
		b, err := os.ReadFile(p)
		if err == nil && pki.CheckKeyPair(certPEM, b) == nil {
			return b, p
		}
	}
	return nil, ""
}

// contextMeta is the docker CLI's context store entry
// (contexts/meta/<sha256 of the name>/meta.json).
type contextMeta struct {
	Name      string                     `json:"Name"`
	Metadata  map[string]string          `json:"Metadata"`
	Endpoints map[string]contextEndpoint `json:"Endpoints"`
}

type contextEndpoint struct {
	Host          string `json:"Host"`
	SkipTLSVerify bool   `json:"SkipTLSVerify"`
}

// writeContextStore makes or replaces a docker context the way the docker
// CLI stores one, for machines without the CLI (it is read when the CLI is
// installed later): meta.json, and the TLS files under contexts/tls.
func writeContextStore(configDir, name, host, description string, files map[string][]byte) error {
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	meta, err := json.Marshal(contextMeta{Name: name, Metadata: map[string]string{"Description": description},
		Endpoints: map[string]contextEndpoint{"docker": {Host: host}}})
	if err != nil {
		return err
	}
	metaDir := filepath.Join(configDir, "contexts", "meta", id)
	if err := os.MkdirAll(metaDir, 0o755); err != nil {
		return err
	}
	tlsDir := filepath.Join(configDir, "contexts", "tls", id, "docker")
	if err := os.MkdirAll(tlsDir, 0o700); err != nil {
		return err
	}
	for _, d := range []string{filepath.Dir(filepath.Dir(tlsDir)), filepath.Dir(tlsDir), tlsDir} {
		if err := os.Chmod(d, 0o700); err != nil {
			return err
		}
	}
	for n, b := range files {
		if err := writeFileAtomic(filepath.Join(tlsDir, n), b, 0o600); err != nil {
			return err
		}
	}
	return writeFileAtomic(filepath.Join(metaDir, "meta.json"), meta, 0o644)
}

// errNoMeta: a bundle without metadata needs the daemon's address.
var errNoMeta = errors.New("the bundle does not say which daemon it is for")
