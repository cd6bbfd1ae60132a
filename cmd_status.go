package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/spf13/cobra"
)

type certStatus struct {
	Kind     string    `json:"kind"`
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
}

type statusReport struct {
	Root         string       `json:"root"`
	Unit         string       `json:"unit,omitempty"`
	ExecStart    string       `json:"exec_start,omitempty"`
	Hosts        []string     `json:"hosts,omitempty"`
	Certificates []certStatus `json:"certificates"`
	Findings     []string     `json:"findings"`
	Probe        string       `json:"probe,omitempty"`
	Healthy      bool         `json:"healthy"`
}

func newStatusCmd(env *env) *cobra.Command {
	var root string
	var warnDays int
	var probe, asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the certificates with their end dates and any problem found (exit 1 if any)",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			if warnDays < 0 {
				return usagef("--warn-days %d: must be 0 or more", warnDays)
			}
			r := collectStatus(root, warnDays, env.now())
			if probe {
				if err := probeTLS(root, 5*time.Second); err != nil {
					r.Findings = append(r.Findings, "probe failed: "+err.Error())
					r.Probe = "failed"
				} else {
					r.Probe = "ok"
				}
			}
			r.Healthy = len(r.Findings) == 0
			if asJSON {
				enc := json.NewEncoder(env.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				printStatus(env.stdout, r)
			}
			if !r.Healthy {
				return errProblems
			}
			return nil
		},
	}
	fl := cmd.Flags()
	rootFlag(cmd, &root)
	fl.IntVar(&warnDays, "warn-days", 30, "report certificates that expire within N days")
	fl.BoolVar(&probe, "probe", false, "connect to the TLS endpoint with the first client bundle")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printStatus(w io.Writer, r *statusReport) {
	if r.Root != "/" {
		fmt.Fprintf(w, "Root: %s\n", r.Root)
	}
	if r.Unit != "" {
		fmt.Fprintf(w, "Unit:      %s\nExecStart: %s\n", r.Unit, r.ExecStart)
	}
	if len(r.Hosts) > 0 {
		fmt.Fprintf(w, "Hosts:     %s\n", strings.Join(r.Hosts, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range r.Certificates {
		fmt.Fprintf(tw, "%s\t%s\t%s\t(%d days)\t%s\n", c.Kind, c.Name, c.NotAfter.Format("2006-01-02"), c.DaysLeft, c.Path)
	}
	tw.Flush()
	if r.Probe == "ok" {
		fmt.Fprintln(w, "\nProbe: TLS handshake with the client bundle and GET /_ping succeeded.")
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "\nNo problems found.")
		return
	}
	fmt.Fprintln(w, "\nProblems:")
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  ! %s\n", f)
	}
}

// collectStatus reads daemon.json, the unit and the certificates, and reports
// each problem as one sentence that says what to do.
func collectStatus(root string, warnDays int, now time.Time) *statusReport {
	r := &statusReport{Root: root, Certificates: []certStatus{}, Findings: []string{}}
	find := func(format string, a ...any) { r.Findings = append(r.Findings, fmt.Sprintf(format, a...)) }

	det, err := render.Detect(root)
	if err != nil {
		find("cannot read the Docker setup: %v", err)
	} else {
		r.Unit, r.ExecStart = det.UnitPath, det.ExecStart
		r.Findings = append(r.Findings, det.Warnings...)
		if det.DefaultDockerConflict != "" {
			find("%s", det.DefaultDockerConflict)
		}
	}

	var cfg map[string]any
	if b, ok, err := readFile(root, render.DaemonJSONPath); err != nil {
		find("%v", err)
	} else if !ok {
		find("%s does not exist: dockerd is not configured for TLS (run \"docker-tls init\")", render.DaemonJSONPath)
	} else if err := json.Unmarshal(b, &cfg); err != nil {
		find("%s is not valid JSON: %v", render.DaemonJSONPath, err)
	}
	if cfg != nil {
		if hs, ok := cfg["hosts"].([]any); ok {
			for _, h := range hs {
				s := fmt.Sprint(h)
				r.Hosts = append(r.Hosts, s)
				if plainTCP(s) {
					find("%s listens on %s without TLS: anyone who reaches it is root; remove it", render.DaemonJSONPath, s)
				}
			}
		}
		if v, _ := cfg["tlsverify"].(bool); !v {
			find("%s does not set \"tlsverify\": true, so client certificates are not required", render.DaemonJSONPath)
		}
		if _, ok := cfg["tlscacert"]; !ok {
			find("%s has no \"tlscacert\": dockerd would trust the system roots instead of your CA", render.DaemonJSONPath)
		}
		if det != nil && len(det.TLSFlags) > 0 {
			find("docker.service's ExecStart passes %s while %s sets TLS: dockerd will refuse to start; run \"docker-tls init\" to write the override",
				strings.Join(det.TLSFlags, " "), render.DaemonJSONPath)
		}
		if det != nil && len(det.HostFlags) > 0 && cfg["hosts"] != nil {
			find("hosts is set both in %s and as -H %s in docker.service's ExecStart: dockerd will refuse to start; run \"docker-tls init\" to write the override",
				render.DaemonJSONPath, strings.Join(det.HostFlags, ", -H "))
		}
	}
	if det != nil {
		for _, h := range det.HostFlags {
			if plainTCP(h) {
				find("docker.service passes -H %s: plain TCP without TLS; remove it", h)
			}
		}
	}

	ca := currentCA(root)
	if a, ok, _ := readFile(root, serverCA); ok {
		if b, _, _ := readFile(root, caCert); b != nil && !bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b)) {
			find("%s is not the CA in %s: dockerd would trust another CA than the one that issues client certificates; run \"docker-tls init\"", serverCA, caCert)
		}
	}
	if det != nil && det.UnitPath == "" {
		find("docker.service was not found: install Docker (apt-get install docker.io)")
	}
	check := func(kind, name, certPath, keyPath string) {
		b, ok, err := readFile(root, certPath)
		if err != nil || !ok {
			if kind != "client" {
				find("%s is missing", certPath)
			}
			return
		}
		info, err := pki.Inspect(b)
		if err != nil {
			find("%s: %v", certPath, err)
			return
		}
		if name == "" {
			name = info.CommonName
		}
		if kind != "ca" && ca != nil && !issuedBy(b, ca) {
			find("%s %s (%s) was not issued by the current CA %s: dockerd will refuse it; %s", kind, name, certPath, caCert, renewHint(kind, name))
		}
		left := info.DaysLeft(now)
		r.Certificates = append(r.Certificates, certStatus{Kind: kind, Name: name, Path: certPath, NotAfter: info.NotAfter, DaysLeft: left})
		switch {
		case left < 0:
			find("%s %s expired on %s: %s", kind, name, info.NotAfter.Format("2006-01-02"), renewHint(kind, name))
		case left <= warnDays:
			find("%s %s expires in %d days (%s): %s", kind, name, left, info.NotAfter.Format("2006-01-02"), renewHint(kind, name))
		}
		kb, ok, _ := readFile(root, keyPath)
		if !ok {
			find("%s: the key %s is missing", certPath, keyPath)
			return
		}
		if kind == "ca" {
			if !pki.IsEncrypted(kb) {
				find("the CA key %s is not encrypted: anyone who reads it can issue certificates", keyPath)
			} else if kdf, err := pki.ReadKDF(kb); err != nil {
				find("the CA key %s uses legacy PEM encryption (an MD5-based key derivation): re-encrypt it with \"openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 600000\" or make a new CA with --force", keyPath)
			} else if kdf.Iterations < pki.KDFIterations {
				find("the CA key %s is encrypted with %d PBKDF2 iterations, fewer than %d: a stolen copy is quicker to brute-force; re-encrypt it with \"openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 600000\"", keyPath, kdf.Iterations, pki.KDFIterations)
			}
		} else if err := pki.CheckKeyPair(b, kb); err != nil {
			find("%s does not match %s: %v", keyPath, certPath, err)
		}
		if st, err := os.Stat(render.Join(root, keyPath)); err == nil && st.Mode().Perm()&0o077 != 0 {
			find("%s has mode %04o: other users can read it; chmod 600 %s", keyPath, st.Mode().Perm(), keyPath)
		}
	}
	check("ca", "", caCert, caKey)
	check("server", "", serverCert, serverKey)
	if entries, err := os.ReadDir(render.Join(root, clientsDir)); err == nil {
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, d := range entries {
			if d.IsDir() {
				check("client", d.Name(), clientDir(d.Name())+"/cert.pem", clientDir(d.Name())+"/key.pem")
			}
		}
	}
	if st, err := os.Stat(render.Join(root, caDir)); err == nil && st.Mode().Perm()&0o077 != 0 {
		find("%s has mode %04o: chmod 700 %s", caDir, st.Mode().Perm(), caDir)
	}
	return r
}

func renewHint(kind, name string) string {
	switch kind {
	case "server":
		return "run \"docker-tls renew\""
	case "client":
		return fmt.Sprintf("run \"docker-tls renew --client %s\"", name)
	}
	return "make a new CA with \"docker-tls init --force\" and hand out new bundles"
}

// probeTLS connects to the TLS endpoint in daemon.json with the first client
// bundle, checks the server's name against its certificate and GETs /_ping.
func probeTLS(root string, timeout time.Duration) error {
	fqdn, _ := endpoint(root)
	addr, err := tlsAddr(root)
	if err != nil {
		return err
	}
	rows, err := listClients(root, time.Now())
	if err != nil || len(rows) == 0 || rows[0].Bundle == "" {
		return fmt.Errorf("no client bundle to probe with: add one with \"docker-tls client add NAME\"")
	}
	return ping(root, rows[0].Bundle, addr, fqdn, timeout)
}

// tlsAddr is where to connect: the tcp:// entry of daemon.json hosts, with
// a wildcard listen address replaced by loopback.
func tlsAddr(root string) (string, error) {
	host, port, err := tcpListen(root)
	if err != nil {
		return "", err
	}
	switch host {
	case "0.0.0.0", "":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// ping does GET /_ping over mutual TLS with the bundle in dir (a real path under root).
func ping(root, dir, addr, serverName string, timeout time.Duration) error {
	caPEM, _, err := readFile(root, dir+"/ca.pem")
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("%s/ca.pem holds no certificate", dir)
	}
	cert, err := tls.LoadX509KeyPair(render.Join(root, dir+"/cert.pem"), render.Join(root, dir+"/key.pem"))
	if err != nil {
		return fmt.Errorf("client bundle %s: %w", dir, err)
	}
	client := &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, ServerName: serverName, MinVersion: tls.VersionTLS12},
			DialContext:     (&net.Dialer{Timeout: timeout}).DialContext,
		},
	}
	resp, err := client.Get("https://" + addr + "/_ping")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /_ping: %s %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// plainTCP: a tcp:// address on 2375, or with no port, which dockerd reads as 2375.
func plainTCP(h string) bool {
	rest, ok := strings.CutPrefix(h, "tcp://")
	if !ok {
		return false
	}
	_, port, err := net.SplitHostPort(rest)
	return err != nil || port == "" || port == "2375"
}
