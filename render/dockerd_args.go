package render

import "strings"

// setFlag is one flag on dockerd's command line.
type setFlag struct {
	flag        *dockerdFlag // nil: a flag neither dockerd version knows
	name        string       // as written, without dashes: "host", "H", "tlsverify"
	value       string
	first, last int // indexes of the words it spans in the argument list
}

// key is the first daemon.json key the flag conflicts with, "" if none.
func (f setFlag) key() string {
	if f.flag == nil || len(f.flag.keys) == 0 {
		return ""
	}
	return f.flag.keys[0]
}

// daemonJSONOwned reports a flag that daemon.json takes over from the
// command line: -H/--host and the --tls* flags.
func (f setFlag) daemonJSONOwned() bool {
	return f.flag != nil && (f.flag.long == "host" || strings.HasPrefix(f.flag.long, "tls"))
}

// dockerdArgs is dockerd's command line read the way pflag reads it (the
// parser cobra gives dockerd): interspersed flags, --name=value or
// --name value, -x value, -xvalue and grouped shorthands (-Dl debug); a
// boolean takes a value only with "=". "--" ends the flags.
type dockerdArgs struct {
	flags      []setFlag
	positional []int // indexes of words that are no flag nor a flag's value
}

// parseDockerdArgs reads args (the words after the binary). A flag neither
// version of dockerd knows is kept with a nil flag; it takes the next word
// as its value unless that word is a flag, which is the best guess for a
// distribution's patched dockerd (RHEL's --add-registry NAME).
func parseDockerdArgs(args []string) dockerdArgs {
	var p dockerdArgs
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for j := i + 1; j < len(args); j++ {
				p.positional = append(p.positional, j)
			}
			return p
		case len(a) < 2 || a[0] != '-':
			p.positional = append(p.positional, i)
		case strings.HasPrefix(a, "--"):
			var sf setFlag
			sf, i = longFlag(args, i)
			p.flags = append(p.flags, sf)
		default:
			var sfs []setFlag
			sfs, i = shortFlags(args, i)
			p.flags = append(p.flags, sfs...)
		}
	}
	return p
}

// longFlag reads the --name[=value] at args[i], and its value from the
// next word when it takes one; next is the index of its last word.
func longFlag(args []string, i int) (sf setFlag, next int) {
	name, value, hasValue := strings.Cut(args[i][2:], "=")
	f := flagByLong[name]
	sf = setFlag{flag: f, name: name, value: value, first: i, last: i}
	if !hasValue && (f == nil || !f.isBool) && valueFollows(f, args, i) {
		i++
		sf.value, sf.last = args[i], i
	}
	return sf, i
}

// shortFlags reads the shorthands at args[i]: each letter is a flag until
// one takes a value, which is the rest of the word, after an optional
// "=", or the next word; next is the index of their last word.
func shortFlags(args []string, i int) (sfs []setFlag, next int) {
	rest := args[i][1:]
	for rest != "" {
		c := rest[0]
		rest = rest[1:]
		f := flagByShort[c]
		sf := setFlag{flag: f, name: string(c), first: i, last: i}
		switch {
		case strings.HasPrefix(rest, "="):
			sf.value, rest = rest[1:], ""
		case f != nil && f.isBool:
		case rest != "":
			sf.value, rest = rest, ""
		case valueFollows(f, args, i):
			i++
			sf.value, sf.last = args[i], i
		}
		sfs = append(sfs, sf)
	}
	return sfs, i
}

// valueFollows reports whether flag f at args[i] takes the next word as
// its value: there is one, and f is known or the word is no flag.
func valueFollows(f *dockerdFlag, args []string, i int) bool {
	return i+1 < len(args) && (f != nil || !strings.HasPrefix(args[i+1], "-"))
}
