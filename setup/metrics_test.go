package setup

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/docker-tls/docker-tls/pki"
)

// parseMetrics parses a textfile as node_exporter's textfile collector
// does (the prometheus text parser).
func parseMetrics(t *testing.T, b []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the metrics do not parse: %v\n%s", err, b)
	}
	return fams
}

// gauge is the value of a family's sample with these labels (name=value
// pairs), and whether there is one.
func gauge(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		var got []string
		for _, l := range m.GetLabel() {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(got, ",") == strings.Join(labels, ",") {
			if m.TimestampMs != nil {
				return -1, true // no timestamps: the collector stamps them
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// TestMetrics: every certificate's end, the served one and the pending
// restart after a probe, the problems, the last renewal when recorded; in
// the text format, without timestamps, written atomically.
func TestMetrics(t *testing.T) {
	c := &clock{t: time.Now()}
	h, l := servedHost(t, c, "alice", "bob")
	fakeDockerd(t, h, l)
	served := serverCert(t, h).NotAfter
	c.t = c.t.Add(48 * time.Hour)
	p, err := h.PrepareRenew(RenewInput{}, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "docker_tls.prom")
	r := probe(h)
	if err := WriteMetrics(file, r); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fams := parseMetrics(t, b)
	const certs = "docker_tls_cert_not_after_timestamp_seconds"
	for _, want := range []struct {
		name   string
		labels []string
		value  float64
	}{
		{certs, []string{"kind=ca", "name=docker-tls CA"}, float64(r.Certificates[0].NotAfter.Unix())},
		{certs, []string{"kind=server", "name=docker.example.com"}, float64(serverCert(t, h).NotAfter.Unix())},
		{certs, []string{"kind=client", "name=alice"}, float64(r.Certificates[2].NotAfter.Unix())},
		{certs, []string{"kind=client", "name=bob"}, float64(r.Certificates[3].NotAfter.Unix())},
		{certs, []string{"kind=anchor", "name=member anchor 1"}, float64(h.anchorsOrFail(t)[0].Cert.NotAfter.Unix())},
		{"docker_tls_served_cert_not_after_timestamp_seconds", nil, float64(served.Unix())},
		{"docker_tls_restart_pending", nil, 1},
		{"docker_tls_problems", nil, float64(len(r.Findings))},
	} {
		if got, ok := gauge(fams, want.name, want.labels...); !ok || got != want.value {
			t.Errorf("%s%q = %v (there: %v), want %v\n%s", want.name, want.labels, got, ok, want.value, b)
		}
	}
	// The renew above recorded when it succeeded.
	if got, ok := gauge(fams, "docker_tls_renew_last_success_timestamp_seconds"); !ok || got != float64(c.t.Unix()) {
		t.Errorf("last renewal %v (there: %v), want %d:\n%s", got, ok, c.t.Unix(), b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the temporary file was left: %v", ents)
	}

	// Without a probe nothing is known of what dockerd serves; a recorded
	// renewal is shown.
	at := time.Date(2026, 12, 7, 3, 4, 5, 0, time.UTC)
	writeFile(t, h.Root(), LastRenewPath, at.Format(time.RFC3339)+"\n", 0o644)
	fams = parseMetrics(t, Metrics(h.Status(StatusInput{WarnDays: 30})))
	for _, name := range []string{"docker_tls_served_cert_not_after_timestamp_seconds", "docker_tls_restart_pending"} {
		if _, ok := fams[name]; ok {
			t.Errorf("%s without a probe", name)
		}
	}
	if got, ok := gauge(fams, "docker_tls_renew_last_success_timestamp_seconds"); got != float64(at.Unix()) || !ok {
		t.Errorf("last renewal %v, want %v", got, at.Unix())
	}
}

// TestMetricsLabels: a name with quotes, a backslash, a line break (a CA
// name is the admin's choice) stays one label value.
func TestMetricsLabels(t *testing.T) {
	name := "a \"CA\" \\ on\ntwo lines"
	at := time.Unix(1_900_000_000, 0)
	fams := parseMetrics(t, Metrics(&Report{Certificates: []CertStatus{{Kind: "ca", Name: name, NotAfter: at}}}))
	if got, ok := gauge(fams, "docker_tls_cert_not_after_timestamp_seconds", "kind=ca", "name="+name); !ok || got != 1.9e9 {
		t.Errorf("the CA's end: %v %v", got, ok)
	}
}

func (h *Host) anchorsOrFail(t *testing.T) []*pki.Anchor {
	t.Helper()
	as, err := h.anchors()
	if err != nil || len(as) == 0 {
		t.Fatalf("anchors: %v", err)
	}
	return as
}

// TestWriteMetricsAtomic: a file being written is never under the .prom
// name, and a failed write leaves the old file as it was.
func TestWriteMetricsAtomic(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "docker_tls.prom")
	writeFile(t, dir, "docker_tls.prom", "old\n", 0o644)
	if err := WriteMetrics(filepath.Join(dir, "missing", "docker_tls.prom"), &Report{}); err == nil {
		t.Error("writing in a missing directory succeeded")
	}
	if b, _ := os.ReadFile(file); string(b) != "old\n" {
		t.Errorf("the old file changed: %q", b)
	}
	if err := WriteMetrics(file, &Report{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(file)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("metrics file: %v %v", fi, err)
	}
	if strings.HasSuffix(tempPattern("docker_tls.prom"), ".prom") {
		t.Error("the temporary name ends in .prom")
	}
}
