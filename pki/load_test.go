package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// opensslPass is the passphrase testdata/generate.sh uses.
const opensslPass = "docker-docs-passphrase"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "openssl", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadCA(t *testing.T) {
	ours := testBundle(t, ECDSAP256)
	other := testBundle(t, Ed25519)
	otherKeyPEM := other.CAKeyPEM // same passphrase, another CA's key
	tests := []struct {
		name          string
		cert, key     []byte
		pass          string
		wantErr       error // for errors.Is
		wantParse     bool  // *ParseError
		wantSubstring string
	}{
		{name: "okOurs", cert: ours.CA.CertPEM, key: ours.CAKeyPEM, pass: testPass},
		{name: "okOpenSSLDockerDocs", cert: fixture(t, "ca.pem"), key: fixture(t, "ca-key.pem"), pass: opensslPass},
		{name: "okOpenSSLLegacyPEM", cert: fixture(t, "legacy-ca.pem"), key: fixture(t, "legacy-ca-key.pem"), pass: opensslPass},
		{name: "failWrongPassphrase", cert: ours.CA.CertPEM, key: ours.CAKeyPEM, pass: "wrong passphrase, long enough", wantErr: ErrBadPassphrase},
		{name: "failWrongPassphraseOpenSSL", cert: fixture(t, "ca.pem"), key: fixture(t, "ca-key.pem"), pass: testPass, wantErr: ErrBadPassphrase},
		{name: "failWrongPassphraseLegacy", cert: fixture(t, "legacy-ca.pem"), key: fixture(t, "legacy-ca-key.pem"), pass: testPass, wantErr: ErrBadPassphrase},
		{name: "failEmptyPassphrase", cert: ours.CA.CertPEM, key: ours.CAKeyPEM, pass: "", wantErr: ErrBadPassphrase},
		{name: "failKeyOfAnotherCA", cert: ours.CA.CertPEM, key: otherKeyPEM, pass: testPass, wantErr: ErrKeyMismatch, wantSubstring: "docker-tls CA"},
		{name: "failKeyOfOpenSSLCA", cert: fixture(t, "ca.pem"), key: fixture(t, "legacy-ca-key.pem"), pass: opensslPass, wantErr: ErrKeyMismatch},
		{name: "failGarbageCert", cert: []byte("not a certificate"), key: ours.CAKeyPEM, pass: testPass, wantParse: true},
		{name: "failCorruptCert", cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), key: ours.CAKeyPEM, pass: testPass, wantParse: true},
		{name: "failGarbageKey", cert: ours.CA.CertPEM, key: []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), pass: testPass, wantParse: true},
		{name: "failNoKey", cert: ours.CA.CertPEM, key: nil, pass: testPass, wantParse: true},
		{name: "failUnencryptedKey", cert: fixture(t, "leaf.pem"), key: fixture(t, "leaf-key.pem"), pass: testPass, wantSubstring: "not a CA"},
		{name: "failServerCertAsCA", cert: ours.Server.CertPEM, key: ours.CAKeyPEM, pass: testPass, wantSubstring: "not a CA"},
		{name: "failPlainCAKey", cert: ours.CA.CertPEM, key: mustEncode(t, ours.CA), pass: testPass, wantParse: true, wantSubstring: "not encrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ca, err := LoadCA(tt.cert, tt.key, []byte(tt.pass))
			if tt.wantErr == nil && !tt.wantParse && tt.wantSubstring == "" {
				if err != nil {
					t.Fatal(err)
				}
				// A loaded CA signs leaves that verify.
				leaf, err := IssueClient(ca, "bob", 30, ECDSAP256)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: pool(ca), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
					t.Errorf("verify client of loaded CA: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			var pe *ParseError
			if tt.wantParse != errors.As(err, &pe) {
				t.Errorf("err = %v (%T), want *ParseError: %v", err, err, tt.wantParse)
			}
			if !strings.Contains(err.Error(), tt.wantSubstring) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantSubstring)
			}
			if tt.pass != "" && strings.Contains(err.Error(), tt.pass) {
				t.Errorf("err = %q repeats the passphrase", err)
			}
		})
	}
}

func mustEncode(t testing.TB, ca *CA) []byte {
	b, err := EncodeKey(ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenSSLCASubjectKeyID(t *testing.T) {
	// OpenSSL's subjectKeyIdentifier=hash is RFC 5280 method 1, as ours.
	c, err := ParseCert(fixture(t, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ski, err := subjectKeyID(c.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ski, c.SubjectKeyId) {
		t.Errorf("SKI %x, OpenSSL's %x", ski, c.SubjectKeyId)
	}
}

func TestParseKey(t *testing.T) {
	ours := testBundle(t, RSA2048)
	tests := []struct {
		name    string
		pem     []byte
		keyType string
		wantErr bool
	}{
		{"okPKCS8", ours.Server.KeyPEM, "rsa-2048", false},
		{"okOpenSSLPKCS8", fixture(t, "leaf-key.pem"), "rsa-2048", false},
		{"okECPrivateKeyAfterParameters", fixture(t, "ec-traditional.pem"), "ecdsa-p256", false},
		{"okRSAPrivateKey", fixture(t, "rsa-traditional.pem"), "rsa-2048", false},
		{"failEncrypted", ours.CAKeyPEM, "", true},
		{"failEncryptedLegacy", fixture(t, "legacy-ca-key.pem"), "", true},
		{"failCertificate", ours.Server.CertPEM, "", true},
		{"failGarbage", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.pem)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Errorf("err = %v, want *ParseError", err)
				}
				return
			}
			if got := keyTypeOf(k.Public()); got != tt.keyType {
				t.Errorf("key type %s, want %s", got, tt.keyType)
			}
		})
	}
}

func TestDecryptKey(t *testing.T) {
	t.Run("okOpenSSLGenpkey", func(t *testing.T) {
		k, err := DecryptKey(fixture(t, "ec-encrypted.pem"), []byte(opensslPass))
		if err != nil {
			t.Fatal(err)
		}
		if keyTypeOf(k.Public()) != "ecdsa-p256" {
			t.Errorf("key %T", k)
		}
	})
	t.Run("okRoundTripEveryType", func(t *testing.T) {
		for _, kt := range KeyTypes {
			b := testBundle(t, kt)
			k, err := DecryptKey(b.CAKeyPEM, []byte(testPass))
			if err != nil {
				t.Fatalf("%s: %v", kt, err)
			}
			if !samePublicKey(k.Public(), b.CA.Cert.PublicKey) {
				t.Errorf("%s: decrypted key differs", kt)
			}
		}
	})
	t.Run("failWrongPassphrase", func(t *testing.T) {
		_, err := DecryptKey(fixture(t, "ec-encrypted.pem"), []byte("not the passphrase"))
		if !errors.Is(err, ErrBadPassphrase) {
			t.Errorf("err = %v, want ErrBadPassphrase", err)
		}
	})
	// A crafted file asking for billions of PBKDF2 rounds is refused before
	// any of them run.
	for _, iter := range []int{MaxKDFIterations + 1, 1<<31 - 1, 0, -5} {
		t.Run(fmt.Sprintf("failIterations%d", iter), func(t *testing.T) {
			_, err := DecryptKey(withIterations(t, iter), []byte(testPass))
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "iteration count") {
				t.Errorf("iterations %d: err = %v, want a *ParseError about the iteration count", iter, err)
			}
		})
	}
	t.Run("okIterationsAtMax", func(t *testing.T) {
		// The cap itself is accepted: it is the worst case we would run.
		_, err := ReadKDF(withIterations(t, MaxKDFIterations))
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("failBadIVLength", func(t *testing.T) {
		der := smallEncrypted(t, 1000)
		var info encryptedPrivateKeyInfo
		if _, err := asn1.Unmarshal(der, &info); err != nil {
			t.Fatal(err)
		}
		iv, _ := asn1.Marshal([]byte{1, 2, 3})
		info.Algo.Parameters.Cipher.Parameters = asn1.RawValue{FullBytes: iv}
		der, _ = asn1.Marshal(info)
		_, err := DecryptKey(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}), []byte(testPass))
		if err == nil || !strings.Contains(err.Error(), "IV") {
			t.Errorf("err = %v", err)
		}
	})
}

// smallEncrypted is an ENCRYPTED PRIVATE KEY DER made with few iterations,
// cheap enough for fuzz seeds.
func smallEncrypted(t testing.TB, iter int) []byte {
	t.Helper()
	k, err := GenerateKey(ECDSAP256, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return encryptWithIterations(t, der, []byte(testPass), iter)
}

// encryptWithIterations is what EncryptKey writes, but with a chosen
// iteration count: 600,000 is too slow for fuzz seeds.
func encryptWithIterations(t testing.TB, der, pass []byte, iter int) []byte {
	t.Helper()
	out, err := encryptPKCS8([][]byte{der}, pass, nil, iter)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func withIterations(t testing.TB, iter int) []byte {
	t.Helper()
	var info encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(smallEncrypted(t, 10), &info); err != nil {
		t.Fatal(err)
	}
	info.Algo.Parameters.KDF.Parameters.Iterations = iter
	der, err := asn1.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})
}

func TestReadKDF(t *testing.T) {
	tests := []struct {
		name    string
		pem     []byte
		want    KDFParams
		wantErr bool
	}{
		{"okOurs", testBundle(t, ECDSAP256).CAKeyPEM, KDFParams{"pbkdf2", "hmacWithSHA256", 600000, 16, "aes-256-cbc"}, false},
		// OpenSSL 3's own default: 2048 iterations, the reason we set ours.
		{"okOpenSSLDefault", fixture(t, "ca-key.pem"), KDFParams{"pbkdf2", "hmacWithSHA256", 2048, 8, "aes-256-cbc"}, false},
		{"failLegacyPEM", fixture(t, "legacy-ca-key.pem"), KDFParams{}, true},
		{"failPlainKey", testBundle(t, ECDSAP256).Server.KeyPEM, KDFParams{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadKDF(tt.pem)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ReadKDF = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEncryptKey(t *testing.T) {
	k, err := GenerateKey(Ed25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := EncryptKey(k, []byte("fourteen chars"), nil); err == nil {
		t.Error("14-character passphrase: want an error")
	}
	b1, err := EncryptKey(k, []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := EncryptKey(k, []byte(testPass), nil)
	if bytes.Equal(b1, b2) {
		t.Error("two encryptions are identical: salt and IV must be random")
	}
	if !IsEncrypted(b1) || !bytes.HasPrefix(b1, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")) {
		t.Errorf("not an ENCRYPTED PRIVATE KEY:\n%s", b1)
	}
}

func TestIsEncrypted(t *testing.T) {
	b := testBundle(t, ECDSAP256)
	for _, tt := range []struct {
		name string
		pem  []byte
		want bool
	}{
		{"okPKCS8", b.CAKeyPEM, true},
		{"okLegacy", fixture(t, "legacy-ca-key.pem"), true},
		{"okOpenSSL", fixture(t, "ca-key.pem"), true},
		{"failPlain", b.Server.KeyPEM, false},
		{"failPlainEC", fixture(t, "ec-traditional.pem"), false},
		{"failCert", b.CA.CertPEM, false},
		{"failEmpty", nil, false},
	} {
		if got := IsEncrypted(tt.pem); got != tt.want {
			t.Errorf("%s: IsEncrypted = %v", tt.name, got)
		}
	}
}

func TestCheckKeyPair(t *testing.T) {
	b := testBundle(t, ECDSAP256)
	if err := CheckKeyPair(b.Clients[0].CertPEM, b.Clients[0].KeyPEM); err != nil {
		t.Error(err)
	}
	if err := CheckKeyPair(fixture(t, "leaf.pem"), fixture(t, "leaf-key.pem")); err != nil {
		t.Error(err)
	}
	if err := CheckKeyPair(b.Clients[0].CertPEM, b.Clients[1].KeyPEM); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("err = %v, want ErrKeyMismatch", err)
	}
	var pe *ParseError
	if err := CheckKeyPair([]byte("x"), b.Clients[0].KeyPEM); !errors.As(err, &pe) {
		t.Errorf("err = %v, want *ParseError", err)
	}
}
