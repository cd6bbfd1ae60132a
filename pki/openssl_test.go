package pki

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// openssl runs the openssl command in dir, skipping the test when it is
// not installed, unless DOCKER_TLS_E2E=1 (CI installs it) makes that a failure.
func openssl(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("DOCKER_TLS_E2E") == "1" {
			t.Fatal("DOCKER_TLS_E2E=1 but openssl is not on PATH: apt-get install openssl")
		}
		t.Skip("openssl is not on PATH: skipping the OpenSSL interop checks (apt-get install openssl)")
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writeFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOpenSSL(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			b := testBundle(t, kt)
			dir := writeFiles(t, map[string][]byte{
				"ca.pem":     b.CA.CertPEM,
				"ca-key.pem": b.CAKeyPEM,
				// server-cert.pem as written: the certificate, then the host issuer.
				"server.pem":      b.Server.Chain(),
				"server-only.pem": b.Server.CertPEM,
				"client.pem":      b.Clients[0].CertPEM,
				"pass":            []byte(testPass + "\n"),
				"wrong":           []byte("not the passphrase at all\n"),
			})
			tests := []struct {
				name    string
				args    []string
				wantErr bool
				want    []string // substrings of the output; error 26 is X509_V_ERR_INVALID_PURPOSE, worded differently across OpenSSL versions
			}{
				{"okVerifyServer", []string{"verify", "-x509_strict", "-CAfile", "ca.pem", "-untrusted", "server.pem", "-purpose", "sslserver", "server.pem"}, false, []string{"server.pem: OK"}},
				{"okVerifyServerName", []string{"verify", "-CAfile", "ca.pem", "-untrusted", "server.pem", "-purpose", "sslserver", "-verify_hostname", "docker.test", "server.pem"}, false, nil},
				{"okVerifyServerIPv6", []string{"verify", "-CAfile", "ca.pem", "-untrusted", "server.pem", "-purpose", "sslserver", "-verify_ip", "2001:db8::1", "server.pem"}, false, nil},
				// error 20 is X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: the host issuer is needed.
				{"failVerifyServerWithoutHostIssuer", []string{"verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "server-only.pem"}, true, []string{"error 20 "}},
				{"okVerifyClient", []string{"verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "client.pem"}, false, []string{"client.pem: OK"}},
				{"failServerAsClient", []string{"verify", "-CAfile", "ca.pem", "-untrusted", "server.pem", "-purpose", "sslclient", "server.pem"}, true, []string{"error 26 ", "certificate purpose"}},
				{"failClientAsServer", []string{"verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "client.pem"}, true, []string{"error 26 ", "certificate purpose"}},
				{"failVerifyWrongName", []string{"verify", "-CAfile", "ca.pem", "-untrusted", "server.pem", "-verify_hostname", "other.test", "server.pem"}, true, []string{"hostname mismatch"}},
				{"okOpenKey", []string{"pkey", "-in", "ca-key.pem", "-passin", "file:pass", "-noout"}, false, nil},
				{"failOpenKeyWrongPass", []string{"pkey", "-in", "ca-key.pem", "-passin", "file:wrong", "-noout"}, true, nil},
				{"okPBES2Params", []string{"asn1parse", "-in", "ca-key.pem"}, false,
					// 600000 is 0x0927C0.
					[]string{"PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc", "INTEGER           :0927C0"}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					out, err := openssl(t, dir, tt.args...)
					if (err != nil) != tt.wantErr {
						t.Fatalf("openssl %s: err = %v, wantErr %v\n%s", strings.Join(tt.args, " "), err, tt.wantErr, out)
					}
					for _, w := range tt.want {
						if !strings.Contains(out, w) {
							t.Errorf("openssl %s: output lacks %q:\n%s", strings.Join(tt.args, " "), w, out)
						}
					}
				})
			}
			// The key OpenSSL decrypts is the CA's, and what ReadKDF reports
			// is what OpenSSL sees.
			out, err := openssl(t, dir, "pkey", "-in", "ca-key.pem", "-passin", "file:pass", "-pubout")
			if err != nil {
				t.Fatal(err)
			}
			pubDER, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
			ca, _ := ParseCert(pubDER)
			if !strings.Contains(out, "PUBLIC KEY") || ca == nil {
				t.Fatalf("openssl pkey -pubout:\n%s", out)
			}
			kdf, err := ReadKDF(b.CAKeyPEM)
			if err != nil {
				t.Fatal(err)
			}
			if kdf != (KDFParams{KDF: "pbkdf2", PRF: "hmacWithSHA256", Iterations: 600000, SaltLen: 16, Cipher: "aes-256-cbc"}) {
				t.Errorf("ReadKDF = %+v", kdf)
			}
		})
	}
}

// TestOpenSSLReadsOurKey checks OpenSSL's view of the public key against ours.
func TestOpenSSLReadsOurKey(t *testing.T) {
	b := testBundle(t, ECDSAP256)
	dir := writeFiles(t, map[string][]byte{"ca-key.pem": b.CAKeyPEM, "ca.pem": b.CA.CertPEM, "pass": []byte(testPass)})
	fromKey, err := openssl(t, dir, "pkey", "-in", "ca-key.pem", "-passin", "file:pass", "-pubout")
	if err != nil {
		t.Fatal(err, fromKey)
	}
	fromCert, err := openssl(t, dir, "x509", "-in", "ca.pem", "-noout", "-pubkey")
	if err != nil {
		t.Fatal(err, fromCert)
	}
	if fromKey != fromCert {
		t.Errorf("public key from the decrypted key:\n%s\nfrom the certificate:\n%s", fromKey, fromCert)
	}
}

// TestOpenSSLDocsCA issues from the CA that the Docker docs recipe makes
// (testdata/generate.sh) and has OpenSSL verify the result.
func TestOpenSSLDocsCA(t *testing.T) {
	for _, fx := range []struct{ cert, key string }{{"ca.pem", "ca-key.pem"}, {"legacy-ca.pem", "legacy-ca-key.pem"}} {
		t.Run(fx.cert, func(t *testing.T) {
			ca, err := LoadCA(fixture(t, fx.cert), fixture(t, fx.key), []byte(opensslPass))
			if err != nil {
				t.Fatal(err)
			}
			client, err := IssueClient(ca, "carol", 30, ECDSAP256)
			if err != nil {
				t.Fatal(err)
			}
			plan := testPlan(RSA2048)
			if err := plan.Validate(); err != nil {
				t.Fatal(err)
			}
			server, err := IssueServer(ca, plan)
			if err != nil {
				t.Fatal(err)
			}
			dir := writeFiles(t, map[string][]byte{"ca.pem": ca.CertPEM, "client.pem": client.CertPEM, "server.pem": server.CertPEM})
			if out, err := openssl(t, dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "client.pem"); err != nil {
				t.Errorf("verify client: %v\n%s", err, out)
			}
			if out, err := openssl(t, dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "server.pem"); err != nil {
				t.Errorf("verify server: %v\n%s", err, out)
			}
		})
	}
}
