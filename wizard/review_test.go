package wizard

import (
	"bytes"
	"fmt"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// TestReviewShowsHostChangesFirst: at 80x24 the review's first screen shows
// what changes on the host (the key lines of daemon.json and of the
// override, ExecStart included) before the certificate files.
func TestReviewShowsHostChangesFirst(t *testing.T) {
	d := newDriver(t, newFakes(), testOptions())
	walkToReview(d)
	d.wantText(`"tlsverify": true`, `"tcp://0.0.0.0:2376"`, `-  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]`,
		"+ExecStart=/usr/sbin/dockerd $DOCKER_OPTS", "dropped insecure")
	if s := d.screen(); strings.Contains(s, "Certificate files") || strings.Contains(s, "# Managed by docker-tls") {
		t.Errorf("the first screen shows files or comments before the host's changes:\n%s", s)
	}
	// Home/End and g/G go to the ends of the review.
	rp := d.m.cur.page().(*reviewPage)
	for _, k := range []tea.KeyPressMsg{keyMsg("end"), {Code: 'G', Text: "G"}} {
		d.send(k)
		if !rp.vp.AtBottom() {
			t.Errorf("%s: not at the bottom", k)
		}
		d.key("home")
		if !rp.vp.AtTop() {
			t.Error("home: not at the top")
		}
	}
	d.send(tea.KeyPressMsg{Code: 'g', Text: "g"})
	if !rp.vp.AtTop() {
		t.Error("g: not at the top")
	}
}

func TestKeyLines(t *testing.T) {
	var diff string
	for _, f := range samplePrepared().Files() {
		if f.Path == "/etc/docker/daemon.json" {
			diff = f.Diff
		}
	}
	lines, more := keyLines(diff, maxKeyLines)
	want := []string{
		`-  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]`,
		`+  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],`,
		`+  "tls": true,`,
		`+  "tlscacert": "/etc/docker/tls/members.pem",`,
		`+  "tlscert": "/etc/docker/tls/server-cert.pem",`,
		`+  "tlskey": "/etc/docker/tls/server-key.pem",`,
		`+  "tlsverify": true`,
	}
	if !reflect.DeepEqual(lines, want) || more != 0 {
		t.Errorf("keyLines =\n%s\n(+%d more)", strings.Join(lines, "\n"), more)
	}
	// A line that only gained a comma is not a change worth showing.
	lines, _ = keyLines("-  \"a\": 1\n+  \"a\": 1,\n+  \"b\": 2\n", 10)
	if !reflect.DeepEqual(lines, []string{`+  "b": 2`}) {
		t.Errorf("comma moves: %q", lines)
	}
	lines, more = keyLines(strings.Repeat("+x\n", 14), 10)
	if len(lines) != 9 || more != 5 {
		t.Errorf("%d lines, %d more; want 9 and 5", len(lines), more)
	}
}

// TestWrappedDiffLinesKeepTheirMarker: a diff line wider than the screen
// goes on with its own +/- marker, so "$DOCKER_OPTS" never looks like a
// line of its own.
func TestWrappedDiffLinesKeepTheirMarker(t *testing.T) {
	m := New(newFakes(), testOptions())
	for _, l := range []string{
		"+ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS",
		`-  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]`,
	} {
		out := strings.Split(ansi.Strip(m.diffLine(l, 40)), "\n")
		if len(out) < 2 {
			t.Fatalf("%q not wrapped at 40: %q", l, out)
		}
		for _, o := range out {
			if !strings.HasPrefix(o, l[:1]) || ansi.StringWidth(o) > 40 {
				t.Errorf("%q wrapped as %q", l, out)
			}
		}
		if got := strings.ReplaceAll(strings.Join(out, ""), l[:1]+"…", ""); strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(l, " ", "") {
			t.Errorf("wrapping lost text: %q", out)
		}
	}
}

// TestShellWrapKeepsCommands: a command wrapped to fit the screen is the
// same command for the shell: bash reads the same words from both.
func TestShellWrapKeepsCommands(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	for _, cmd := range []string{
		`docker context create docker1.example.com --docker "host=tcp://docker1.example.com:2376,ca=$HOME/.docker/docker1.example.com/ca.pem,cert=$HOME/.docker/docker1.example.com/cert.pem,key=$HOME/.docker/docker1.example.com/key.pem"`,
		"DOCKER_CERT_PATH=/etc/docker/tls/clients/client DOCKER_TLS_VERIFY=1 docker -H tcp://docker1.example.com:2376 version",
		"mkdir -p $HOME/.docker/docker1.example.com && cp ca.pem cert.pem key.pem $HOME/.docker/docker1.example.com/",
	} {
		for _, w := range []int{40, 60, 80} {
			wrapped := shellWrap(cmd, w, "    ")
			for _, l := range strings.Split(wrapped, "\n") {
				// At 40 columns a path can be wider than the screen: it
				// stays whole. From 60 columns every line fits.
				if w >= 60 && ansi.StringWidth(l) > w {
					t.Errorf("width %d: line %q is wider", w, l)
				}
			}
			if a, b := shellArgs(t, bash, cmd), shellArgs(t, bash, wrapped); a != b {
				t.Errorf("width %d: the shell reads\n%s\nas\n%s\nnot\n%s", w, wrapped, b, a)
			}
		}
	}
}

// shellArgs is what bash makes of cmd: its words, one a line, with HOME
// fixed and && read as a word.
func shellArgs(t *testing.T, bash, cmd string) string {
	t.Helper()
	script := "HOME=/home/alice; set -- " + strings.ReplaceAll(cmd, "&&", "'&&'") + "; printf '%s\\n' \"$@\""
	out, err := exec.Command(bash, "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return string(out)
}

// TestPlaceholderUnderNoColor: with colours gone (NO_COLOR) a placeholder
// is still told from a typed value: it is italic and faint, the value not.
func TestPlaceholderUnderNoColor(t *testing.T) {
	d := newDriver(t, newFakes(), existingOptions())
	d.key("enter")
	d.wantStep(stepMember)
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ASCII}
	fmt.Fprint(w, d.m.View().Content)
	out := b.String()
	if !regexp.MustCompile(`\x1b\[(3;2|2;3)m\.g\. alice`).MatchString(out) {
		t.Errorf("the placeholder is not italic and faint without colours:\n%q", out)
	}
	if !strings.Contains(out, "\x1b[m365") {
		t.Errorf("the typed value is not plain text:\n%q", out)
	}
}
