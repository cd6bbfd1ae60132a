package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/docker-tls/docker-tls/internal/wordwrap"
)

// fang draws each flag's text and each command's summary in a column after
// the names, but never wraps it: at 80 columns the terminal breaks it
// mid-word, back at the first column. fang keeps line breaks in flag texts
// (and a summary's lines stay in their column), so wrapHelp breaks them
// beforehand, at spaces, to the column's width for this terminal.

// Layout of fang v2's help, which wrapHelp follows: names are indented by
// helpIndent, and the text starts helpGap after the longest name (at least
// helpMinName from the indent). fang takes the terminal's width, at most
// helpMaxWidth, or __FANG_TEST_WIDTH (its tests', and ours).
const (
	helpIndent   = 4
	helpGap      = 2
	helpMinName  = 10
	helpMaxWidth = 120
)

// helpWidth is the width fang draws help at on stdout.
func helpWidth(stdout any) int {
	if s := os.Getenv("__FANG_TEST_WIDTH"); s != "" {
		if w, err := strconv.Atoi(s); err == nil {
			return w
		}
	}
	if f, ok := stdout.(interface{ Fd() uintptr }); ok {
		if w, _, err := term.GetSize(f.Fd()); err == nil {
			return min(w, helpMaxWidth)
		}
	}
	return helpMaxWidth
}

// helpOut is where cobra and fang write help: stdout, except that on a
// pipe or in a file the lines lose the spaces fang pads them with to its
// width. Commands write to env.stdout, never through this.
func helpOut(stdout io.Writer) io.Writer {
	if f, ok := stdout.(interface{ Fd() uintptr }); ok && term.IsTerminal(f.Fd()) {
		return stdout
	}
	return &trimWriter{w: stdout}
}

// trimWriter drops the spaces at the end of each line. It holds back a run
// of spaces until it knows whether text or a line end follows.
type trimWriter struct {
	w      io.Writer
	spaces int
}

func (t *trimWriter) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, c := range p {
		switch c {
		case ' ':
			t.spaces++
			continue
		case '\n':
			t.spaces = 0
		}
		for ; t.spaces > 0; t.spaces-- {
			out = append(out, ' ')
		}
		out = append(out, c)
	}
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// wantsHelp: the command line asks for help (-h, --help, "help CMD"), so
// help is all this run prints.
func wantsHelp(args []string) bool {
	if len(args) > 0 && args[0] == "help" {
		return true
	}
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "--help":
			return true
		}
	}
	return false
}

// placeholders takes each flag's value placeholder from the backquotes of
// its text, as pflag.UnquoteUsage does ("valid for `N` days" is
// "--days N   valid for N days"). fang shows only a flag's name, so when
// help is asked for the name carries the placeholder; a normalize func
// keeps the flags parsing by their names meanwhile.
func placeholders(c *cobra.Command, showNames bool) {
	fs := c.Flags()
	if showNames {
		fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
			base, _, _ := strings.Cut(name, " ")
			return pflag.NormalizedName(base)
		})
	}
	fs.VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(f.Usage, "`") {
			return
		}
		ph, usage := pflag.UnquoteUsage(f)
		f.Usage = usage
		if showNames && f.NoOptDefVal == "" && ph != "" {
			f.Name += " " + ph
		}
	})
	for _, sc := range c.Commands() {
		placeholders(sc, showNames)
	}
}

// wrapHelp wraps the flag texts and command summaries of c and its
// subcommands for help drawn width columns wide.
func wrapHelp(c *cobra.Command, width int) {
	if !c.HasParent() {
		c.InitDefaultCompletionCmd() // cobra would add it later; fang lists it
	}
	// cobra adds "-h --help" when the command runs: count it, but do not
	// add it here (fang would then show "[--flags]" after every command).
	names := []string{"-h --help"}
	for _, sc := range c.Commands() {
		if !sc.Hidden {
			names = append(names, commandName(sc))
		}
	}
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, flagKey(f))
		}
	})
	col := helpMinName
	for _, n := range names {
		col = max(col, len(n)+helpGap)
	}
	room := width - helpIndent - col
	if room >= 20 {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			suffix := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
				suffix = " (" + f.DefValue + ")" // fang adds it after the text
			}
			u := wordwrap.Hard(strings.ReplaceAll(f.Usage, "\n", " ")+suffix, room)
			if cut, ok := strings.CutSuffix(u, "\n"+strings.TrimPrefix(suffix, " ")); ok && suffix != "" {
				u = cut + "\n" // fang's " (default)" goes on a line of its own
			} else {
				u = strings.TrimSuffix(u, suffix)
			}
			f.Usage = u
		})
		for _, sc := range c.Commands() {
			if sc.Long == "" {
				sc.Long = sc.Short // the top of its own help: fang wraps it there
			}
			sc.Short = wordwrap.Hard(strings.ReplaceAll(sc.Short, "\n", " "), room)
		}
	}
	for _, sc := range c.Commands() {
		wrapHelp(sc, width)
	}
}

// flagKey is how fang names a flag: "--name", or "-n --name".
func flagKey(f *pflag.Flag) string {
	if f.Shorthand != "" {
		return "-" + f.Shorthand + " --" + f.Name
	}
	return "--" + f.Name
}

// commandName is how fang names a subcommand: its use line without the
// generic parts, then " [command]" and " [--flags]" where they apply.
func commandName(c *cobra.Command) string {
	u := c.Use
	for _, k := range []string{"[args]", "[flags]", "[--flags]", "[command]"} {
		u = strings.ReplaceAll(u, k, "")
	}
	u = strings.Join(strings.Fields(u), " ")
	if c.HasAvailableSubCommands() {
		u += " [command]"
	}
	if c.HasFlags() || c.HasPersistentFlags() || c.HasAvailableFlags() {
		u += " [--flags]"
	}
	return u
}
