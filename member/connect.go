package member

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
)

// ConnectInput is what "docker-tls connect" works from.
type ConnectInput struct {
	File      string // an archive from the admin, or a bundle directory
	ConfigDir string // $DOCKER_CONFIG or ~/.docker
	Host      string // the daemon, when the bundle has no metadata: tcp://HOST:PORT or HOST[:PORT]
	Context   string // "": named after the daemon's host name
	Docker    string // the docker CLI to make the context with; "": write its store directly
	Now       time.Time
	Timeout   time.Duration // for the probe; 0: 10 s
	// Force updates a docker context of that name that connect did not
	// make (one made by hand with "docker context create").
	Force bool
}

// Connected is what connect did.
type Connected struct {
	Name       string // the member
	Context    string
	Dir        string // where the bundle was installed
	Host       string // tcp://HOST:PORT
	NotAfter   time.Time
	Paired     bool   // the key is the one "docker-tls request" left waiting here
	Updated    bool   // the context existed and was updated
	ByCLI      bool   // made with the docker CLI (else written to its store)
	Version    string // the daemon's version, when the probe succeeded
	ProbeError error  // why the probe failed (the files and context are in place)
}

// Connect checks the bundle, installs it under ConfigDir/tls/CONTEXT, makes
// or updates the docker context and probes the daemon over mutual TLS.
// Nothing is installed when a check fails; a failed probe is reported in
// Connected.ProbeError with a hint, the rest being done.
func Connect(in ConnectInput) (*Connected, error) {
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	if in.Timeout == 0 {
		in.Timeout = 10 * time.Second
	}
	b, err := ReadBundle(in.File)
	if err != nil {
		return nil, readErr(in.File, err)
	}
	t, err := in.target(b)
	if err != nil {
		return nil, err
	}
	cert, err := t.check(in, b)
	if err != nil {
		return nil, err
	}
	c := &Connected{Name: cert.Subject.CommonName, Context: t.name, Dir: t.dir, Host: t.url, NotAfter: cert.NotAfter, Paired: t.keyFrom != ""}
	files := map[string][]byte{CAFile: b.CA, CertFile: b.Cert, KeyFile: t.key}
	if err := t.install(files); err != nil {
		return nil, err
	}
	description := fmt.Sprintf("%s%s on %s", descriptionPrefix, c.Name, t.host)
	if c.Updated, c.ByCLI, err = makeContext(in, t.name, t.url, description, t.dir, files); err != nil {
		return nil, err
	}
	c.Version, c.ProbeError = probeDaemon(t.host, t.port, files, in.Timeout)
	return c, nil
}

// readErr words why file is not a bundle: there is no such file, it is the
// member's own request (to be sent, not connected), or it is not one.
func readErr(file string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return hint.With(fmt.Errorf("no file %s", file), "Nothing was installed. Check the name and the directory of the file your admin sent (NAME.tar.gz).")
	}
	if name, ok := requestName(file); ok {
		base := filepath.Base(file)
		return hint.With(fmt.Errorf("%s: this is your request: send it to your admin (docker-tls client sign %s --archive %s.tar.gz)", file, base, name),
			fmt.Sprintf("Nothing was installed. Connect the archive they send back: docker-tls connect %s.tar.gz.", name))
	}
	return hint.With(err, "Nothing was installed. Give the file your admin made with docker-tls (NAME.tar.gz).")
}

// requestName is the name in file when it is a certificate request (what
// "docker-tls request" writes), "NAME" when that cannot be read.
func requestName(file string) (string, bool) {
	f, err := openRegular(file) // a FIFO must not hang the explanation either
	if err != nil {
		return "", false
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" {
		return "", false
	}
	if csr, err := x509.ParseCertificateRequest(blk.Bytes); err == nil && pki.ValidateClientName(csr.Subject.CommonName) == nil {
		return csr.Subject.CommonName, true
	}
	return "NAME", true
}

// target is where a bundle goes: the daemon, the context and its
// directory, and the key (the bundle's, or one a request left waiting).
type target struct {
	url, host, port string // tcp://HOST:PORT and its parts
	name, dir       string // the docker context, and where its files go
	key             []byte
	keyFrom         string // the waiting key's path; "" when the bundle has its key
	renewing        bool   // keyFrom waits beside the bundle it renews (request --renew)
}

// target reads where b goes: the daemon from --host or the bundle's
// metadata, the context named after it (or the one a renewal renews).
func (in ConnectInput) target(b *Bundle) (*target, error) {
	url := in.Host
	if url == "" && b.Meta != nil {
		url = b.Meta.Host
	}
	if url == "" {
		return nil, hint.With(ErrNoMeta, "Give the daemon's address with --host HOST:PORT, or ask your admin for an archive from \"docker-tls client archive\".")
	}
	host, port, err := hostParts(url)
	if err != nil {
		return nil, err
	}
	t := &target{url: "tcp://" + net.JoinHostPort(host, port), host: host, port: port, name: in.Context, key: b.Key}
	if t.name == "" {
		t.name = host
	}
	if err := checkContextName(t.name); err != nil {
		return nil, err
	}
	if t.key == nil {
		t.key, t.keyFrom = waitingKey(in.ConfigDir, b.Cert)
	}
	// The key of a "request --renew" waits beside the bundle it renews:
	// the renewed one goes to the same context.
	t.renewing = t.keyFrom != "" && strings.HasSuffix(filepath.Dir(t.keyFrom), renewSuffix)
	if t.renewing && in.Context == "" {
		t.name = strings.TrimSuffix(filepath.Base(filepath.Dir(t.keyFrom)), renewSuffix)
	}
	t.dir = memberDir(in.ConfigDir, t.name)
	return t, nil
}

// check is everything that must hold before a file is written: what each
// PEM is, the chain, the tree is the member's own, what may be replaced.
func (t *target) check(in ConnectInput, b *Bundle) (*x509.Certificate, error) {
	if err := b.checkKinds(); err != nil {
		return nil, hint.With(fmt.Errorf("%s: %w", in.File, err), "Nothing was installed. Ask your admin for a new file if this one is wrong.")
	}
	cert, err := b.Check(t.key, in.Now)
	if err != nil {
		return nil, hint.With(fmt.Errorf("%s: %w", in.File, err), "Nothing was installed. Ask your admin for a new file if this one is wrong.")
	}
	if err := checkOwnTree(in.ConfigDir, filepath.Join(in.ConfigDir, "tls"), t.dir, filepath.Join(in.ConfigDir, "contexts")); err != nil {
		return nil, err
	}
	chain, _ := pki.ParseCerts(b.Cert)
	if err := checkInstallDir(t.dir, t.keyFrom, cert, chain[1:], in.Now); err != nil {
		return nil, err
	}
	if err := checkContext(in, t.name); err != nil {
		return nil, err
	}
	return cert, backupBundle(t.dir, in.Now)
}

// install writes the bundle's files, each atomically, and drops the copy of
// a renewal's key that waited beside the bundle.
func (t *target) install(files map[string][]byte) error {
	for _, n := range []string{CAFile, CertFile, KeyFile} {
		mode := ModeCert
		if n == KeyFile {
			mode = ModeKey
		}
		if err := writeMemberFile(t.dir, n, files[n], mode); err != nil {
			return fmt.Errorf("installing the bundle in %s: %w", t.dir, err)
		}
	}
	if t.renewing {
		if err := os.Remove(t.keyFrom); err == nil {
			os.Remove(filepath.Dir(t.keyFrom))
		}
	}
	return nil
}

// checkInstallDir refuses to install over another member's or another
// daemon's bundle: dir may be empty, hold the waiting key of this
// certificate, or an earlier bundle of the same member whose ca.pem the new
// chain verifies against (a renewal; see sameMember).
func checkInstallDir(dir, keyFrom string, cert *x509.Certificate, chain []*x509.Certificate, now time.Time) error {
	_, err := os.Lstat(filepath.Join(dir, CertFile))
	if errors.Is(err, os.ErrNotExist) {
		if k := filepath.Join(dir, KeyFile); keyFrom != k {
			if _, err := os.Lstat(k); err == nil {
				return hint.With(fmt.Errorf("%s holds a key that is not this certificate's (a request waiting for another certificate?)", dir),
					"Connect under another name with --context NAME, or remove that directory if it is stale.")
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	return sameMember(dir, cert, chain, now)
}

// makeContext makes or updates the docker context: with the docker CLI when
// there is one (it copies the files into its own store), else by writing
// the store in the CLI's format.
func makeContext(in ConnectInput, name, hostURL, description, dir string, files map[string][]byte) (updated, byCLI bool, err error) {
	// The docker CLI reads --docker as one line of CSV: a path with a comma
	// or a quote must be quoted.
	endpoint := strings.Join([]string{csvField("host=" + hostURL), csvField("ca=" + filepath.Join(dir, CAFile)),
		csvField("cert=" + filepath.Join(dir, CertFile)), csvField("key=" + filepath.Join(dir, KeyFile))}, ",")
	if in.Docker == "" {
		exists := readContext(in.ConfigDir, name) != nil
		return exists, false, writeContextStore(in.ConfigDir, name, hostURL, description, files)
	}
	docker := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, in.Docker, args...)
		cmd.Env = append(childEnv(), "DOCKER_CONFIG="+in.ConfigDir)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	verb := "create"
	if _, err := docker("context", "inspect", name); err == nil {
		verb, updated = "update", true
	}
	if out, err := docker("context", verb, name, "--description", description, "--docker", endpoint); err != nil {
		return updated, true, fmt.Errorf("docker context %s %s: %v: %s", verb, name, err, out)
	}
	return updated, true, nil
}

// csvField quotes a CSV field when it needs it (RFC 4180).
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// probeDaemon does GET /_ping and /version over mutual TLS, as the docker
// CLI would connect, and explains a failure.
func probeDaemon(host, port string, files map[string][]byte, timeout time.Duration) (string, error) {
	client, err := TLSClient(files[CAFile], files[CertFile], files[KeyFile], host, timeout)
	if err != nil {
		return "", err
	}
	base := "https://" + net.JoinHostPort(host, port)
	if _, err := GetOK(context.Background(), client, base, "/_ping", 64<<10); err != nil {
		return "", hint.With(err, connectHint(err, host, port))
	}
	body, err := GetOK(context.Background(), client, base, "/version", 64<<10)
	if err != nil {
		return "", err
	}
	var v struct{ Version string }
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("GET /version: %w", err)
	}
	return v.Version, nil
}

// connectHint says what a member can do about a failed connection.
func connectHint(err error, host, port string) string {
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var dnsErr *net.DNSError
	msg := err.Error()
	switch {
	case errors.As(err, &hostErr):
		names := append(append([]string{}, hostErr.Certificate.DNSNames...), ipStrings(hostErr.Certificate.IPAddresses)...)
		return fmt.Sprintf("The daemon's certificate does not name %s (it names %s): connect with one of those (--host NAME:%s), or ask your admin to add %s (docker-tls renew --san-dns %s).",
			host, strings.Join(names, ", "), port, host, host)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("%s does not resolve from this machine: add it to your DNS or /etc/hosts, or ask your admin for the address.", host)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("Nothing listens on %s port %s: Docker may not run with TLS yet (your admin runs \"docker-tls apply\"), or a firewall refuses the port.", host, port)
	case errors.As(err, &unknown):
		return "The daemon presents a certificate from another CA than your bundle's: it may not be restarted with this setup yet (your admin runs \"docker-tls apply\")."
	case strings.Contains(msg, "bad certificate"), strings.Contains(msg, "unknown certificate authority"),
		strings.Contains(msg, "certificate required"), strings.Contains(msg, "handshake failure"):
		return "The daemon refused your certificate: it may not be loaded yet (your admin restarts Docker), or it was removed. Ask your admin."
	case errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(msg, "timeout"):
		return fmt.Sprintf("No answer from %s port %s: a firewall may drop the packets.", host, port)
	}
	return "Check the address with your admin; \"docker-tls status --probe\" on the host checks the daemon's side."
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

// childEnv is the member's environment without docker-tls's own settings
// (DOCKER_TLS_*, the CA passphrase among them): the docker CLI has no use
// for them.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKER_TLS_") {
			env = append(env, kv)
		}
	}
	return env
}
