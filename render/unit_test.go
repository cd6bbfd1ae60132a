package render

import (
	"strings"
	"testing"
)

// EffectiveExecStart is docker.service's effective ExecStart from the unit
// text and its drop-ins, in order, by the rule Detect applies: "" when none
// is set. Test-only: override_test.go's mustExecStart reads a unit with it.
func EffectiveExecStart(unit []byte, dropIns ...[]byte) (string, error) {
	files := []unitFile{{data: unit}}
	for _, d := range dropIns {
		files = append(files, unitFile{data: d})
	}
	a, err := execStart(files)
	if err != nil || a == nil {
		return "", err
	}
	return a.value, nil
}

// TestEffectiveExecStart: the ExecStart systemd would run, drop-ins in order.
func TestEffectiveExecStart(t *testing.T) {
	unit := "[Unit]\nDescription=Docker\n\n[Service]\nType=notify\n# ExecStart=/commented\nExecStart=/usr/bin/dockerd \\\n    -H fd:// \\\n    --containerd=/run/containerd/containerd.sock\nExecReload=/bin/kill -s HUP $MAINPID\n"
	tests := []struct {
		name    string
		dropIns []string
		want    string
		wantErr string
	}{
		// systemd replaces the trailing backslash with a space, hence the double spaces.
		{"okUnit", nil, "/usr/bin/dockerd  -H fd://  --containerd=/run/containerd/containerd.sock", ""},
		{"okReset", []string{"[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -D\n"}, "/usr/bin/dockerd -D", ""},
		{"okResetOnly", []string{"[Service]\nExecStart=\n"}, "", ""},
		{"okOtherSection", []string{"[Unit]\nExecStart=/ignored\n"}, "/usr/bin/dockerd  -H fd://  --containerd=/run/containerd/containerd.sock", ""},
		{"okLaterWins", []string{"[Service]\nExecStart=\nExecStart=/a\n", "[Service]\nExecStart=\nExecStart=/b\n"}, "/b", ""},
		{"failNoReset", []string{"[Service]\nExecStart=/usr/bin/dockerd\n"}, "", "2 ExecStart="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ds [][]byte
			for _, d := range tt.dropIns {
				ds = append(ds, []byte(d))
			}
			got, err := EffectiveExecStart([]byte(unit), ds...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
