package render

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// auditHost is how docker-bench-security's check for CIS Docker Benchmark
// 2.7 finds a TCP listener in daemon.json: grep -qE "host.*tcp://" on the
// file, one line at a time (tests/2_docker_daemon_configuration.sh, docker
// /docker-bench-security @ ff26d67).
var auditHost = regexp.MustCompile(`host.*tcp://`)

// audited reads daemon.json the way that check does: a line matching
// auditHost, and the line with "tlsverify": saying true once everything up
// to its last ':' and every '"', ' ' and ',' are taken out (its
// get_docker_configuration_file_args: grep | sed 's/.*://g' | tr -d '" ,').
func audited(b []byte) (tcp, verify bool) {
	for _, l := range strings.Split(string(b), "\n") {
		tcp = tcp || auditHost.MatchString(l)
		if strings.Contains(l, `"tlsverify":`) {
			v := l[strings.LastIndexByte(l, ':')+1:]
			verify = verify || strings.Trim(strings.Map(func(r rune) rune {
				if strings.ContainsRune("\" ,", r) {
					return -1
				}
				return r
			}, v), "\t") == "true"
		}
	}
	return tcp, verify
}

// TestHostsOnOneLine: the hosts docker-tls writes are on the line of their
// key whenever that line fits in 100 columns, so that a line-based audit
// sees the TLS listener (CIS 2.7); a value of the same hosts spread over
// lines (what docker-tls wrote before) is put on one; a list too long for
// one line keeps one entry per line, and a second merge changes nothing.
func TestHostsOnOneLine(t *testing.T) {
	long := testHost
	long.Listen = "[2001:db8:1234:5678:9abc:def0:1234:5678]:2376"
	for _, tt := range []struct {
		name     string
		in       string
		host     Host
		oneLine  bool
		sockets  []string
		wantLine string
	}{
		{name: "absent", host: testHost, oneLine: true,
			wantLine: `  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]`},
		{name: "tabs", in: "{\n\t\"debug\": true\n}\n", host: testHost, oneLine: true,
			wantLine: "\t\"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2376\"]"},
		{name: "oldLayout", in: "{\n  \"hosts\": [\n    \"unix:///var/run/docker.sock\",\n    \"tcp://0.0.0.0:2376\"\n  ],\n  \"debug\": true\n}\n", host: testHost, oneLine: true,
			wantLine: `  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],`},
		{name: "keyAfterAnother", in: "{\n  \"debug\": true, \"hosts\": [\n    \"unix:///var/run/docker.sock\"\n  ]\n}\n", host: testHost, oneLine: true,
			wantLine: `  "debug": true, "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],`},
		// 100 columns with the comma a key after it would need, then 101.
		{name: "fitsExactly", host: long, oneLine: true, sockets: []string{"unix:///run/docker-ci-xy.sock"},
			wantLine: `  "hosts": ["unix:///run/docker-ci-xy.sock", "tcp://[2001:db8:1234:5678:9abc:def0:1234:5678]:2376"]`},
		{name: "justTooLong", host: long, oneLine: false, sockets: []string{"unix:///run/docker-ci-xyz.sock"}},
		{name: "manySockets", host: testHost, oneLine: false,
			sockets: []string{"unix:///run/containers/docker-ci-runner.sock", "unix:///run/user/0/docker-buildkit.sock"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := mergeDaemonJSON([]byte(tt.in), tt.host, tt.sockets)
			if err != nil {
				t.Fatal(err)
			}
			tcp, verify := audited(out)
			if tcp != tt.oneLine || !verify {
				t.Errorf("audited: TCP listener seen %v (want %v), tlsverify true %v:\n%s", tcp, tt.oneLine, verify, out)
			}
			for _, l := range strings.Split(string(out), "\n") {
				if strings.Contains(l, `"hosts"`) && columns(l) > maxLine {
					t.Errorf("a line of %d columns: %q", columns(l), l)
				}
			}
			if tt.wantLine != "" && !bytes.Contains(out, []byte("\n"+tt.wantLine+"\n")) {
				t.Errorf("no line %q:\n%s", tt.wantLine, out)
			}
			again, _, err := mergeDaemonJSON(out, tt.host, tt.sockets)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("a second merge changed it (%v):\n%s", err, Diff(DaemonJSONPath, out, again))
			}
		})
	}
}

// TestMergedFilesPassTheAudit: every daemon.json of the merge goldens
// passes the line-based audit.
func TestMergedFilesPassTheAudit(t *testing.T) {
	inputs, err := filepath.Glob("testdata/daemon/*.in.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range inputs {
		in, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := mergeDaemonJSON(in, testHost, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tcp, verify := audited(out); (!tcp && !strings.Contains(p, "hosts-long")) || !verify {
			t.Errorf("%s: TCP listener seen %v, tlsverify true %v:\n%s", p, tcp, verify, out)
		}
	}
}
