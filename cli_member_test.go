package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
)

// memberConfig is a member's DOCKER_CONFIG, empty, for this test.
func memberConfig(t *testing.T) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "docker-config")
	t.Setenv("DOCKER_CONFIG", cfg)
	return cfg
}

// filesUnder lists the regular files under dir ("" when it does not exist).
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// tarGz packs entries (name -> content; a "->" in the content makes a
// symlink to what follows) into an archive file.
func tarGz(t *testing.T, entries [][2]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := &tar.Header{Name: e[0], Mode: 0o644, Size: int64(len(e[1])), Typeflag: tar.TypeReg}
		if target, ok := strings.CutPrefix(e[1], "->"); ok {
			hdr = &tar.Header{Name: e[0], Linkname: target, Typeflag: tar.TypeSymlink, Mode: 0o777}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			tw.Write([]byte(e[1]))
		}
	}
	tw.Close()
	zw.Close()
	p := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConnectRefuses: a bundle that cannot work, or an archive that holds
// more than plain bundle files, installs nothing.
func TestConnectRefuses(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	good := func(name string) string { return string(readRootFile(t, root, "etc/docker/tls/clients/alice/"+name)) }
	bob := initRoot(t, "--client", "bob") // another CA
	bobs := func(name string) string { return string(readRootFile(t, bob, "etc/docker/tls/clients/bob/"+name)) }

	// A bundle whose certificate expired yesterday.
	plan := pki.DefaultPlan()
	plan.FQDN, plan.Days, plan.Clients = "docker.example.com", 1, []string{"alice"}
	past, err := pki.Issue(plan, nil, []byte(testPass), pki.WithNow(func() time.Time { return time.Now().AddDate(0, 0, -2) }))
	if err != nil {
		t.Fatal(err)
	}
	old := past.Clients[0]
	meta := `{"version":1,"host":"tcp://docker.example.com:2376","server_names":["docker.example.com"],"name":"alice","not_after":"2030-01-01T00:00:00Z"}`

	cases := []struct {
		name, want string
		entries    [][2]string
	}{
		{"key of another certificate", "the key does not belong to the certificate",
			[][2]string{{"docker-tls.json", meta}, {"ca.pem", good("ca.pem")}, {"cert.pem", good("cert.pem")}, {"key.pem", bobs("key.pem")}}},
		{"expired", "expired on",
			[][2]string{{"docker-tls.json", meta}, {"ca.pem", string(past.CA.CertPEM)}, {"cert.pem", string(old.CertPEM)}, {"key.pem", string(old.KeyPEM)}}},
		{"another CA", "does not chain to the bundled CA",
			[][2]string{{"docker-tls.json", meta}, {"ca.pem", good("ca.pem")}, {"cert.pem", bobs("cert.pem")}, {"key.pem", bobs("key.pem")}}},
		{"dot-dot", `holds the path "../key.pem"`,
			[][2]string{{"docker-tls.json", meta}, {"ca.pem", good("ca.pem")}, {"cert.pem", good("cert.pem")}, {"../key.pem", good("key.pem")}}},
		{"absolute", `holds the path "/tmp/key.pem"`,
			[][2]string{{"ca.pem", good("ca.pem")}, {"/tmp/key.pem", good("key.pem")}}},
		{"symlink", "not a regular file",
			[][2]string{{"docker-tls.json", meta}, {"ca.pem", good("ca.pem")}, {"cert.pem", good("cert.pem")}, {"key.pem", "->/etc/shadow"}}},
		{"other file", `holds "evil.sh"`,
			[][2]string{{"ca.pem", good("ca.pem")}, {"cert.pem", good("cert.pem")}, {"key.pem", good("key.pem")}, {"evil.sh", "rm -rf ~"}}},
		{"server certificate", "not for client authentication",
			[][2]string{{"docker-tls.json", meta}, {"ca.pem", good("ca.pem")},
				{"cert.pem", string(readRootFile(t, root, "etc/docker/tls/server-cert.pem"))}, {"key.pem", string(readRootFile(t, root, "etc/docker/tls/server-key.pem"))}}},
		{"no metadata, no --host", "does not say which daemon",
			[][2]string{{"ca.pem", good("ca.pem")}, {"cert.pem", good("cert.pem")}, {"key.pem", good("key.pem")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := memberConfig(t)
			r := runCLI(t, "", "connect", tarGz(t, tc.entries))
			if r.code != 1 {
				t.Fatalf("want exit 1:\n%s", r)
			}
			wantContains(t, "stderr", r.stderr, tc.want)
			if fs := filesUnder(t, cfg); len(fs) != 0 {
				t.Errorf("connect installed %q", fs)
			}
		})
	}
}

// TestRequestAndSign: the member's key is made on their machine; the admin
// signs the request and the archive carries no key; connect pairs them.
func TestRequestAndSign(t *testing.T) {
	root := initRoot(t)
	cfg := memberConfig(t)
	work := t.TempDir()
	csr := filepath.Join(work, "carol.csr")
	r := mustRun(t, 0, "request", "--host", "docker.example.com:2376", "--name", "carol", "--out", csr)
	wantContains(t, "stdout", r.stdout, "docker-tls client sign carol.csr --archive carol.tar.gz", "docker-tls connect carol.tar.gz")
	keyPath := filepath.Join(cfg, "tls", "docker.example.com", "key.pem")
	key, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("the waiting key has mode %04o", fi.Mode().Perm())
	}
	// A second request for the same host would orphan the waiting key.
	r = runCLI(t, "", "request", "--host", "docker.example.com", "--name", "carol", "--out", filepath.Join(work, "again.csr"))
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, "already holds a key")

	archive := filepath.Join(work, "carol.tar.gz")
	r = mustRun(t, 0, "client", "sign", csr, "--yes", "--archive", archive, "--root", root)
	wantContains(t, "stdout", r.stdout, `Issued "carol"`, "it holds no private key", "docker-tls connect carol.tar.gz")
	// The admin's tree never holds the member's key: no private key in any
	// file under the root is hers.
	mine, err := pki.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rest, err := os.ReadFile(p)
		for err == nil {
			var blk *pem.Block
			if blk, rest = pem.Decode(rest); blk == nil {
				break
			}
			k, kerr := pki.ParseKey(pem.EncodeToMemory(blk))
			if kerr == nil && k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(mine.Public()) {
				t.Errorf("%s holds the member's key", p)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/docker/tls/clients/carol/key.pem")); !os.IsNotExist(err) {
		t.Error("the admin's bundle of carol has a key.pem")
	}
	b, err := member.ReadBundle(archive)
	if err != nil || b.Key != nil || b.Meta == nil || b.Meta.Name != "carol" {
		t.Fatalf("archive: %+v, %v", b, err)
	}
	r = mustRun(t, 0, "client", "list", "--root", root)
	wantContains(t, "client list", r.stdout, "carol", "member's")
	// status does not miss carol's key: it is hers.
	r = runCLI(t, "", "status", "--root", root)
	if strings.Contains(r.stdout, "carol/key.pem") {
		t.Errorf("status reports carol's key as missing:\n%s", r.stdout)
	}
	// client archive packs her bundle again, still without a key.
	again := filepath.Join(work, "carol-again.tar.gz")
	mustRun(t, 0, "client", "archive", "carol", again, "--root", root)
	if b, err := member.ReadBundle(again); err != nil || b.Key != nil {
		t.Fatalf("client archive of a signed request: %+v, %v", b, err)
	}

	// connect pairs the waiting key; nothing answers here, so the probe
	// fails, with the files and the context in place.
	r = runCLI(t, "", "connect", archive, "--host", "127.0.0.1:1")
	if r.code != 1 {
		t.Fatalf("want exit 1 (no daemon):\n%s", r)
	}
	wantContains(t, "connect", r.stdout+r.stderr, `Checked the bundle of "carol"`, "did not answer over TLS", "Nothing listens on 127.0.0.1 port 1")
	for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
		if _, err := os.Stat(filepath.Join(cfg, "tls", "127.0.0.1", f)); err != nil {
			t.Errorf("%s not installed: %v", f, err)
		}
	}
}

// TestClientArchive: an issued bundle packed later, 0600, with metadata.
func TestClientArchive(t *testing.T) {
	root := initRoot(t, "--client", "alice")
	out := filepath.Join(t.TempDir(), "alice.tar.gz")
	r := mustRun(t, 0, "client", "archive", "alice", out, "--root", root)
	wantContains(t, "stdout", r.stdout, "Archive: "+out, "docker-tls connect alice.tar.gz")
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("archive: %v %v", fi, err)
	}
	b, err := member.ReadBundle(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Key, readRootFile(t, root, "etc/docker/tls/clients/alice/key.pem")) || b.Meta.Host != "tcp://docker.example.com:2376" {
		t.Errorf("archive bundle: meta %+v", b.Meta)
	}
	// Not twice without --force; not for a member never issued.
	r = runCLI(t, "", "client", "archive", "alice", out, "--root", root)
	wantContains(t, "stderr", r.stderr, "already exists")
	r = runCLI(t, "", "client", "archive", "nobody", out+"2", "--root", root)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	wantContains(t, "stderr", r.stderr, `no client "nobody"`)
}

// TestConnectListAndRequestRenew: connect --list shows each bundle with its
// host and end date, warning within 30 days; request --renew makes a new key
// beside the bundle (which keeps working), and connecting the renewed
// certificate installs it into the same context and drops the waiting copy.
func TestConnectListAndRequestRenew(t *testing.T) {
	root := initRoot(t)
	cfg := memberConfig(t)
	work := t.TempDir()
	csr := filepath.Join(work, "carol.csr")
	mustRun(t, 0, "request", "--host", "docker.example.com:2376", "--name", "carol", "--out", csr)
	archive := filepath.Join(work, "carol.tar.gz")
	mustRun(t, 0, "client", "sign", csr, "--yes", "--days", "10", "--archive", archive, "--root", root)
	runCLI(t, "", "connect", archive) // no daemon answers: installed all the same

	r := mustRun(t, 0, "connect", "--list")
	wantContains(t, "connect --list", r.stdout, "docker.example.com", "tcp://docker.example.com:2376", "carol", "(renew soon)",
		`"docker-tls request --renew docker.example.com"`)

	bundleDir := filepath.Join(cfg, "tls", "docker.example.com")
	key0, err := os.ReadFile(filepath.Join(bundleDir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	csr2 := filepath.Join(work, "carol2.csr")
	r = mustRun(t, 0, "request", "--renew", "docker.example.com", "--out", csr2)
	wantContains(t, "request --renew", r.stdout, filepath.Join(cfg, "tls", "docker.example.com.renew", "key.pem"))
	if k, _ := os.ReadFile(filepath.Join(bundleDir, "key.pem")); !bytes.Equal(k, key0) {
		t.Fatal("request --renew replaced the working key")
	}
	r = mustRun(t, 0, "connect", "--list")
	wantContains(t, "connect --list while renewing", r.stdout, "(renewal requested)")
	if strings.Contains(r.stdout, ".renew") {
		t.Errorf("the waiting key's directory is listed as a bundle:\n%s", r.stdout)
	}

	archive2 := filepath.Join(work, "carol2.tar.gz")
	mustRun(t, 0, "client", "sign", csr2, "--yes", "--force", "--archive", archive2, "--root", root)
	runCLI(t, "", "connect", archive2)
	k, err := os.ReadFile(filepath.Join(bundleDir, "key.pem"))
	if err != nil || bytes.Equal(k, key0) {
		t.Fatalf("the renewed key is not installed in the context's directory (err %v)", err)
	}
	if _, err := os.Stat(filepath.Join(cfg, "tls", "docker.example.com.renew")); !os.IsNotExist(err) {
		t.Errorf("the waiting key's directory is still there: %v", err)
	}
	r = mustRun(t, 0, "connect", "--list")
	if strings.Contains(r.stdout, "renew") {
		t.Errorf("after the renewal, connect --list still warns:\n%s", r.stdout)
	}
	r = mustRun(t, 2, "request", "--renew", "docker.example.com", "--name", "x")
	wantContains(t, "request --renew --name", r.stderr, "leave out --name")
}

// TestNamesThatNeedFixing: a name with a space is refused under the flag
// that gave it, with a name to use instead (issue 24); one that starts with
// '-' would read as a flag in the printed next steps (issue 23).
func TestNamesThatNeedFixing(t *testing.T) {
	memberConfig(t)
	r := mustRun(t, 2, "request", "--host", "docker.example.com", "--name", "Olga Petrova", "--out", filepath.Join(t.TempDir(), "o.csr"))
	wantContains(t, "request --name \"Olga Petrova\"", r.stderr, `--name "Olga Petrova"`, `use "olga.petrova"`)
	if strings.Contains(r.stderr, "--client") {
		t.Errorf("the error names --client, not --name:\n%s", r.stderr)
	}
	root := initRoot(t)
	r = runCLI(t, "", "client", "add", "--root", root, "--", "-rf")
	wantContains(t, "client add -rf", r.stderr, "must not start with '-'")
}
