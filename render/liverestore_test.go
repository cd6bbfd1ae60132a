package render

import (
	"testing"
)

// TestMergeLiveRestore: Host.LiveRestore sets "live-restore": true (added,
// or replacing false), keeps the rest byte for byte, and a later merge
// without it leaves the key alone: it is the admin's setting from then on.
func TestMergeLiveRestore(t *testing.T) {
	lr := testHost
	lr.LiveRestore = true
	for _, tt := range []struct{ name, in, want string }{
		{"added", "{\n  \"log-driver\": \"journald\"\n}\n",
			"{\n  \"log-driver\": \"journald\",\n  \"tls\": true,\n  \"tlscacert\": \"/etc/docker/tls/ca.pem\",\n  \"tlscert\": \"/etc/docker/tls/server-cert.pem\",\n  \"tlskey\": \"/etc/docker/tls/server-key.pem\",\n  \"tlsverify\": true,\n  \"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2376\"],\n  \"live-restore\": true\n}\n"},
		{"replacesFalse", "{\n  \"live-restore\": false\n}\n",
			"{\n  \"live-restore\": true,\n  \"tls\": true,\n  \"tlscacert\": \"/etc/docker/tls/ca.pem\",\n  \"tlscert\": \"/etc/docker/tls/server-cert.pem\",\n  \"tlskey\": \"/etc/docker/tls/server-key.pem\",\n  \"tlsverify\": true,\n  \"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2376\"]\n}\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := mergeDaemonJSON([]byte(tt.in), lr, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, tt.want)
			}
			again, _, err := mergeDaemonJSON(out, testHost, nil)
			if err != nil || string(again) != string(out) {
				t.Errorf("a merge without LiveRestore changed it (err %v):\n%s", err, Diff(DaemonJSONPath, out, again))
			}
			cfg, err := ParseDaemonConfig(out)
			if err != nil || cfg.LiveRestore == nil || !*cfg.LiveRestore {
				t.Errorf("ParseDaemonConfig: live-restore %v, %v", cfg.LiveRestore, err)
			}
		})
	}
}
