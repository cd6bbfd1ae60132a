package render

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/hostfs"
)

// TestDaemonJSONBounds: a daemon.json nested deeper than MaxDepth or larger
// than MaxConfigSize is refused with the file (and, for nesting, the line
// and column of the bracket that goes too deep) before any parser works on
// it: a planted file must not cost memory or time, nor be written back in a
// form dockerd cannot read.
func TestDaemonJSONBounds(t *testing.T) {
	deep := func(n int, sep string) string {
		return `{"a":` + strings.Repeat("["+sep, n) + strings.Repeat("]", n) + "}"
	}
	tests := []struct {
		name, in  string
		line, col int
		contains  string
	}{
		{"failDeepOneLine", deep(10_000, ""), 1, 6 + MaxDepth - 1, "nested more than 64 levels"},
		{"failDeepLines", deep(10_000, "\n"), MaxDepth, 1, "nested more than 64 levels"},
		{"failDeepObjects", strings.Repeat(`{"a":`, 100) + strings.Repeat("}", 100), 1, 5*MaxDepth + 1, "nested more than 64 levels"},
		{"failTooLarge", `{"a": "` + strings.Repeat("x", MaxConfigSize) + `"}`, 0, 0, "more than the 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, parse := range []func([]byte) error{
				func(b []byte) error { _, _, err := mergeDaemonJSON(b, testHost, nil); return err },
				func(b []byte) error { _, err := ParseDaemonConfig(b); return err },
			} {
				err := parse([]byte(tt.in))
				var me *MergeError
				if !errors.As(err, &me) || me.Line != tt.line || me.Col != tt.col || !strings.Contains(err.Error(), tt.contains) {
					t.Fatalf("err = %v (at %d:%d); want %d:%d %q", err, me.Line, me.Col, tt.line, tt.col, tt.contains)
				}
				if !strings.HasPrefix(err.Error(), DaemonJSONPath) {
					t.Fatalf("error does not name the file: %v", err)
				}
			}
		})
	}
	// Up to the bound, and brackets inside strings, are fine.
	ok := []string{
		deep(MaxDepth-1, ""),
		`{"a": "` + strings.Repeat("[{", 1000) + `", "b": "\"["}`,
	}
	for _, in := range ok {
		if _, _, err := mergeDaemonJSON([]byte(in), testHost, nil); err != nil {
			t.Errorf("%.40s...: %v", in, err)
		}
	}
}

// TestReadFileBound: Build does not read a config file larger than
// MaxConfigSize at all.
func TestReadFileBound(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{usrLibUnit: ceUnit, DaemonJSONPath: `{"a": "` + strings.Repeat("x", 2<<20) + `"}`})
	_, err := Build(hostfs.New(root), nil, &testHost)
	if err == nil || !strings.Contains(err.Error(), DaemonJSONPath+" is larger than 1024 KiB") {
		t.Fatalf("err = %v", err)
	}
}

// TestCheckMerged: what the merge produces is parsed again and compared
// with the input before anything is written; a merge that lost or changed
// a key, or set one wrong, is caught.
func TestCheckMerged(t *testing.T) {
	old := []byte("{\n  \"debug\": true,\n  \"log-opts\": {\"max-size\": \"10m\"}\n}\n")
	out, _, err := mergeDaemonJSON(old, testHost, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkMerged(old, out, testHost); err != nil {
		t.Fatal(err)
	}
	broken := map[string][]byte{
		"lost a key":      bytes.Replace(out, []byte(`"debug": true,`), nil, 1),
		"changed a value": bytes.Replace(out, []byte(`"10m"`), []byte(`"20m"`), 1),
		"added a key":     bytes.Replace(out, []byte(`"debug": true,`), []byte(`"debug": true, "x": 1,`), 1),
		"tlsverify off":   bytes.Replace(out, []byte(`"tlsverify": true`), []byte(`"tlsverify": false`), 1),
		"wrong listener":  bytes.Replace(out, []byte("tcp://"+testHost.Listen), []byte("tcp://0.0.0.0:2375"), 1),
		"not JSON":        append(bytes.Clone(out), '}'),
	}
	for name, b := range broken {
		if bytes.Equal(b, out) {
			t.Fatalf("%s: the test did not change anything", name)
		}
		if err := checkMerged(old, b, testHost); err == nil {
			t.Errorf("%s: not caught", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestMergeResultIsChecked: a merge that went wrong is caught before
// anything is written.
func TestMergeResultIsChecked(t *testing.T) {
	defer func() { mergeHook = merge }()
	mergeHook = func(old []byte, h Host, unitSockets []string) ([]byte, []string, error) {
		out, w, err := merge(old, h, unitSockets)
		return bytes.Replace(out, []byte(`"debug": true,`), nil, 1), w, err
	}
	_, _, err := mergeDaemonJSON([]byte("{\n  \"debug\": true\n}\n"), testHost, nil)
	if err == nil || !strings.Contains(err.Error(), `the merged file is not what was meant, so nothing is written`) || !strings.Contains(err.Error(), `key "debug"`) {
		t.Fatalf("err = %v", err)
	}
}
