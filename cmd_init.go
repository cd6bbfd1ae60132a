package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/spf13/cobra"
)

// initFlags are init's flags; the wizard takes the same ones as defaults.
type initFlags struct {
	root               string
	fqdn               string
	sanDNS, sanIP      []string
	listen             string
	keyType            string
	caCN, caOrg        string
	caDays, days       int
	clients            []string
	passFile           string
	dryRun, yes, force bool
	apply              bool
}

func addInitFlags(cmd *cobra.Command, f *initFlags) {
	d := pki.DefaultPlan()
	fl := cmd.Flags()
	fl.StringVar(&f.fqdn, "fqdn", "", "the server's host name, as clients will type it (required)")
	fl.StringArrayVar(&f.sanDNS, "san-dns", nil, "another DNS NAME for the server certificate (repeatable)")
	fl.StringArrayVar(&f.sanIP, "san-ip", nil, "an IP (v4 or v6) clients may connect to (repeatable)")
	fl.StringVar(&f.listen, "listen", "0.0.0.0:2376", "address dockerd listens on for TLS, HOST:PORT")
	fl.StringVar(&f.keyType, "key-type", string(d.KeyType), "key type: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519")
	fl.StringVar(&f.caCN, "ca-cn", d.CACommonName, "the CA's common name")
	fl.StringVar(&f.caOrg, "ca-org", "", "the CA's organisation")
	fl.IntVar(&f.caDays, "ca-days", d.CADays, "how many days the CA is valid")
	fl.IntVar(&f.days, "days", d.Days, "how many days server and client certificates are valid")
	fl.StringArrayVar(&f.clients, "client", []string{pki.DefaultClient}, "a client certificate to issue, by NAME (repeatable)")
	passFileFlag(cmd, &f.passFile)
	rootFlag(cmd, &f.root)
	fl.BoolVar(&f.dryRun, "dry-run", false, "show the plan and the diffs, write nothing")
	fl.BoolVar(&f.yes, "yes", false, "write without asking")
	fl.BoolVar(&f.force, "force", false, "make a new CA even if one exists (the old one is backed up)")
	fl.BoolVar(&f.apply, "apply", false, "after writing: daemon-reload, restart docker, probe TLS; roll back if it fails")
}

// plan builds and validates the plan; problems are usage errors (exit 2).
func (f *initFlags) plan() (pki.Plan, string, error) {
	p := pki.Plan{
		CACommonName:   f.caCN,
		CAOrganization: f.caOrg,
		FQDN:           f.fqdn,
		DNSNames:       f.sanDNS,
		IPs:            f.sanIP,
		KeyType:        pki.KeyType(strings.ToLower(f.keyType)),
		CADays:         f.caDays,
		Days:           f.days,
		Clients:        f.clients,
	}
	if err := p.Validate(); err != nil {
		return p, "", usageErr(err)
	}
	listen, err := render.ParseListen(f.listen)
	if err != nil {
		return p, "", usageErr(fmt.Errorf("--listen %q: %w", f.listen, err))
	}
	return p, listen, nil
}

func newInitCmd(env *env) *cobra.Command {
	f := &initFlags{}
	cmd := &cobra.Command{
		Use:   "init --fqdn NAME [flags]",
		Short: "Set up TLS without prompts: CA, server and client certificates, daemon.json, override",
		Example: `  docker-tls init --fqdn docker.example.com --san-ip 192.0.2.10 --dry-run
  docker-tls init --fqdn docker.example.com --client alice --client bob --yes --apply
  echo "$PASS" | docker-tls init --fqdn docker.example.com --ca-passphrase-file - --yes`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.fqdn == "" {
				return usagef("--fqdn is required: the host name clients will use to reach dockerd")
			}
			if f.apply && f.dryRun {
				return usagef("--apply and --dry-run exclude each other: --dry-run writes nothing to apply")
			}
			if f.apply {
				if err := checkApplyRoot(f.root); err != nil {
					return err
				}
			}
			plan, listen, err := f.plan()
			if err != nil {
				return err
			}
			return runInit(env, f, setup{root: f.root, plan: plan, listen: listen, force: f.force, now: env.now})
		},
	}
	addInitFlags(cmd, f)
	return cmd
}

func runInit(e *env, f *initFlags, s setup) error {
	// Problems with the host (no docker.service, a daemon.json that does not
	// parse, a conflicting drop-in) are found before the passphrase is asked.
	if _, err := render.Build(s.root, nil, &render.Host{Listen: s.listen}); err != nil {
		return err
	}
	pass, err := passphraseSource{file: f.passFile}.read(e, !exists(s.root, caCert) || s.force)
	if err != nil {
		return err
	}
	// A new CA needs every key: start them all now, concurrently. With an
	// existing CA most runs re-issue nothing, and background keys would only
	// compete with the PBKDF2 that opens the CA key.
	var keys *pki.KeyGen
	if !exists(s.root, caCert) || s.force {
		keys = pki.StartKeys(s.plan.KeyType, 2+len(s.plan.Clients))
	}
	p, err := prepareSetup(s, pass, keys)
	if err != nil {
		return err
	}
	printPrepared(e, p, s.root)
	if p.changes.Empty() {
		fmt.Fprintln(e.stdout, "\nNothing to change: this host already matches the plan.")
		return nil
	}
	if f.dryRun {
		fmt.Fprintln(e.stdout, "\nDry run: nothing was written.")
		return nil
	}
	if err := confirm(e, f.yes, len(p.changes.Pending())); err != nil {
		return err
	}
	res, err := p.changes.Apply()
	if err != nil {
		return applyFailed(err)
	}
	reportWritten(e, s.root, res)
	if f.apply {
		return applyHost(e, s.root, res)
	}
	fmt.Fprintf(e.stdout, "\nNext steps:\n%s", indent(p.nextSteps, "  "))
	return nil
}

// confirm asks y/N on a terminal; elsewhere only --yes writes.
func confirm(e *env, yes bool, n int) error {
	if yes {
		return nil
	}
	if !e.interactive() {
		return usagef("nothing was written: add --yes to write these files (or --dry-run to only look)")
	}
	fmt.Fprintf(e.stdout, "\nWrite these %d files? [y/N] ", n)
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return errAborted
	}
	return nil
}

func applyFailed(err error) error {
	var ae *render.ApplyError
	if errors.As(err, &ae) && ae.RolledBack {
		return withHint(err, "Everything written in this run was rolled back: the files are as they were.")
	}
	return err
}

// printPrepared shows the plan, every file with its mode, the diffs and the warnings.
func printPrepared(e *env, p *prepared, root string) {
	w := e.stdout
	if root != "/" && root != "" {
		fmt.Fprintf(w, "Root: %s (paths below are relative to it)\n\n", root)
	}
	for _, l := range p.summary {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintln(w, "\nFiles:")
	for _, c := range p.changes.Changes {
		fmt.Fprintf(w, "  %-9s %04o  %s\n", c.Action, c.Mode.Perm(), c.Path)
	}
	for _, c := range p.changes.Changes {
		if !showDiff(c) {
			continue
		}
		fmt.Fprintln(w)
		if e.color() {
			fmt.Fprint(w, render.Colorize(c.Diff))
		} else {
			fmt.Fprint(w, c.Diff)
		}
	}
	if len(p.changes.Warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, s := range p.changes.Warnings {
			fmt.Fprintf(w, "  ! %s\n", s)
		}
	}
	if len(p.changes.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, s := range p.changes.Notes {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
}

// reportWritten says what a run wrote and records it for "docker-tls apply".
func reportWritten(e *env, root string, res *render.Result) {
	fmt.Fprintf(e.stdout, "\nWrote %d files.\n", len(res.Written))
	for _, b := range res.Backups {
		fmt.Fprintf(e.stdout, "  backup: %s\n", b)
	}
	if err := saveLastRun(root, res); err != nil {
		fmt.Fprintf(e.stderr, "warning: cannot record this run for \"docker-tls apply\": %v\n", err)
	}
}

// showDiff: the diffs worth reading are the host's config files; certificates
// and the ledger are listed with their modes instead.
func showDiff(c render.Change) bool {
	return c.Diff != "" && (c.Path == render.DaemonJSONPath || c.Path == render.OverridePath)
}

func indent(s, pre string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pre + l
		}
	}
	return strings.Join(lines, "")
}
