package setup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
)

// LastRenewPath records when a renewal last succeeded: one RFC 3339 time
// on a line, written by renew; status reads it for the metrics.
const LastRenewPath = TLSDir + "/last-renew"

// Metrics is the report in Prometheus text format, for node_exporter's
// textfile collector: when each certificate ends (the CA, the host issuer,
// the server's, each anchor, each member's), what dockerd serves and
// whether a restart is pending (when probed), how many problems, when a
// renewal last succeeded (when recorded). No timestamps: the collector
// stamps the file's samples itself.
func Metrics(r *Report) []byte {
	var b strings.Builder
	gauge := func(name, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	const certs = "docker_tls_cert_not_after_timestamp_seconds"
	gauge(certs, "When each certificate under the root ends (Unix time).")
	for _, c := range append(append([]CertStatus{}, r.Certificates...), r.Issuers...) {
		fmt.Fprintf(&b, "%s{kind=\"%s\",name=\"%s\"} %d\n", certs, labelValue(c.Kind), labelValue(c.Name), c.NotAfter.Unix())
	}
	if r.Served != nil {
		gauge("docker_tls_served_cert_not_after_timestamp_seconds", "When the certificate dockerd serves ends (Unix time).")
		fmt.Fprintf(&b, "docker_tls_served_cert_not_after_timestamp_seconds %d\n", r.Served.NotAfter.Unix())
	}
	if r.Probe != "" {
		gauge("docker_tls_restart_pending", "1 when dockerd serves or trusts what the files no longer say: a restart loads them.")
		fmt.Fprintf(&b, "docker_tls_restart_pending %d\n", btoi(r.RestartPending()))
	}
	gauge("docker_tls_problems", "How many problems status found.")
	fmt.Fprintf(&b, "docker_tls_problems %d\n", len(r.Findings))
	if !r.RenewedAt.IsZero() {
		gauge("docker_tls_renew_last_success_timestamp_seconds", "When a renewal last succeeded (Unix time).")
		fmt.Fprintf(&b, "docker_tls_renew_last_success_timestamp_seconds %d\n", r.RenewedAt.Unix())
	}
	return []byte(b.String())
}

// RestartPending: the probe found that dockerd runs with what the files no
// longer say (a renewed certificate, a removed member's anchor).
func (r *Report) RestartPending() bool {
	for _, f := range r.Findings {
		if f.Code == RestartPending || f.Code == StillTrusted {
			return true
		}
	}
	return false
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// labelValue escapes a label value as the text format asks.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// WriteMetrics writes Metrics(r) to file (a path on this machine, not
// under the root) atomically: a temporary file in the same directory,
// whose name does not end in .prom so that the collector never reads it
// half-written, then renamed over file.
func WriteMetrics(file string, r *Report) error {
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a failure; gone once renamed
	_, err = tmp.Write(Metrics(r))
	if err == nil {
		err = tmp.Chmod(0o644) // node_exporter need not run as root
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// tempPattern is the name of WriteMetrics' temporary file, for
// os.CreateTemp: hidden, and not ending in .prom.
func tempPattern(base string) string { return "." + base + ".*.tmp" }

// issuers are the certificates status does not list but the metrics
// show: the host issuer (after the server certificate in server-cert.pem),
// and each member anchor.
func (st *statusRun) issuers() []CertStatus {
	var out []CertStatus
	if b, ok, _ := st.read(ServerCert); ok {
		if chain, err := pki.ParseCerts(b); err == nil && len(chain) > 1 && chain[1].IsCA {
			out = append(out, CertStatus{Kind: "host-issuer", Name: chain[1].Subject.CommonName, Path: ServerCert, NotAfter: chain[1].NotAfter, DaysLeft: (&pki.Info{NotAfter: chain[1].NotAfter}).DaysLeft(st.now)})
		}
	}
	for _, a := range st.anchors {
		out = append(out, CertStatus{Kind: "anchor", Name: pki.AnchorName(a.Slot), Path: AnchorsPath, NotAfter: a.Cert.NotAfter, DaysLeft: (&pki.Info{NotAfter: a.Cert.NotAfter}).DaysLeft(st.now)})
	}
	return out
}
