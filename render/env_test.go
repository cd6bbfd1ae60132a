package render

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/docker-tls/docker-tls/hostfs"
)

func TestExtractWords(t *testing.T) {
	tests := []struct {
		in   string
		mode extractMode
		want []string
		err  bool
	}{
		{`/usr/bin/dockerd -H fd://  --x=1`, cunescape, []string{"/usr/bin/dockerd", "-H", "fd://", "--x=1"}, false},
		{`"a b" 'c d' e"f g"h`, cunescape, []string{"a b", "c d", "ef gh"}, false},
		{`a\sb \x41 "\n" '\t'`, cunescape, []string{"a b", "A", "\n", "\t"}, false},
		{`a\qb`, cunescape, nil, true},
		{`a\qb`, 0, []string{"aqb"}, false},
		{`"open`, cunescape, nil, true},
		{`"open`, relax, []string{"open"}, false},
		{"x\\\\y", cunescape, []string{`x\y`}, false},
		{"  \t ", cunescape, nil, false},
	}
	for _, tt := range tests {
		words, err := extractWords(tt.in, tt.mode)
		if (err != nil) != tt.err {
			t.Errorf("extractWords(%q) error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		var got []string
		for _, w := range words {
			got = append(got, w.text)
			if w.start < 0 || w.end > len(tt.in) || w.start >= w.end {
				t.Errorf("extractWords(%q): bad span %d-%d", tt.in, w.start, w.end)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("extractWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDockerdArgs(t *testing.T) {
	tests := []struct {
		args []string
		want string // long=value[first-last], ...; positional as @i
	}{
		{[]string{"-H", "fd://", "--containerd=/c.sock"}, "host=fd://[0-1] containerd=/c.sock[2-2]"},
		{[]string{"-Hfd://", "-H=tcp://x", "--host", "unix://"}, "host=fd://[0-0] host=tcp://x[1-1] host=unix://[2-3]"},
		// Booleans take a value only with "=": "false" is an argument.
		{[]string{"--tlsverify", "false", "--debug=false"}, "tlsverify=[0-0] @1 debug=false[2-2]"},
		// Grouped shorthands; the first that takes a value ends the group.
		{[]string{"-Dl", "warn", "-DH", "fd://", "-Dlinfo"}, "debug=[0-0] log-level=warn[0-1] debug=[2-2] host=fd://[2-3] debug=[4-4] log-level=info[4-4]"},
		// A value flag takes the next word whatever it is.
		{[]string{"--log-level", "-H", "x"}, "log-level=-H[0-1] @2"},
		{[]string{"--", "-H", "x"}, "@1 @2"},
		{[]string{"daemon", "--host=fd://"}, "@0 host=fd://[1-1]"},
		// Unknown flags take the next word unless it is a flag.
		{[]string{"--add-registry", "r.example", "--block-registry", "--debug"}, "?add-registry=r.example[0-1] ?block-registry=[2-2] debug=[3-3]"},
	}
	for _, tt := range tests {
		p := parseDockerdArgs(tt.args)
		var parts []string
		pos := map[int]bool{}
		for _, i := range p.positional {
			pos[i] = true
		}
		fi := 0
		for i := range tt.args {
			if pos[i] {
				parts = append(parts, fmt.Sprintf("@%d", i))
			}
			for fi < len(p.flags) && p.flags[fi].first == i {
				f := p.flags[fi]
				name := "?" + f.name
				if f.flag != nil {
					name = f.flag.long
				}
				parts = append(parts, fmt.Sprintf("%s=%s[%d-%d]", name, f.value, f.first, f.last))
				fi++
			}
		}
		if got := strings.Join(parts, " "); got != tt.want {
			t.Errorf("parseDockerdArgs(%q) = %s\n want %s", tt.args, got, tt.want)
		}
	}
}

// TestParseEnvFile follows systemd.exec(5), EnvironmentFile=, and
// src/basic/env-file.c.
func TestParseEnvFile(t *testing.T) {
	data := strings.Join([]string{
		`# comment`,
		`; comment too`,
		`PLAIN=  a b   c  `,       // outer white space goes, inner stays
		`QUOTED="x \"y\" \$z \q"`, // \" \$ unescaped, \q kept as it is
		`SINGLE='it''s'`,          // two quoted pieces joined
		`MULTI="one \`, `two"`,    // backslash-newline continues
		`SPAN='a`, `b'`, // single quotes span lines
		`ESC=a\ b\`, `c`, // \<space> keeps the space, \<newline> joins
		`export EXPORTED=1`,        // no "export" in systemd: an invalid name
		`if [ -z "${X}" ]; then`,   // no "=": skipped
		`    INDENTED=/etc/docker`, // leading white space before the key
		`EMPTY=`,                   // set, empty
		`LATER=1`, `LATER=2`,       // the last wins
		`NOEOL=end`,
	}, "\n")
	got := map[string]string{}
	var invalid []string
	lines := map[string]int{}
	for _, d := range parseEnvFile("/etc/x", []byte(data)) {
		if !validEnvName(d.name) {
			invalid = append(invalid, d.name)
			continue
		}
		got[d.name] = d.value
		lines[d.name] = d.line
	}
	want := map[string]string{
		"PLAIN": "a b   c", "QUOTED": `x "y" $z \q`, "SINGLE": "its", "MULTI": "one two", "SPAN": "a\nb",
		"ESC": "a bc", "INDENTED": "/etc/docker", "EMPTY": "", "LATER": "2", "NOEOL": "end",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseEnvFile:\n got %q\nwant %q", got, want)
	}
	if fmt.Sprint(invalid) != "[export EXPORTED]" {
		t.Errorf("invalid names %q", invalid)
	}
	if lines["MULTI"] != 6 || lines["ESC"] != 10 || lines["NOEOL"] != 18 {
		t.Errorf("lines %v", lines)
	}
}

func TestParseEnvironment(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`"DOCKER_OPTS=--tlsverify --tlscacert=/x" GOTRACEBACK=crash`, "DOCKER_OPTS=--tlsverify --tlscacert=/x|GOTRACEBACK=crash", true},
		{`A="x y" 'B=1 2' C=\x41 D=100%%`, "A=x y|B=1 2|C=A|D=100%", true},
		{`NOEQ 1X=2 GOOD=1`, "GOOD=1", true}, // invalid words are ignored
		{`A=\q`, "", false},                  // the whole line is
	}
	for _, tt := range tests {
		defs, ok := parseEnvironment(tt.in)
		var parts []string
		for _, d := range defs {
			parts = append(parts, d.name+"="+d.value)
		}
		if ok != tt.ok || strings.Join(parts, "|") != tt.want {
			t.Errorf("parseEnvironment(%q) = %q, %v; want %q, %v", tt.in, parts, ok, tt.want, tt.ok)
		}
		// What the override writes reads back the same.
		for _, d := range defs {
			back, ok := parseEnvironment(encodeEnvironment(d.name, d.value))
			if !ok || len(back) != 1 || back[0].name != d.name || back[0].value != d.value {
				t.Errorf("encodeEnvironment(%q, %q) reads back as %+v", d.name, d.value, back)
			}
		}
	}
}

// TestExpand follows systemd.service(5), "Command lines": $VAR alone is
// split into words (quotes respected), ${VAR} is one word, "$$" is "$".
func TestExpand(t *testing.T) {
	unit := "[Service]\nEnvironment=\"OPTS=-H fd:// --label 'a b'\" EMPTY= \"ONE=x y\"\n" +
		"ExecStart=%s\n"
	tests := []struct {
		exec string
		want []string
	}{
		{`/usr/bin/dockerd $OPTS`, []string{"/usr/bin/dockerd", "-H", "fd://", "--label", "a b"}},
		{`/usr/bin/dockerd ${ONE} --x=${ONE}/z $EMPTY $UNSET ${UNSET}`, []string{"/usr/bin/dockerd", "x y", "--x=x y/z", ""}},
		{`/usr/bin/dockerd "$OPTS" $$OPTS`, []string{"/usr/bin/dockerd", "-H", "fd://", "--label", "a b", "$OPTS"}},
		{`/usr/bin/dockerd $OPTS/x ${ONE:-d}`, []string{"/usr/bin/dockerd", "${ONE:-d}"}}, // $NAME/x is no valid name: nothing
		{`:/usr/bin/dockerd $OPTS`, []string{"/usr/bin/dockerd", "$OPTS"}},                // ":" turns expansion off
		{`@/usr/bin/dockerd dockerd -D`, []string{"/usr/bin/dockerd", "-D"}},              // "@": the next word is argv[0]
		{`-/usr/bin/dockerd %n`, []string{"/usr/bin/dockerd", "docker.service"}},
	}
	for _, tt := range tests {
		l, err := evaluate([]unitFile{{usrLibUnit, []byte(fmt.Sprintf(unit, tt.exec))}}, fileReader{fs: hostfs.New(t.TempDir())})
		if err != nil {
			t.Fatal(err)
		}
		if got := l.command(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.exec, got, tt.want)
		}
	}
}

// TestEnvironmentFileOrder: environment files win over Environment=
// whatever the order in the unit, and later files over earlier ones; an
// empty EnvironmentFile= or Environment= clears the list before it;
// UnsetEnvironment= drops a variable (NAME=VALUE: only with that value).
func TestEnvironmentFileOrder(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"/etc/a.env":   "X=from-a\nY=from-a\n",
		"/etc/b.env":   "X=from-b\n",
		"/etc/c.env":   "Z=from-c\n",
		"/etc/g/1.env": "G=one\n",
		"/etc/g/2.env": "G=two\n",
	})
	unit := "[Service]\nEnvironmentFile=/etc/c.env\nEnvironmentFile=\nEnvironmentFile=/etc/a.env\nEnvironmentFile=-/etc/missing.env\n" +
		"EnvironmentFile=/etc/b.env\nEnvironmentFile=/etc/g/*.env\nEnvironment=X=from-unit Y=from-unit Z=from-unit W=w U=u V=v\n" +
		"UnsetEnvironment=U V=other\n" +
		"ExecStart=/usr/bin/dockerd --label x=$X --label y=${Y} --label z=${Z} --label w=${W} --label g=${G} --label u=${U} --label v=${V}\n"
	l, err := evaluate([]unitFile{{usrLibUnit, []byte(unit)}}, fileReader{fs: hostfs.New(root)})
	if err != nil {
		t.Fatal(err)
	}
	want := "/usr/bin/dockerd --label x=$X --label y=from-a --label z=from-unit --label w=w --label g=two --label u= --label v=v"
	if got := strings.Join(l.command(), " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if fmt.Sprint(l.envFiles) != "[/etc/a.env /etc/b.env /etc/g/1.env /etc/g/2.env]" {
		t.Errorf("env files %q", l.envFiles)
	}
}

// TestRewriteEnvFile: a variable is rewritten in place, in its quoting
// where that can hold the value, every other byte kept.
func TestRewriteEnvFile(t *testing.T) {
	tests := []struct {
		in, value, want string
	}{
		{"# x\nOPTS=\"-H tcp://x --debug\"\nB=1\n", "--debug", "# x\nOPTS=\"--debug\"\nB=1\n"},
		{"OPTS='-H x --label a=\"b c\"'\n", `--label a="b c"`, "OPTS='--label a=\"b c\"'\n"},
		{"OPTS='-H x'\n", "it's", "OPTS=\"it's\"\n"},
		{"OPTS=-H\\ x --debug\n", "--debug", "OPTS=--debug\n"},
		{"OPTS=-H x\n", "a b", "OPTS=\"a b\"\n"},
		{"OPTS=\"a \\\n b\" # no comment\nNEXT=1", "$HOME `x` \\", "OPTS=\"\\$HOME \\`x\\` \\\\\"\nNEXT=1"},
		{"OPTS=\"-H x\"", "", "OPTS=\"\""},
	}
	for _, tt := range tests {
		defs := parseEnvFile("/f", []byte(tt.in))
		d := defs[0]
		d.value = tt.value
		out, ok := rewriteEnvFile("/f", []byte(tt.in), []*envDef{&d})
		if !ok || string(out) != tt.want {
			t.Errorf("rewrite %q to %q: got %q, %v; want %q", tt.in, tt.value, out, ok, tt.want)
		}
	}
}

// FuzzRewriteEnvFile: whatever the file, a rewrite either reads back as
// exactly the old variables with the one value changed, or is refused.
func FuzzRewriteEnvFile(f *testing.F) {
	f.Add([]byte("OPTS=\"-H tcp://x\"\n"), "--debug")
	f.Add([]byte("A='x'y\"z\"\nB=\\\nC\n"), "a'b\"c$d`e\\f")
	f.Add([]byte("#c\\\nA=1\n;d\nexport B=2\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, value string) {
		defs := parseEnvFile("/f", data)
		var target *envDef
		for i := range defs {
			if validEnvName(defs[i].name) {
				target = &defs[i]
			}
		}
		if target == nil || strings.ContainsRune(value, 0) {
			return
		}
		target.value = value
		out, ok := rewriteEnvFile("/f", data, []*envDef{target})
		if !ok {
			return
		}
		after := envValues(parseEnvFile("/f", out))
		before := envValues(parseEnvFile("/f", data))
		before[target.name] = value
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("rewrite of %s in %q gave %q:\n got %q\nwant %q", target.name, data, out, after, before)
		}
	})
}
