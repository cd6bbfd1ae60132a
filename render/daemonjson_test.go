package render

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

var testHost = Host{Listen: "0.0.0.0:2376", CACert: tlsDir + "/ca.pem", Cert: tlsDir + "/server-cert.pem", Key: tlsDir + "/server-key.pem"}

// tlsDir is where setup keeps the TLS files; render only writes what it is given.
const tlsDir = "/etc/docker/tls"

// TestMergeDaemonJSON merges each testdata/daemon/<case>.in.json and compares
// the result, its diff and the warnings with goldens (-update rewrites them).
func TestMergeDaemonJSON(t *testing.T) {
	inputs, err := filepath.Glob("testdata/daemon/*.in.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{"absent": nil}
	for _, p := range inputs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases[strings.TrimSuffix(filepath.Base(p), ".in.json")] = b
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			out, warnings, err := mergeDaemonJSON(in, testHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(out) {
				t.Fatalf("output is not valid JSON:\n%s", out)
			}
			again, _, err := mergeDaemonJSON(out, testHost, nil)
			if err != nil || string(again) != string(out) {
				t.Fatalf("second merge differs (err %v):\n%s", err, Diff(DaemonJSONPath, out, again))
			}
			report := string(out) + "\n# diff\n" + Diff(DaemonJSONPath, in, out) + "\n# warnings\n" + strings.Join(warnings, "\n") + "\n"
			golden.RequireEqual(t, report)
		})
	}
}

func TestMergeDaemonJSONConfiguredIsUnchanged(t *testing.T) {
	in, err := os.ReadFile("testdata/daemon/configured.in.json")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := mergeDaemonJSON(in, testHost, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(in) {
		t.Fatalf("already configured file changed:\n%s", Diff(DaemonJSONPath, in, out))
	}
}

func TestMergeDaemonJSONKeepsOthers(t *testing.T) {
	in := []byte("{\n  \"hosts\": [\"unix:///var/run/docker.sock\"],\n  \"z\": {\"b\": 1, \"a\": [1, 2]},\n  \"a\": \"x\"\n}\n")
	out, _, err := mergeDaemonJSON(in, Host{Listen: "[::]:2376", CACert: "/srv/ca.pem", Cert: testHost.Cert, Key: testHost.Key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://[::]:2376\"],\n  \"z\": {\"b\": 1, \"a\": [1, 2]},\n  \"a\": \"x\",\n" +
		"  \"tls\": true,\n  \"tlscacert\": \"/srv/ca.pem\",\n  \"tlscert\": \"/etc/docker/tls/server-cert.pem\",\n  \"tlskey\": \"/etc/docker/tls/server-key.pem\",\n  \"tlsverify\": true\n}\n"
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestMergeDaemonJSONErrors(t *testing.T) {
	tests := []struct {
		name, in  string
		line, col int
		key       string
		contains  string
	}{
		{"failSyntax", "{\n  \"a\": 1,\n}", 3, 1, "", "invalid JSON"},
		{"failMissingColon", `{"a" 1}`, 1, 6, "", "invalid JSON"},
		{"failTruncated", `{"a":`, 1, 6, "", "unexpected end"},
		{"failDuplicate", "{\n  \"debug\": true,\n  \"debug\": false\n}", 3, 3, "debug", "duplicate key"},
		{"failNestedDuplicate", `{"log-opts": {"a": "1", "a": "2"}}`, 1, 25, "a", "duplicate key"},
		{"failArray", `["a"]`, 1, 1, "", "must be a JSON object"},
		{"failString", `"a"`, 1, 1, "", "must be a JSON object"},
		{"failTrailing", `{} {}`, 1, 4, "", "after the top-level object"},
		{"failHostsType", `{"hosts": "tcp://0.0.0.0:2376"}`, 0, 0, "hosts", "array of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := mergeDaemonJSON([]byte(tt.in), testHost, nil)
			var me *MergeError
			if !errors.As(err, &me) {
				t.Fatalf("want *MergeError, got %v", err)
			}
			if me.Line != tt.line || me.Col != tt.col || me.Key != tt.key || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("got %d:%d key %q: %v; want %d:%d key %q containing %q", me.Line, me.Col, me.Key, err, tt.line, tt.col, tt.key, tt.contains)
			}
			if !strings.HasPrefix(err.Error(), DaemonJSONPath) {
				t.Fatalf("error does not name the file: %v", err)
			}
		})
	}
	if _, _, err := mergeDaemonJSON([]byte(`{}`), Host{Listen: testHost.Listen, CACert: "ca.pem", Cert: testHost.Cert, Key: testHost.Key}, nil); err == nil || !strings.Contains(err.Error(), "must be absolute") {
		t.Fatalf("relative tlscacert accepted: %v", err)
	}
}

func FuzzMergeDaemonJSON(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/daemon/*.in.json")
	for _, p := range seeds {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	for _, s := range []string{"", "{}", "[]", `{"a":1,"a":2}`, `{"hosts":["fd://","tcp://x:2375"]}`, `{"tls":"yes"}`, "{\"a\":\"\\u00e9\\\"\"}", `{"a":{"b":{"c":[{}]}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, _, err := mergeDaemonJSON(in, testHost, nil)
		if err != nil {
			return
		}
		var before, after map[string]any
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if len(strings.TrimSpace(string(in))) > 0 {
			if err := json.Unmarshal(in, &before); err != nil {
				t.Fatalf("accepted input that does not parse: %v", err)
			}
		}
		for k, v := range before {
			if contains(owned, k) {
				continue
			}
			if !reflect.DeepEqual(after[k], v) {
				t.Fatalf("key %q changed: %v -> %v", k, v, after[k])
			}
		}
		if after["tls"] != true || after["tlsverify"] != true || after["tlscacert"] != "/etc/docker/tls/ca.pem" {
			t.Fatalf("tls keys not set:\n%s", out)
		}
		again, _, err := mergeDaemonJSON(out, testHost, nil)
		if err != nil || string(again) != string(out) {
			t.Fatalf("second merge differs (err %v):\n%s", err, Diff(DaemonJSONPath, out, again))
		}
	})
}

func TestDockerHostPort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"tcp://0.0.0.0:2376", "2376"},
		{"tcp://0.0.0.0:2375", "2375"},
		{"tcp://0.0.0.0", "2375"}, // dockerd's default port for plain tcp
		{"tcp://docker.example.com", "2375"},
		{"tcp://[::1]", "2375"},
		{"tcp://[::1]:2376", "2376"},
		{"tcp://0.0.0.0:", "2375"},
		{"tcp://", "2375"},
		{"tcp://0.0.0.0:2375/path", "2375"},
		{"10.0.0.1:2375", "2375"}, // no scheme: dockerd reads tcp
		{"10.0.0.1", "2375"},
		{"unix:///var/run/docker.sock", ""},
		{"fd://", ""},
		{"", ""},
	}
	for _, tt := range tests {
		h, err := ParseDockerHost(tt.in)
		got := h.Port
		if err != nil || h.Proto != "tcp" {
			got = ""
		}
		if got != tt.want {
			t.Errorf("ParseDockerHost(%q).Port = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestMergeHosts(t *testing.T) {
	const tcp = "tcp://0.0.0.0:2376"
	tests := []struct {
		name      string
		old, unit []string
		want      []string
		warnings  int
	}{
		{"default", nil, nil, []string{DefaultSocket, tcp}, 0},
		{"unitSocket", nil, []string{"unix:///run/docker-custom.sock"}, []string{"unix:///run/docker-custom.sock", tcp}, 0},
		{"unitFdIsDefault", nil, []string{"fd://", "unix:///run/docker-custom.sock"}, []string{DefaultSocket, "unix:///run/docker-custom.sock", tcp}, 0},
		{"unitEmptyUnixIsDefault", []string{DefaultSocket}, []string{"unix://"}, []string{DefaultSocket, tcp}, 0},
		{"daemonJSONFirst", []string{"unix:///run/a.sock"}, []string{"unix:///run/b.sock", "unix:///run/a.sock"}, []string{"unix:///run/a.sock", "unix:///run/b.sock", tcp}, 0},
		{"noDuplicates", []string{"unix:///run/a.sock", "unix:///run/a.sock", tcp}, []string{"unix:///run/a.sock"}, []string{"unix:///run/a.sock", tcp}, 0},
		{"fdKeepsDefault", []string{"unix:///run/a.sock", "fd://"}, nil, []string{"unix:///run/a.sock", DefaultSocket, tcp}, 1},
		{"noPortIs2375", []string{"tcp://0.0.0.0", "tcp://[::]", "tcp://10.0.0.1:2375"}, nil, []string{DefaultSocket, tcp}, 3},
		// Another tcp listener would serve TLS with our certificate on an
		// address nobody asked for: it is dropped, and the warning says so.
		{"foreignTCPDropped", []string{"tcp://10.0.0.1:2377", DefaultSocket}, nil, []string{DefaultSocket, tcp}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings := mergeHosts(tt.old, tt.unit, tcp)
			if !reflect.DeepEqual(got, tt.want) || len(warnings) != tt.warnings {
				t.Fatalf("got %q, warnings %q; want %q and %d warnings", got, warnings, tt.want, tt.warnings)
			}
			for _, w := range warnings {
				if strings.Contains(w, "2375") && !strings.Contains(w, "dropped insecure") {
					t.Errorf("warning %q is not the insecure-port one", w)
				}
				if !strings.Contains(w, "dropped") {
					t.Errorf("warning %q does not say what was dropped", w)
				}
			}
		})
	}
}
