package render

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

func TestDiff(t *testing.T) {
	if d := Diff(DaemonJSONPath, []byte("{}\n"), []byte("{}\n")); d != "" {
		t.Fatalf("equal contents gave a diff:\n%s", d)
	}
	if d := Diff(DaemonJSONPath, nil, []byte("{}\n")); !strings.HasPrefix(d, "--- /dev/null\n+++ b/etc/docker/daemon.json\n") {
		t.Fatalf("creation headers wrong:\n%s", d)
	}
	if d := Diff(DaemonJSONPath, []byte{}, []byte("{}\n")); !strings.HasPrefix(d, "--- a/etc/docker/daemon.json\n") {
		t.Fatalf("an empty file is not absent:\n%s", d)
	}
}

func TestColorize(t *testing.T) {
	old := []byte("[Service]\n-- a line that starts with dashes\nA=1\nB=2\n")
	new := []byte("[Service]\n+++ plus\nA=1\nB=3\n")
	d := Diff(OverridePath, old, new)
	c := Colorize(d)
	if stripANSI(c) != d {
		t.Fatalf("Colorize changed the text:\n%s", c)
	}
	golden.RequireEqual(t, c)
	if Colorize("") != "" {
		t.Fatal("empty diff coloured")
	}
}

func stripANSI(s string) string {
	for _, seq := range []string{sgrReset, sgrBold, sgrRed, sgrGreen, sgrCyan} {
		s = strings.ReplaceAll(s, seq, "")
	}
	return s
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{Create: "create", Update: "update", Unchanged: "unchanged", Action(9): "Action(9)"} {
		if a.String() != want {
			t.Errorf("%d: %q", int(a), a.String())
		}
	}
}
