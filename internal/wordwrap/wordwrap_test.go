package wordwrap

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		width    int
		hard     bool
		want     string
	}{
		{"okFits", "short line", 20, false, "short line"},
		{"okAtSpaces", "wrong CA passphrase: it does not open /etc/docker/tls/ca/ca-key.pem", 40, false,
			"wrong CA passphrase: it does not open\n/etc/docker/tls/ca/ca-key.pem"},
		{"okNoHyphenBreak", "key type rsa-4096 or ecdsa-p256", 14, false, "key type\nrsa-4096 or\necdsa-p256"},
		{"okLongWordKept", "see /a/very/long/path/name/here now", 10, false, "see\n/a/very/long/path/name/here\nnow"},
		{"okLongWordCut", "see /a/very/long/path now", 10, true, "see\n/a/very/lo\nng/path\nnow"},
		{"okIndentKept", "    indented words go here", 14, false, "    indented\nwords go here"},
		{"okLinesKept", "one two\nthree four", 7, false, "one two\nthree\nfour"},
		{"okColours", "\x1b[1mbold\x1b[m word another", 12, false, "\x1b[1mbold\x1b[m word\nanother"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wrap(tc.in, tc.width, false)
			if tc.hard {
				got = Hard(tc.in, tc.width)
			}
			if got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
			if tc.hard {
				for _, l := range strings.Split(got, "\n") {
					if ansi.StringWidth(l) > tc.width {
						t.Errorf("line %q wider than %d", l, tc.width)
					}
				}
			}
		})
	}
}

func TestHang(t *testing.T) {
	got := Hang("! ", "the CA expires in 20 days: renew it soon", 20)
	want := "! the CA expires in\n  20 days: renew it\n  soon"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
