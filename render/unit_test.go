package render

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitHostFlags(t *testing.T) {
	tests := []struct {
		in, rest string
		hosts    []string
	}{
		{"/usr/sbin/dockerd -H fd:// $DOCKER_OPTS", "/usr/sbin/dockerd $DOCKER_OPTS", []string{"fd://"}},
		{"/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock", "/usr/bin/dockerd --containerd=/run/containerd/containerd.sock", []string{"fd://"}},
		{"/usr/bin/dockerd -H=fd://", "/usr/bin/dockerd", []string{"fd://"}},
		{"/usr/bin/dockerd -Hfd:// -D", "/usr/bin/dockerd -D", []string{"fd://"}},
		{"/usr/bin/dockerd --host fd:// --host=tcp://0.0.0.0:2375", "/usr/bin/dockerd", []string{"fd://", "tcp://0.0.0.0:2375"}},
		{`/usr/bin/dockerd -H "unix:///run/a b.sock" --label "x=y z"`, `/usr/bin/dockerd --label "x=y z"`, []string{"unix:///run/a b.sock"}},
		// Words are kept as written, one space apart: no double gaps.
		{"/usr/bin/dockerd  --debug\t-H fd://  --log-level=info", "/usr/bin/dockerd --debug --log-level=info", []string{"fd://"}},
		{"/usr/bin/dockerd --containerd=/run/containerd/containerd.sock", "/usr/bin/dockerd --containerd=/run/containerd/containerd.sock", nil},
		{"/usr/bin/dockerd --hosts-file=x --help", "/usr/bin/dockerd --hosts-file=x --help", nil},
		{"/usr/bin/dockerd -H", "/usr/bin/dockerd", nil},
		{"-/usr/bin/dockerd -H fd://", "-/usr/bin/dockerd", []string{"fd://"}},
		{"/-H/dockerd -D", "/-H/dockerd -D", nil},
	}
	for _, tt := range tests {
		rest, hosts := SplitHostFlags(tt.in)
		if rest != tt.rest || !reflect.DeepEqual(hosts, tt.hosts) {
			t.Errorf("SplitHostFlags(%q) = %q, %q; want %q, %q", tt.in, rest, hosts, tt.rest, tt.hosts)
		}
	}
}

func TestSplitTLSFlags(t *testing.T) {
	tests := []struct {
		in, rest string
		flags    []string
	}{
		{"/usr/bin/dockerd --tlsverify -D", "/usr/bin/dockerd -D", []string{"--tlsverify"}},
		{"/usr/bin/dockerd --tlsverify=true --tls=false", "/usr/bin/dockerd", []string{"--tlsverify=true", "--tls=false"}},
		{"/usr/bin/dockerd --tls --tlscacert /x/ca.pem --containerd=/c.sock", "/usr/bin/dockerd --containerd=/c.sock", []string{"--tls", "--tlscacert /x/ca.pem"}},
		{"/usr/bin/dockerd --tlscacert=/x --tlscert=/y --tlskey /z", "/usr/bin/dockerd", []string{"--tlscacert=/x", "--tlscert=/y", "--tlskey /z"}},
		{`/usr/bin/dockerd --tlskey "/a b/key.pem" $DOCKER_OPTS`, "/usr/bin/dockerd $DOCKER_OPTS", []string{`--tlskey "/a b/key.pem"`}},
		{"/usr/bin/dockerd -H fd:// --tlsverify", "/usr/bin/dockerd -H fd://", []string{"--tlsverify"}},
		{"/usr/bin/dockerd --tlskey", "/usr/bin/dockerd", []string{"--tlskey"}},
		// Not TLS options: look-alikes and the binary itself.
		{"/usr/bin/dockerd --tlsverify-x --tls-min-version=1.3 --tlskeys=a", "/usr/bin/dockerd --tlsverify-x --tls-min-version=1.3 --tlskeys=a", nil},
		{"--tlsverify -D", "--tlsverify -D", nil},
	}
	for _, tt := range tests {
		rest, flags := SplitTLSFlags(tt.in)
		if rest != tt.rest || !reflect.DeepEqual(flags, tt.flags) {
			t.Errorf("SplitTLSFlags(%q) = %q, %q; want %q, %q", tt.in, rest, flags, tt.rest, tt.flags)
		}
	}
}

func TestStripDaemonJSONFlags(t *testing.T) {
	in := "/usr/bin/dockerd -H fd:// --tlsverify --host=unix:///run/x.sock --tlscacert /ca.pem --containerd=/c.sock $DOCKER_OPTS"
	rest, removed := StripDaemonJSONFlags(in)
	want := []string{"-H fd://", "--tlsverify", "--host=unix:///run/x.sock", "--tlscacert /ca.pem"}
	if rest != "/usr/bin/dockerd --containerd=/c.sock $DOCKER_OPTS" || !reflect.DeepEqual(removed, want) {
		t.Fatalf("got %q, %q", rest, removed)
	}
}

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

func FuzzEffectiveExecStart(f *testing.F) {
	f.Add([]byte("[Service]\nExecStart=/usr/bin/dockerd -H fd://\n"), []byte("[Service]\nExecStart=\nExecStart=/x \\\n -H=a\n"))
	f.Add([]byte("[Service]\r\nExecStart=\"/a b\" 'c' \\\\\n"), []byte(";x\n#y\n[Service\nExecStart\n=\n"))
	f.Add([]byte("ExecStart=/outside\n[Service]\nExecStart=/a -H\n"), []byte{})
	f.Add([]byte("[Service]\nExecStart=/a --tlsverify --tlscacert \"/x y\" --tlskey=/k -H fd:// --tlscert\n"), []byte{})
	f.Fuzz(func(t *testing.T, unit, dropIn []byte) {
		es, err := EffectiveExecStart(unit, dropIn)
		if err != nil {
			return
		}
		rest, hosts := SplitHostFlags(es)
		if len(rest) > len(es) {
			t.Fatalf("SplitHostFlags grew %q to %q", es, rest)
		}
		// Whole words are removed, the others are kept as they were, so
		// nothing is left to find.
		if r2, h2 := SplitHostFlags(rest); len(h2) > 0 || r2 != rest {
			t.Fatalf("SplitHostFlags(%q) left %q, which still has hosts %q (found %q first)", es, rest, h2, hosts)
		}
		all, removed := StripDaemonJSONFlags(es)
		if r2, f2 := StripDaemonJSONFlags(all); len(f2) > 0 || r2 != all {
			t.Fatalf("StripDaemonJSONFlags(%q) left %q, which still has %q (removed %q first)", es, all, f2, removed)
		}
		if _, tls := SplitTLSFlags(all); len(tls) > 0 {
			t.Fatalf("StripDaemonJSONFlags(%q) left TLS flags %q", es, tls)
		}
		out, _, _, err := RenderOverride(dropIn, es)
		if err != nil {
			return
		}
		out2, changed, _, err := RenderOverride(out, es)
		if err != nil || changed || string(out2) != string(out) {
			t.Fatalf("RenderOverride not idempotent (err %v):\n%s", err, Diff(OverridePath, out, out2))
		}
	})
}
