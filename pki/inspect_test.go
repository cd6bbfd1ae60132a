package pki

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestInspect(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			b := testBundle(t, kt)
			const root = "CN=docker-tls CA,O=Example Ops"
			tests := []struct {
				name   string
				pem    []byte
				kind   Kind
				cn     string
				issuer string
			}{
				{"okCA", b.CA.CertPEM, KindCA, DefaultCACommonName, root},
				{"okHostIssuer", b.HostIssuer.CertPEM, KindHostIssuer, "docker-tls host issuer docker.test", root},
				{"okServer", b.Server.CertPEM, KindServer, "docker.test", "CN=docker-tls host issuer docker.test"},
				{"okServerChain", b.Server.Chain(), KindServer, "docker.test", "CN=docker-tls host issuer docker.test"},
				{"okClient", b.Clients[1].CertPEM, KindClient, "bob", root},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					i, err := Inspect(tt.pem)
					if err != nil {
						t.Fatal(err)
					}
					c, _ := ParseCert(tt.pem)
					if i.Kind != tt.kind || i.CommonName != tt.cn || i.KeyType != string(kt) {
						t.Errorf("Kind %q CN %q KeyType %q", i.Kind, i.CommonName, i.KeyType)
					}
					if i.Serial != c.SerialNumber.Text(16) || strings.ContainsAny(i.Serial, ":ABCDEF") {
						t.Errorf("Serial %q", i.Serial)
					}
					if !i.NotAfter.Equal(c.NotAfter) || !i.NotBefore.Equal(c.NotBefore) {
						t.Errorf("validity %v..%v", i.NotBefore, i.NotAfter)
					}
					if i.Issuer != tt.issuer {
						t.Errorf("Issuer %q", i.Issuer)
					}
					if tt.kind == KindServer {
						if !slices.Equal(i.DNSNames, []string{"docker.test", "docker", "docker.internal"}) || !slices.Equal(i.IPs, []string{"127.0.0.1", "2001:db8::1", "::1"}) {
							t.Errorf("SANs %q %q", i.DNSNames, i.IPs)
						}
					}
				})
			}
		})
	}
	t.Run("okOpenSSLCA", func(t *testing.T) {
		i, err := Inspect(fixture(t, "ca.pem"))
		if err != nil || i.Kind != KindCA || i.KeyType != "rsa-4096" || i.CommonName != "docker-docs CA" {
			t.Errorf("%+v, %v", i, err)
		}
	})
	t.Run("failGarbage", func(t *testing.T) {
		var pe *ParseError
		if _, err := Inspect([]byte("hello")); !errors.As(err, &pe) {
			t.Errorf("err = %v, want *ParseError", err)
		}
	})
}

func TestDaysLeft(t *testing.T) {
	now := fixedNow
	i := &Info{NotAfter: now.AddDate(0, 0, 365)}
	tests := []struct {
		name string
		now  time.Time
		want int
	}{
		{"okFull", now, 365},
		{"okPartDay", now.Add(time.Hour), 364},
		{"okLastDay", now.AddDate(0, 0, 365).Add(-time.Minute), 0},
		{"okExpiredJustNow", now.AddDate(0, 0, 365).Add(time.Minute), -1},
		{"okExpiredLongAgo", now.AddDate(0, 0, 375), -10},
	}
	for _, tt := range tests {
		if got := i.DaysLeft(tt.now); got != tt.want {
			t.Errorf("%s: DaysLeft = %d, want %d", tt.name, got, tt.want)
		}
	}
}
