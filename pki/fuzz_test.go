package pki

import (
	"encoding/pem"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func FuzzValidateSANIP(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::1", "[::1]", " 10.0.0.1 ", "2001:DB8::1", "::ffff:10.0.0.1", "fe80::1%eth0",
		"10.0.0.0/8", "010.0.0.1", "1.2.3", "localhost", "", "[", "1.2.3.4]", "::ffff:0:0", "0.0.0.0", "ff02::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateSANIP(s) != nil {
			return
		}
		ip, err := ParseSANIP(s)
		if err != nil {
			t.Fatalf("ValidateSANIP accepted %q, ParseSANIP refused it: %v", s, err)
		}
		if len(ip) != net.IPv4len && len(ip) != net.IPv6len {
			t.Fatalf("%q: IP of %d bytes", s, len(ip))
		}
		// What we accept, the standard parser accepts too, as the same address.
		inner := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "["), "]")
		std := net.ParseIP(inner)
		if std == nil || !std.Equal(ip) {
			t.Fatalf("%q: we parse %v, net.ParseIP gives %v", s, ip, std)
		}
		// The canonical form survives String() and a second parse.
		again := net.ParseIP(ip.String())
		if again == nil || !again.Equal(ip) || again.String() != ip.String() {
			t.Fatalf("%q: %v does not round-trip (%v)", s, ip, again)
		}
		if ip2, err := ParseSANIP(ip.String()); err != nil || !ip2.Equal(ip) {
			t.Fatalf("%q: canonical %v parses as %v, %v", s, ip, ip2, err)
		}
	})
}

func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{"docker.example.com", "Docker.Example.COM", "docker.example.com.", "10.0.0.1", "[::1]", "::1",
		"fe80::1%eth0", "a..b", "-a.b", "a-.b", "*.example.com", "xn--bcher-kva.example", "under_score", "é.example", "localhost",
		strings.Repeat("a", 63), strings.Repeat("a", 64), "1.2.3", "0x7f.1", " spaced ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeHost(s)
		if err != nil {
			return
		}
		if out != strings.ToLower(out) {
			t.Fatalf("%q -> %q: not lower-case", s, out)
		}
		if strings.HasSuffix(out, ".") {
			t.Fatalf("%q -> %q: trailing dot", s, out)
		}
		if net.ParseIP(out) != nil {
			t.Fatalf("%q -> %q: an IP accepted as a host name", s, out)
		}
		if _, err := netip.ParseAddr(out); err == nil {
			t.Fatalf("%q -> %q: an IP accepted as a host name", s, out)
		}
		if again, err := NormalizeHost(out); err != nil || again != out {
			t.Fatalf("%q -> %q -> %q, %v: not idempotent", s, out, again, err)
		}
		if len(out) == 0 || len(out) > 253 {
			t.Fatalf("%q -> %q: length %d", s, out, len(out))
		}
	})
}

// FuzzDecryptKey feeds arbitrary PEM to DecryptKey. Seeds use few PBKDF2
// iterations so that each run stays cheap; mutations that raise the count
// past MaxKDFIterations must be refused before any derivation.
func FuzzDecryptKey(f *testing.F) {
	small := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: smallEncrypted(f, 2)})
	f.Add(small, []byte(testPass))
	f.Add(small, []byte("wrong"))
	f.Add(withIterations(f, MaxKDFIterations+1), []byte(testPass))
	f.Add(fixture(f, "legacy-ca-key.pem"), []byte(opensslPass)) // MD5-based: cheap
	f.Add(fixture(f, "ec-encrypted.pem"), []byte(opensslPass))  // 2048 iterations
	f.Add(fixture(f, "ec-traditional.pem"), []byte(""))
	f.Add([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n"), []byte("x"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"), []byte("x"))
	f.Add([]byte("garbage"), []byte(""))
	f.Fuzz(func(t *testing.T, data, pass []byte) {
		k, err := DecryptKey(data, pass)
		if err == nil {
			if k == nil {
				t.Fatal("nil key without an error")
			}
			if _, err := EncodeKey(k); err != nil {
				t.Fatalf("decrypted key does not encode: %v", err)
			}
		}
		// Whatever ReadKDF reports is within the limits DecryptKey enforces.
		if p, err := ReadKDF(data); err == nil && (p.Iterations < 1 || p.Iterations > MaxKDFIterations) {
			t.Fatalf("ReadKDF accepted %d iterations", p.Iterations)
		}
	})
}
