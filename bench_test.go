package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/docker-tls/docker-tls/setup"

	"github.com/docker-tls/docker-tls/pki"
)

// Benchmarks, not timed tests: go test -run XXX -bench Init .
// scripts/speed.sh times the same thing as a whole process, against OpenSSL.

const benchPass = "benchmark passphrase, long enough"

// debianUnit is the docker.io unit: init writes an override without -H fd://.
const debianUnit = `[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
`

// BenchmarkInit is the whole in-process `init --yes`: flags, a new CA, server
// and client certificates, the encrypted CA key, the diffs and the writes,
// each iteration into a fresh root.
func BenchmarkInit(b *testing.B) {
	for _, kt := range []pki.KeyType{pki.ECDSAP256, pki.RSA4096} {
		b.Run(string(kt), func(b *testing.B) {
			b.Setenv(setup.PassphraseEnv, benchPass)
			dir := b.TempDir()
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				root := filepath.Join(dir, "root"+strconv.Itoa(i))
				unit := filepath.Join(root, "lib/systemd/system/docker.service")
				if err := os.MkdirAll(filepath.Dir(unit), 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(unit, []byte(debianUnit), 0o644); err != nil {
					b.Fatal(err)
				}
				var stdout, stderr bytes.Buffer
				b.StartTimer()
				code := run([]string{"init", "--key-type", string(kt), "--root", root,
					"--fqdn", "docker.example.com", "--san-ip", "127.0.0.1", "--yes"},
					bytes.NewReader(nil), &stdout, &stderr)
				if code != 0 {
					b.Fatalf("init exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
				}
			}
			b.StopTimer()
			if _, err := os.Stat(filepath.Join(dir, "root1", "etc/docker/tls/clients/client/cert.pem")); err != nil {
				b.Fatal(err)
			}
		})
	}
}
