package pki

import (
	"strings"
	"testing"
)

// TestOpenSSLMemberChain has OpenSSL check what per-member trust writes: a
// member's cert.pem (certificate, then anchor) verifies to the root as in
// `openssl verify -CAfile ca.pem -untrusted cert.pem cert.pem`, strictly;
// the anchors file alone is enough as the trust store (dockerd's view);
// without the anchor, or from a removed one, it does not verify; and each
// anchor key of a batch opens with the CA passphrase.
func TestOpenSSLMemberChain(t *testing.T) {
	for _, kt := range []KeyType{ECDSAP256, RSA2048, Ed25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			b := memberBundle(t, kt)
			var members, others []byte
			for i, a := range b.Anchors {
				members = append(members, a.CertPEM...)
				if i != 0 {
					others = append(others, a.CertPEM...)
				}
			}
			dir := writeFiles(t, map[string][]byte{
				"ca.pem":         b.CA.CertPEM,
				"cert.pem":       b.Clients[0].Chain(),
				"leaf.pem":       b.Clients[0].CertPEM,
				"members.pem":    members,
				"others.pem":     others,
				"anchor-key.pem": b.Anchors[2].KeyPEM,
				"anchor.pem":     b.Anchors[2].CertPEM,
				"pass":           []byte(testPass + "\n"),
			})
			for _, tt := range []struct {
				name    string
				args    []string
				wantErr bool
			}{
				{"okChainToRoot", []string{"verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "ca.pem", "-untrusted", "cert.pem", "cert.pem"}, false},
				{"okAnchorsAsTrustStore", []string{"verify", "-x509_strict", "-partial_chain", "-purpose", "sslclient", "-CAfile", "members.pem", "leaf.pem"}, false},
				{"failWithoutAnchor", []string{"verify", "-CAfile", "ca.pem", "leaf.pem"}, true},
				{"failAnchorRemoved", []string{"verify", "-partial_chain", "-CAfile", "others.pem", "leaf.pem"}, true},
				{"failAsServer", []string{"verify", "-purpose", "sslserver", "-CAfile", "ca.pem", "-untrusted", "cert.pem", "cert.pem"}, true},
				{"okAnchorKey", []string{"pkey", "-in", "anchor-key.pem", "-passin", "file:pass", "-noout"}, false},
			} {
				out, err := openssl(t, dir, tt.args...)
				if (err != nil) != tt.wantErr {
					t.Errorf("%s: openssl %s: err = %v, wantErr %v\n%s", tt.name, strings.Join(tt.args, " "), err, tt.wantErr, out)
				}
			}
			// The key OpenSSL opens is the anchor's.
			fromKey, err := openssl(t, dir, "pkey", "-in", "anchor-key.pem", "-passin", "file:pass", "-pubout")
			if err != nil {
				t.Fatal(err, fromKey)
			}
			fromCert, err := openssl(t, dir, "x509", "-in", "anchor.pem", "-noout", "-pubkey")
			if err != nil {
				t.Fatal(err, fromCert)
			}
			if fromKey != fromCert {
				t.Errorf("anchor 3's key is not its certificate's:\n%s\n%s", fromKey, fromCert)
			}
		})
	}
}

// TestOpenSSLPathLenZeroRoot shows why a root made with pathlen:0 cannot
// take anchors: an anchor forced under it makes a chain OpenSSL refuses,
// which is why NewAnchors refuses it and a switch makes a new root.
func TestOpenSSLPathLenZeroRoot(t *testing.T) {
	root := pathLenZeroCA(t, testPlan(ECDSAP256)) // an older docker-tls's --trust ca root
	key, err := GenerateKey(ECDSAP256, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := newOptions(nil)
	cert, der, err := signAnchor(root, 1, key, o.now(), o)
	if err != nil {
		t.Fatal(err)
	}
	anchor := &Anchor{Slot: 1, Cert: cert, CertPEM: encodeDER(der), key: key}
	leaf, err := IssueMember(anchor, nil, "alice", 30, ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string][]byte{"ca.pem": root.CertPEM, "cert.pem": leaf.Chain()})
	out, err := openssl(t, dir, "verify", "-CAfile", "ca.pem", "-untrusted", "cert.pem", "cert.pem")
	if err == nil || !strings.Contains(out, "path length constraint exceeded") {
		t.Errorf("an anchor under a pathlen:0 root: err = %v\n%s", err, out)
	}
}
