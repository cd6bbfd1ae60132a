// Command docker-tls secures a Docker daemon with mutual TLS: a private CA, a
// server certificate for dockerd, one client certificate per person, and the
// daemon.json and systemd override that make dockerd require them.
//
//	docker-tls                                   the wizard (on a terminal)
//	docker-tls init --fqdn docker.example.com    the same plan, no prompts
//	docker-tls client add alice                  onboard a team member
//	docker-tls status                            what is configured, what expires
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/fang/v2"
	"charm.land/huh/v2"
	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Version is set with -ldflags "-X main.Version=v1.2.3"; otherwise it comes
// from the module's build info.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

const examples = `  # the wizard: asks, shows the diffs, then writes
  docker-tls
  # the same plan without prompts (--yes writes it)
  docker-tls init --fqdn docker.example.com --san-ip 192.0.2.10 --dry-run
  # a bundle for a new team member
  docker-tls client add alice --archive alice.tar.gz
  # shut one member out at the next restart; nobody else is re-issued
  docker-tls client remove bob
  # certificates, expiry dates, config conflicts
  docker-tls status --probe`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code: 0 success,
// 1 failure, 2 usage error, 130 aborted.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	args, plugin := pluginArgs(args)
	env := newEnv(stdin, stdout, stderr)
	root := newRootCmd(env)
	if plugin {
		asPlugin(root)
	}
	placeholders(root, wantsHelp(args))
	wrapHelp(root, helpWidth(stdout))
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(helpOut(stdout))
	root.SetErr(stderr)
	err := fang.Execute(context.Background(), root,
		fang.WithVersion(version()),
		fang.WithoutManpage(),
		fang.WithErrorHandler(func(w io.Writer, _ fang.Styles, err error) { printError(w, err, env.root) }),
	)
	env.close()
	return exitCode(err)
}

func newRootCmd(env *env) *cobra.Command {
	f := &initFlags{}
	root := &cobra.Command{
		Use:   "docker-tls",
		Short: "Secure a Docker daemon with mutual TLS, verified and reversible",
		Long: `docker-tls sets up mutual TLS for dockerd on port 2376: a private CA (key encrypted),
a server certificate, one client certificate per person, and the daemon.json and
systemd override that make dockerd require them. It shows the diffs before it writes,
backs up what it replaces, and rolls back a failed run.`,
		Example: examples,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for docker-tls", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(": did you mean %q?", s[0])
			}
			return usagef("%s", msg)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range []string{"dry-run", "yes", "apply", "live-restore", "stop-containers", "new-root"} {
				if cmd.Flags().Changed(name) {
					return usagef("--%s is a flag of \"docker-tls init\": the wizard always shows the review before it writes, and offers to apply on its last screen", name)
				}
			}
			return runWizard(cmd.Context(), env, f, cmd.Flags().Changed)
		},
	}
	// init's flags pre-fill the wizard's answers.
	addInitFlags(root, f)
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(flagError(err)) })
	root.AddCommand(
		newInitCmd(env),
		newClientCmd(env),
		newRenewCmd(env),
		newStatusCmd(env),
		newApplyCmd(env),
		newTrustCmd(env),
		newConnectCmd(env),
		newRequestCmd(env),
		newVersionCmd(env),
		newPluginMetadataCmd(env),
	)
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(root.FlagErrorFunc())
	}
	return root
}

func newVersionCmd(env *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(env.stdout, "docker-tls %s\n", version())
			return nil
		},
	}
}

// usageError marks errors that exit 2: unknown flags, missing or malformed arguments.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErr(err error) error { return &usageError{err} }

func usagef(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

// flagError puts pflag's errors about a flag's value in the tool's words:
// `--ca-days "abc": must be a whole number, e.g. --ca-days 3650`, not
// `invalid argument "abc" for "--ca-days" flag: strconv.ParseInt: ...`.
func flagError(err error) error {
	var ive *pflag.InvalidValueError
	if errors.As(err, &ive) {
		f, v := ive.GetFlag(), ive.GetValue()
		name := "--" + flagBase(f.Name)
		var reason string
		switch f.Value.Type() {
		case "int", "int64", "uint", "uint64":
			reason = "must be a whole number"
			var ne *strconv.NumError
			if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
				reason = "is too large"
			}
			if f.DefValue != "" && f.DefValue != "0" {
				reason += ", e.g. " + name + " " + f.DefValue
			}
		case "bool":
			reason = "must be true or false (or just " + name + ")"
		default:
			reason = strings.TrimPrefix(err.Error(), fmt.Sprintf("invalid argument %q for %q flag: ", v, name))
		}
		return fmt.Errorf("%s %q: %s", name, v, reason)
	}
	var vre *pflag.ValueRequiredError
	if errors.As(err, &vre) {
		base := flagBase(vre.GetFlag().Name)
		name := "--" + base
		return fmt.Errorf("%s needs a value: %s %s", name, name, strings.ToUpper(strings.ReplaceAll(base, "-", "_")))
	}
	return err
}

// flagBase is a flag's name without the placeholder help adds to it.
func flagBase(name string) string {
	base, _, _ := strings.Cut(name, " ")
	return base
}

// rootFlag is --root, which every command takes.
func rootFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "root", "/", "treat `DIR` as the file system root (reading and writing), like DESTDIR")
}

// passFileFlag is --ca-passphrase-file. The passphrase itself is never a
// flag value: argv is visible to every user in ps and in shell history.
func passFileFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "ca-passphrase-file", "", "read the CA passphrase from `FILE` (- for stdin); else $"+setup.PassphraseEnv+", else a prompt")
}

// errProblems is returned by status when it found problems: exit 1, already reported.
var errProblems = errors.New("problems found")

// errAborted: the user said no, or pressed ctrl+c.
var errAborted = errors.New("aborted: nothing was written")

// errNotRestarted: the user said no to a restart that stops containers.
// Files may have been written before it (init --apply): they stand.
var errNotRestarted = errors.New("aborted: Docker was not restarted")

// isAborted: the user said no or pressed ctrl+c at one of the prompts (y/N,
// huh, Bubble Tea) before anything was written. Not an error: exit 130 and
// "Aborted: nothing was written."
func isAborted(err error) bool {
	return errors.Is(err, errAborted) || errors.Is(err, errNotRestarted) || errors.Is(err, huh.ErrUserAborted) || errors.Is(err, tea.ErrInterrupted)
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%q takes no arguments, got %q (see %s --help)", cmd.CommandPath(), args[0], cmd.CommandPath())
	}
	return nil
}

func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue), isCobraUsage(err), pki.AsFieldErrors(err) != nil:
		// A FieldError is a bad flag value: the same answer is refused in
		// the wizard next to its field.
		return 2
	case isAborted(err):
		return 130
	default:
		return 1
	}
}

// isCobraUsage catches the errors cobra makes before any of our code runs
// (unknown command); flag errors come through SetFlagErrorFunc.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "required flag"} {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}

// printError prints mkcert-style: "ERROR: what: why", then a hint line.
// Under --root, every host command the text quotes carries --root too, so
// that copying it acts on the same files (internal/say.WithRoot).
func printError(w io.Writer, err error, root string) {
	if errors.Is(err, errProblems) {
		return // status already printed each finding
	}
	switch {
	case errors.Is(err, errNotRestarted):
		fmt.Fprintln(w, "Aborted: Docker was not restarted.")
		return
	case isAborted(err):
		fmt.Fprintln(w, "Aborted: nothing was written.")
		return
	}
	out := func(format, text string) { fmt.Fprintf(w, format, say.WithRoot(text, root)) }
	if fe := pki.AsFieldErrors(err); fe != nil {
		for _, e := range fe { // one ERROR line per bad flag
			out("ERROR: %s\n", e.Describe(flagName))
		}
		if h := hint.Of(err); h != "" {
			out("  %s\n", h)
		}
		return
	}
	for i, line := range strings.Split(err.Error(), "\n") {
		if i == 0 {
			out("ERROR: %s\n", line)
		} else { // the rest of one message, e.g. journal lines
			out("  %s\n", line)
		}
	}
	var ue *usageError
	switch h := hint.Of(err); {
	case h != "":
		out("  %s\n", h)
	case errors.As(err, &ue), isCobraUsage(err):
		fmt.Fprintln(w, "  Run \"docker-tls --help\" for usage and examples.")
	}
}
