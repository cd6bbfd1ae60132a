package render

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// startCommandKeys are the [Service] settings whose commands run at every
// start of docker.service, before or after dockerd (or as its wrapper).
var startCommandKeys = []string{"ExecStartPre", "ExecStart", "ExecStartPost"}

// shells run the script of their -c option.
var shells = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true, "busybox": true}

// startupWrites refuses the start-up commands of docker.service that write
// the configuration file dockerd reads (a cp, install, mv, ln, rsync or dd
// onto it, a tee or a > redirection to it): they would replace what
// docker-tls writes there at the next start, and the TLS settings with it.
func (d *Detection) startupWrites() []error {
	cfg := d.ConfigFile
	if cfg == "" {
		return nil
	}
	var errs []error
	for _, key := range startCommandKeys {
		for _, a := range serviceList(d.files, key) {
			cmd, src, ok := writesFile(a.value, cfg)
			if !ok {
				continue
			}
			errs = append(errs, startupWriteError(key, a, cfg, cmd, src))
		}
	}
	return errs
}

// startupWriteError says which start-up command writes cfg and what to do.
func startupWriteError(key string, a assignment, cfg, cmd, src string) *ConflictError {
	how := ""
	if cmd != strings.TrimLeft(a.value, "@-:+!|") {
		how = " (" + cmd + ")"
	}
	fix := fmt.Sprintf("remove this %s= line (or make it write another file), run docker-tls again, then put the TLS settings of %s into whatever the line rendered it from", key, cfg)
	if src != "" {
		fix = fmt.Sprintf("remove this %s= line and run docker-tls again; to keep %s as the file you edit, copy %s over it afterwards (docker-tls backs up and rewrites only %s)", key, src, cfg, cfg)
	}
	return &ConflictError{Path: a.path, Line: a.line, Flags: []string{key + "=" + a.value},
		Reason: fmt.Sprintf("%s=%s writes %s at every start of docker.service%s, so the TLS settings docker-tls writes there would be lost at the next restart", key, a.value, cfg, how),
		Fix:    fix}
}

// writesFile reports whether the command line v (an Exec*= value, maybe
// a shell's -c script) writes target, with the command that does and the
// file it copies from ("" when none, e.g. a redirection).
func writesFile(v, target string) (cmd, src string, ok bool) {
	words, err := extractWords(v, cunescape|relax)
	if err != nil || len(words) == 0 {
		return "", "", false
	}
	argv := make([]string, len(words))
	for i, w := range words {
		argv[i] = w.text
	}
	argv[0] = strings.TrimLeft(argv[0], "@-:+!|")
	script := strings.Join(argv, " ")
	if shells[path.Base(argv[0])] {
		for i := 1; i+1 < len(argv); i++ {
			if strings.HasPrefix(argv[i], "-") && !strings.HasPrefix(argv[i], "--") && strings.Contains(argv[i], "c") {
				script = argv[i+1]
				break
			}
		}
	}
	for _, c := range shellCommands(script) {
		if src, ok := commandWrites(c, target); ok {
			return strings.Join(c, " "), src, true
		}
	}
	return "", "", false
}

// shellCommands splits a shell script into simple commands, each a list
// of words with quotes removed; redirections are words of their own
// (">", ">>" followed by the file, or ">file").
func shellCommands(s string) [][]string {
	var cmds [][]string
	var cur []string
	var w strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			cur = append(cur, w.String())
			w.Reset()
			inWord = false
		}
	}
	end := func() {
		flush()
		if len(cur) > 0 {
			cmds = append(cmds, cur)
		}
		cur = nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '\\':
			i = quoted(s, i, &w)
			inWord = true
		case c == ' ' || c == '\t':
			flush()
		case c == ';' || c == '&' || c == '|' || c == '\n' || c == '(' || c == ')':
			end()
		case c == '>':
			flush()
			op := ">"
			if i+1 < len(s) && (s[i+1] == '>' || s[i+1] == '|') {
				op += string(s[i+1])
				i++
			}
			cur = append(cur, op)
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	end()
	return cmds
}

// optionArg are the options of install and cp whose value is the next
// word (not a file).
var optionArg = map[string]bool{
	"install -m": true, "install -o": true, "install -g": true, "install -S": true,
	"install --mode": true, "install --owner": true, "install --group": true,
	"cp -S": true, "mv -S": true, "ln -S": true,
}

// quoted adds the quoted string or escaped character at s[i] to w and
// returns the index of its last byte.
func quoted(s string, i int, w *strings.Builder) int {
	if s[i] == '\\' {
		if i+1 < len(s) {
			w.WriteByte(s[i+1])
			return i + 1
		}
		return i
	}
	j := strings.IndexByte(s[i+1:], s[i])
	if j < 0 {
		j = len(s) - i - 1
	}
	w.WriteString(s[i+1 : i+1+j])
	return i + j + 1
}

// commandWrites reports whether the simple command c writes target, and
// the file it copies from.
func commandWrites(c []string, target string) (src string, ok bool) {
	if redirectsTo(c, target) {
		return "", true
	}
	if len(c) > 1 && (c[0] == "exec" || c[0] == "sudo" || c[0] == "env") {
		c = c[1:]
	}
	name := path.Base(c[0])
	args, dir := commandArgs(name, c[1:])
	switch name {
	case "tee":
		return "", slices.ContainsFunc(args, func(a string) bool { return samePath(a, target) })
	case "dd":
		return "", slices.ContainsFunc(args, func(a string) bool {
			of, ok := strings.CutPrefix(a, "of=")
			return ok && samePath(of, target)
		})
	case "cp", "install", "mv", "ln", "rsync":
		return copies(args, dir, target)
	}
	return "", false
}

// samePath: p names target.
func samePath(p, target string) bool { return p != "" && path.Clean(p) == target }

// redirectsTo reports a > or >> redirection of c to target.
func redirectsTo(c []string, target string) bool {
	for i, w := range c {
		if strings.HasPrefix(w, ">") && i+1 < len(c) && samePath(c[i+1], target) {
			return true
		}
	}
	return false
}

// commandArgs returns the operands of command name (options and their
// values left out, up to a redirection) and the directory of -t DIR.
func commandArgs(name string, words []string) (args []string, dir string) {
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case strings.HasPrefix(w, ">"):
			return args, dir
		case (w == "-t" || w == "--target-directory") && i+1 < len(words):
			dir = words[i+1]
			i++
		case strings.HasPrefix(w, "--target-directory="):
			dir = strings.TrimPrefix(w, "--target-directory=")
		case optionArg[name+" "+w] && i+1 < len(words):
			i++ // its value: not a file
		case !strings.HasPrefix(w, "-"):
			args = append(args, w)
		}
	}
	return args, dir
}

// copies reports a copy (cp, install, mv, ln, rsync) with operands args
// that writes target: onto it from one source, or into its directory from
// a file of the same name. src is that source.
func copies(args []string, dir, target string) (src string, ok bool) {
	if dir != "" {
		args = append(args, dir)
	}
	if len(args) < 2 {
		return "", false
	}
	dst, srcs := args[len(args)-1], args[:len(args)-1]
	for _, from := range srcs {
		into := path.Clean(dst) == path.Dir(target) && path.Base(from) == path.Base(target)
		if samePath(dst, target) && len(srcs) == 1 || into {
			return from, true
		}
	}
	return "", false
}
