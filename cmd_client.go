package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/spf13/cobra"
)

func newClientCmd(env *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Onboard team members: issue and list client certificates",
		Args:  noArgs,
	}
	cmd.AddCommand(newClientAddCmd(env), newClientListCmd(env))
	return cmd
}

type clientAddFlags struct {
	root, passFile, archive, keyType string
	days                             int
	force, dryRun                    bool
}

func newClientAddCmd(env *env) *cobra.Command {
	f := &clientAddFlags{}
	cmd := &cobra.Command{
		Use:   "add NAME [flags]",
		Short: "Issue a client certificate from the existing CA and write its bundle",
		Example: `  docker-tls client add alice
  docker-tls client add bob --days 90 --archive bob.tar.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("client add takes one NAME, got %d arguments", len(args))
			}
			if err := pki.ValidateClientName(args[0]); err != nil {
				return usagef("client name %q: %v", args[0], err)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pki.ValidateDays(fmt.Sprint(f.days)); err != nil {
				return usagef("--days %d: %v", f.days, err)
			}
			kt, err := pki.ParseKeyType(f.keyType)
			if err != nil {
				return usagef("--key-type: %v", err)
			}
			pass, err := caPassphrase(env, f.root, f.passFile)
			if err != nil {
				return err
			}
			p, err := prepareClient(env, f.root, args[0], f.days, kt, pass, f.force)
			if err != nil {
				return err
			}
			return writeClient(env, f, p)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.days, "days", pki.DefaultDays, "how many days the certificate is valid")
	fl.StringVar(&f.keyType, "key-type", string(pki.ECDSAP256), "key type: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519")
	fl.StringVar(&f.archive, "archive", "", "also pack the bundle into FILE.tar.gz (mode 0600) to hand over")
	passFileFlag(cmd, &f.passFile)
	rootFlag(cmd, &f.root)
	fl.BoolVar(&f.force, "force", false, "re-issue a name that was already issued (the old files are backed up)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "show what would be written, write nothing")
	return cmd
}

// clientPrepared is a computed client bundle, not yet written.
type clientPrepared struct {
	name     string
	leaf     *pki.Leaf
	ca       *pki.CA
	changes  *render.Changes
	endpoint string // tcp://fqdn:port
	fqdn     string
}

// prepareClient issues the certificate and computes the files; the wizard's
// "add a team member" calls it too.
func prepareClient(e *env, root, name string, days int, kt pki.KeyType, pass []byte, force bool) (*clientPrepared, error) {
	if !exists(root, caCert) {
		return nil, noCA(root)
	}
	ledgerPEM, _, err := readFile(root, ledgerFile)
	if err != nil {
		return nil, err
	}
	ledger, err := pki.ParseLedger(ledgerPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ledgerFile, err)
	}
	if !force && (ledger.Has(pki.KindClient, name) || exists(root, clientDir(name)+"/cert.pem")) {
		return nil, withHint(fmt.Errorf("a client named %q was already issued", name),
			"Pick another name, or re-issue it with --force (the old files are backed up).")
	}
	ca, err := loadCA(root, pass)
	if err != nil {
		return nil, err
	}
	leaf, err := pki.IssueClient(ca, name, days, kt, pki.WithNow(e.now))
	if err != nil {
		return nil, err
	}
	ledger.Add(leaf, e.now())
	files := append(leafFiles(ca, leaf),
		render.File{Path: ledgerFile, Data: ledger.Marshal(), Mode: modeCert, DirMode: modeSecret})
	changes, err := render.Build(root, files, nil)
	if err != nil {
		return nil, err
	}
	fqdn, ep := endpoint(root)
	return &clientPrepared{name: name, leaf: leaf, ca: ca, changes: changes, endpoint: ep, fqdn: fqdn}, nil
}

func writeClient(e *env, f *clientAddFlags, p *clientPrepared) error {
	var archive []byte
	if f.archive != "" {
		if _, err := os.Stat(f.archive); err == nil && !f.force {
			return withHint(fmt.Errorf("%s already exists", f.archive), "Choose another --archive path, or add --force to replace it.")
		}
		if st, err := os.Stat(filepath.Dir(f.archive)); err != nil || !st.IsDir() {
			return fmt.Errorf("--archive %s: directory %s does not exist", f.archive, filepath.Dir(f.archive))
		}
		var err error
		if archive, err = bundleArchive(p, e.now()); err != nil {
			return err
		}
	}
	if f.dryRun {
		for _, c := range p.changes.Changes {
			fmt.Fprintf(e.stdout, "  %-9s %04o  %s\n", c.Action, c.Mode.Perm(), c.Path)
		}
		fmt.Fprintln(e.stdout, "\nDry run: nothing was written.")
		return nil
	}
	res, err := p.changes.Apply()
	if err != nil {
		return applyFailed(err)
	}
	if archive != nil {
		if err := writeFileAtomic(f.archive, archive, 0o600); err != nil {
			// Nothing half-done: take the bundle back out too.
			if rerr := render.Rollback(f.root, res); rerr != nil {
				return fmt.Errorf("writing %s: %w (and rolling back: %v)", f.archive, err, rerr)
			}
			return fmt.Errorf("writing %s: %w (the bundle was rolled back)", f.archive, err)
		}
	}
	fmt.Fprint(e.stdout, clientInstructions(p, f.root, f.archive))
	return nil
}

// caPassphrase reads the passphrase of the existing CA, after checking there
// is one: nobody should type a passphrase only to learn that.
func caPassphrase(e *env, root, file string) ([]byte, error) {
	if !exists(root, caCert) {
		return nil, noCA(root)
	}
	return passphraseSource{file: file}.read(e, false)
}

func noCA(root string) error {
	return withHint(fmt.Errorf("no CA at %s", render.Join(root, caCert)),
		"Run \"docker-tls init\" (or the wizard) first; --root must point at the same tree.")
}

// clientInstructions: where the bundle is, and the lines to send the new member.
func clientInstructions(p *clientPrepared, root, archive string) string {
	var b strings.Builder
	dir := clientDir(p.name)
	fmt.Fprintf(&b, "Issued %q: serial %s, valid until %s.\n", p.name, p.leaf.Cert.SerialNumber.Text(16), p.leaf.Cert.NotAfter.Format("2006-01-02"))
	fmt.Fprintf(&b, "Bundle:  %s/{ca.pem,cert.pem,key.pem}\n", render.Join(root, dir))
	if archive != "" {
		fmt.Fprintf(&b, "Archive: %s (0600)\n", archive)
	}
	local := "$HOME/.docker/" + p.fqdn
	fmt.Fprintf(&b, "\nSend %s the bundle over a private channel (it holds a private key), then these lines:\n\n", p.name)
	if archive != "" {
		fmt.Fprintf(&b, "  mkdir -p %s && tar -xzf %s -C %s\n", local, filepath.Base(archive), local)
	} else {
		fmt.Fprintf(&b, "  mkdir -p %s   # put ca.pem, cert.pem and key.pem there\n", local)
	}
	fmt.Fprintf(&b, "  export DOCKER_HOST=%s DOCKER_TLS_VERIFY=1\n", p.endpoint)
	fmt.Fprintf(&b, "  export DOCKER_CERT_PATH=%s\n", local)
	fmt.Fprintf(&b, "  docker version\n")
	fmt.Fprintf(&b, "\nor keep it as a Docker context:\n\n%s", contextCreate(p.fqdn, p.endpoint, local, "  "))
	return b.String()
}

// endpoint finds the FQDN (server certificate CN) and the TLS port (daemon.json hosts).
func endpoint(root string) (fqdn, host string) {
	fqdn = "docker.example.com"
	if b, ok, _ := readFile(root, serverCert); ok {
		if info, err := pki.Inspect(b); err == nil && info.CommonName != "" {
			fqdn = info.CommonName
		}
	}
	port := "2376"
	if _, p, err := tcpListen(root); err == nil {
		port = p
	}
	return fqdn, "tcp://" + net.JoinHostPort(fqdn, port)
}

// tcpListen is the host and port of the first tcp:// entry of daemon.json's hosts.
func tcpListen(root string) (host, port string, err error) {
	b, ok, err := readFile(root, render.DaemonJSONPath)
	if err != nil || !ok {
		return "", "", fmt.Errorf("no %s to find the TLS address in", render.DaemonJSONPath)
	}
	var cfg struct {
		Hosts []string `json:"hosts"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", "", fmt.Errorf("%s: %w", render.DaemonJSONPath, err)
	}
	for _, h := range cfg.Hosts {
		if rest, ok := strings.CutPrefix(h, "tcp://"); ok {
			if host, port, err := net.SplitHostPort(rest); err == nil {
				return host, port, nil
			}
		}
	}
	return "", "", fmt.Errorf("%s has no tcp:// entry in hosts", render.DaemonJSONPath)
}

// issuedBy reports whether the certificate in certPEM was signed by ca.
func issuedBy(certPEM []byte, ca *x509.Certificate) bool {
	c, err := pki.ParseCert(certPEM)
	return err == nil && bytes.Equal(c.RawIssuer, ca.RawSubject) && c.CheckSignatureFrom(ca) == nil
}

// bundleArchive packs ca.pem, cert.pem and key.pem, ready for DOCKER_CERT_PATH.
func bundleArchive(p *clientPrepared, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range []struct {
		name string
		data []byte
		mode int64
	}{{"ca.pem", p.ca.CertPEM, 0o644}, {"cert.pem", p.leaf.CertPEM, 0o644}, {"key.pem", p.leaf.KeyPEM, 0o600}} {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
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

// writeFileAtomic writes a file outside the managed tree (the archive): temp
// file in the same directory, fsync, rename.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

type clientRow struct {
	Name     string    `json:"name"`
	Serial   string    `json:"serial"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
	Bundle   string    `json:"bundle"`
	Problem  string    `json:"problem,omitempty"`
}

func newClientListCmd(env *env) *cobra.Command {
	var root string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the client certificates issued, with expiry",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			rows, err := listClients(root, env.now())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(env.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(env.stdout, "No client certificates yet: add one with \"docker-tls client add NAME\".")
				return nil
			}
			tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSERIAL\tNOT AFTER\tDAYS LEFT\tBUNDLE")
			for _, r := range rows {
				left := fmt.Sprint(r.DaysLeft)
				if r.Problem != "" {
					left = r.Problem
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Serial, r.NotAfter.Format("2006-01-02"), left, r.Bundle)
			}
			return tw.Flush()
		},
	}
	rootFlag(cmd, &root)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// listClients reads the bundles on disk; the ledger adds those whose files
// were removed (marked "bundle missing").
func listClients(root string, now time.Time) ([]clientRow, error) {
	rows := []clientRow{}
	seen := map[string]bool{}
	ca := currentCA(root)
	entries, err := os.ReadDir(render.Join(root, clientsDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, d := range entries {
		if !d.IsDir() {
			continue
		}
		b, ok, err := readFile(root, clientDir(d.Name())+"/cert.pem")
		if err != nil || !ok {
			continue
		}
		info, err := pki.Inspect(b)
		if err != nil {
			rows = append(rows, clientRow{Name: d.Name(), Bundle: clientDir(d.Name()), Problem: "unreadable cert.pem"})
			continue
		}
		r := clientRow{Name: d.Name(), Serial: info.Serial, NotAfter: info.NotAfter, DaysLeft: info.DaysLeft(now), Bundle: clientDir(d.Name())}
		switch {
		case ca != nil && !issuedBy(b, ca):
			// Left over from a CA replaced with --force: dockerd refuses it.
			r.Problem = "not from the current CA"
		case r.DaysLeft < 0:
			r.Problem = "expired"
		}
		rows = append(rows, r)
		seen[d.Name()] = true
	}
	lb, _, err := readFile(root, ledgerFile)
	if err != nil {
		return nil, err
	}
	if l, err := pki.ParseLedger(lb); err == nil {
		for _, en := range l.Issued {
			if en.Kind != pki.KindClient || seen[en.CommonName] {
				continue
			}
			seen[en.CommonName] = true
			rows = append(rows, clientRow{Name: en.CommonName, Serial: en.Serial, NotAfter: en.NotAfter,
				DaysLeft: int(en.NotAfter.Sub(now).Hours() / 24), Problem: "bundle missing"})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows, nil
}
