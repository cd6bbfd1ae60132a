package member

// The team member's side: request a certificate with a key that stays on
// their machine, and connect with the file the admin sends back. It runs as
// the member, with no root: files go under $DOCKER_CONFIG (or ~/.docker).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
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
		return hint.With(fmt.Errorf("%q cannot be the name of a docker context", name),
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
	return WriteFileAtomic(filepath.Join(dir, name), data, mode)
}

// RequestInput is a member's certificate request.
type RequestInput struct {
	Host      string      // the daemon: HOST[:PORT]; names the docker context
	Name      string      // the member's name, as the admin will know it
	KeyType   pki.KeyType // "": ecdsa-p256
	ConfigDir string
	Context   string // "": named after the host
	// Out is where the request is written (0644; it holds no secret), its
	// directory existing; "": it is only returned.
	Out   string
	Force bool // replace a key already waiting for this context, and an existing Out

	renews string // the context a RequestRenewal renews (Context is its .renew)
}

// Requested is a request made: the CSR to send, and where the key waits.
type Requested struct {
	// Fingerprint is the SHA-256 fingerprint of the new key, short form
	// (pki.KeyFingerprint): "client sign" shows the admin the same, so
	// that a request swapped on the way is caught by reading it out.
	Fingerprint string
	Name        string
	CSR         []byte
	KeyPath     string
	Context     string
	Out         string // where the request was written; "" when it was not
}

// RequestFileName is the request's file when none is named: NAME.csr, in
// the current directory.
func RequestFileName(name string) string { return name + ".csr" }

// Request makes the member's key (0600, under ConfigDir/tls/CONTEXT) and a
// CSR for it, written to Out. The key never leaves this machine: "connect"
// pairs it with the certificate the admin sends back. What would be
// replaced (a key waiting for an earlier request, an existing Out) is
// refused unless Force, before anything is made; when Out cannot be
// written, the new key is removed again.
func Request(in RequestInput) (*Requested, error) {
	keyPath, err := in.check()
	if err != nil {
		return nil, err
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
	if err := writeMemberFile(filepath.Dir(keyPath), KeyFile, keyPEM, ModeKey); err != nil {
		return nil, fmt.Errorf("saving the key: %w", err)
	}
	if in.Out != "" {
		if err := WriteFileAtomic(in.Out, csr, 0o644); err != nil {
			// A key whose request nobody can send would wait for nothing.
			if rerr := os.Remove(keyPath); rerr != nil {
				return nil, fmt.Errorf("writing the request %s: %w (and removing the new key %s: %v)", in.Out, err, keyPath, rerr)
			}
			return nil, fmt.Errorf("writing the request %s: %w (the new key was removed)", in.Out, err)
		}
	}
	r := &Requested{Name: in.Name, CSR: csr, KeyPath: keyPath, Context: in.Context, Out: in.Out, Fingerprint: pki.KeyFingerprint(key.Public())}
	if in.renews != "" {
		r.Context = in.renews
	}
	return r, nil
}

// check fills in the defaults and refuses, before anything is made, what
// the request would replace without Force; it returns where the key goes.
func (in *RequestInput) check() (string, error) {
	if in.KeyType == "" {
		in.KeyType = pki.ECDSAP256
	}
	if in.Out == "" {
		in.Out = RequestFileName(in.Name)
	}
	host, _, err := hostParts(in.Host)
	if err != nil {
		return "", err
	}
	if in.Context == "" {
		in.Context = host
	}
	if err := checkContextName(in.Context); err != nil {
		return "", err
	}
	if err := pki.ValidateClientName(in.Name); err != nil {
		return "", pki.FieldErrors{{Field: pki.FieldClients, Value: in.Name, Reason: err.Error()}}
	}
	dir := memberDir(in.ConfigDir, in.Context)
	if err := checkOwnTree(in.ConfigDir, filepath.Dir(dir), dir); err != nil {
		return "", err // the key would go where another user's links point
	}
	keyPath := filepath.Join(dir, KeyFile)
	if _, err := os.Lstat(keyPath); err == nil && !in.Force {
		return "", hint.With(&replaceError{fmt.Sprintf("%s already holds a key", filepath.Dir(keyPath))},
			"It may be waiting for the certificate of an earlier request; to make a new key anyway, add --force.")
	}
	if _, err := os.Lstat(in.Out); err == nil && !in.Force {
		return "", hint.With(&replaceError{fmt.Sprintf("%s already exists", in.Out)}, "Choose another --out FILE, or add --force to replace it.")
	}
	if st, err := os.Stat(filepath.Dir(in.Out)); err != nil || !st.IsDir() {
		return "", fmt.Errorf("cannot write the request %s: directory %s does not exist", in.Out, filepath.Dir(in.Out))
	}
	return keyPath, nil
}

// replaceError is a refusal to replace a file: ErrWouldReplace, in words
// that name the file.
type replaceError struct{ msg string }

func (e *replaceError) Error() string        { return e.msg }
func (e *replaceError) Is(target error) bool { return target == ErrWouldReplace }

// Machine is a team member's own machine: where their bundles and
// docker contexts go, and the docker CLI that makes the contexts. Its
// Connect and Request are the package's, on this machine; paths typed as
// ~/... are taken from the home directory, as a shell would.
type Machine struct {
	ConfigDir string           // $DOCKER_CONFIG or ~/.docker
	Docker    string           // the docker CLI; "": none, its context store is written directly
	Now       func() time.Time // nil: time.Now
}

// NewMachine is this machine, for the member running docker-tls.
func NewMachine(getenv func(string) string, now func() time.Time) (*Machine, error) {
	cfg, err := ConfigDir(getenv)
	if err != nil {
		return nil, err
	}
	docker, _ := exec.LookPath("docker")
	return &Machine{ConfigDir: cfg, Docker: docker, Now: now}, nil
}

// Connect is Connect on this machine.
func (m *Machine) Connect(in ConnectInput) (*Connected, error) {
	in.ConfigDir, in.Docker, in.File = m.ConfigDir, m.Docker, ExpandHome(in.File)
	if m.Now != nil {
		in.Now = m.Now()
	}
	return Connect(in)
}

// Request is Request on this machine.
func (m *Machine) Request(in RequestInput) (*Requested, error) {
	in.ConfigDir, in.Out = m.ConfigDir, ExpandHome(in.Out)
	return Request(in)
}

// ExpandHome reads a leading ~/ as the home directory: a path typed into
// the wizard did not pass through a shell.
func ExpandHome(p string) string {
	rest, ok := strings.CutPrefix(p, "~/")
	if !ok && p != "~" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, rest)
}

// waitingKey finds the key "request" left for this certificate: a key.pem
// under ConfigDir/tls/*/ whose public key is the certificate's.
func waitingKey(configDir string, certPEM []byte) ([]byte, string) {
	dirs, _ := filepath.Glob(filepath.Join(configDir, "tls", "*"))
	for _, d := range dirs {
		p := filepath.Join(d, KeyFile)
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

// contextID is the directory the docker CLI keeps context name under in its
// store: the hex SHA-256 of the name.
func contextID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// readContext reads context name from the docker CLI's store
// (contexts/meta/ID/meta.json); nil when there is none of that name.
func readContext(configDir, name string) *contextMeta {
	b, err := readSmall(filepath.Join(configDir, "contexts", "meta", contextID(name), "meta.json"))
	if err != nil {
		return nil
	}
	var m contextMeta
	if json.Unmarshal(b, &m) != nil || m.Name != name {
		return nil
	}
	return &m
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
	id := contextID(name)
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
		if err := WriteFileAtomic(filepath.Join(tlsDir, n), b, 0o600); err != nil {
			return err
		}
	}
	return WriteFileAtomic(filepath.Join(metaDir, "meta.json"), meta, 0o644)
}
