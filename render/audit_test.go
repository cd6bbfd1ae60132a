package render

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLineAuditIsTheBenchmarks: LineAudit says what the audit's own
// commands say (grep, sed and tr, as docker-bench-security runs them), on
// every merged file of the goldens and on lines made to trip it.
func TestLineAuditIsTheBenchmarks(t *testing.T) {
	bash, err := exec.LookPath("bash")
	for _, tool := range []string{"grep", "sed", "tr"} {
		if err == nil {
			_, err = exec.LookPath(tool)
		}
	}
	if err != nil {
		if os.Getenv("DOCKER_TLS_E2E") == "1" {
			t.Fatalf("DOCKER_TLS_E2E=1 but the audit's commands cannot run: %v", err)
		}
		t.Skipf("the audit's commands cannot run (%v): LineAudit not compared with them", err)
	}
	const script = `f=$1
grep -qE "host.*tcp://" "$f" && echo tcp
[ "$(cat "$f" | tr , '\n' | grep '"tlsverify":' | sed 's/.*://g' | tr -d '" ,' | grep 'true')" ] && echo tlsverify
true`
	files := map[string][]byte{
		"hostsSpread":    []byte("{\n  \"hosts\": [\n    \"tcp://0.0.0.0:2376\"\n  ],\n  \"tlsverify\": true\n}\n"),
		"verifyFalse":    []byte(`{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": false}`),
		"verifyNextLine": []byte("{\"hosts\": [\"tcp://h:2376\"], \"tlsverify\":\n true}"),
		"verifyInName":   []byte(`{"hosts": ["unix:///run/a.sock"], "x": "tlsverify\": true"}`),
		"otherKeyTCP":    []byte(`{"labels": ["host=tcp://x"], "tlsverify": "true"}`),
		"tab":            []byte("{\"tlsverify\":\ttrue\t}"),
		"sameLine":       []byte(`{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true, "tlscacert": "/a:b"}`),
	}
	inputs, _ := filepath.Glob("testdata/daemon/*.in.json")
	for _, p := range inputs {
		in, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := mergeDaemonJSON(in, testHost, nil)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = out
	}
	dir := t.TempDir()
	for name, data := range files {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bash, "-c", script, "audit", f).Output()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tcp, verify := LineAudit(data)
		if want := fmt.Sprint(strings.Contains(string(out), "tcp\n"), strings.Contains(string(out), "tlsverify\n")); fmt.Sprint(tcp, verify) != want {
			t.Errorf("%s: LineAudit says tcp, tlsverify = %v, %v; the audit's commands say %s:\n%s", name, tcp, verify, want, data)
		}
	}
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
			tcp, verify := LineAudit(out)
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
		if tcp, verify := LineAudit(out); (!tcp && !strings.Contains(p, "hosts-long")) || !verify {
			t.Errorf("%s: TCP listener seen %v, tlsverify true %v:\n%s", p, tcp, verify, out)
		}
	}
}
