package main

import (
	"fmt"
	"strings"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/docker-tls/docker-tls/wizard"
	"github.com/spf13/cobra"
)

// initFlags are init's flags; the wizard takes the same ones as defaults.
type initFlags struct {
	root                 string
	fqdn                 string
	sanDNS, sanIP        []string
	listen               string
	keyType              string
	caCN, caOrg          string
	caDays, days         int
	clients              []string
	passFile             string
	dryRun, yes, force   bool
	apply                bool
	trust                string
	slots                int
	newRoot, noAutoRenew bool
	listenDefault        bool // --listen not given
	restart              restartFlags
}

// flagNames is the command line's word for each field of a setup: errors
// about a field name the flag that sets it.
var flagNames = map[pki.Field]string{
	pki.FieldCAName:     "--ca-cn",
	pki.FieldCAOrg:      "--ca-org",
	pki.FieldCADays:     "--ca-days",
	pki.FieldPassphrase: "the CA passphrase",
	pki.FieldFQDN:       "--fqdn",
	pki.FieldDNSNames:   "--san-dns",
	pki.FieldIPs:        "--san-ip",
	pki.FieldListen:     "--listen",
	pki.FieldKeyType:    "--key-type",
	pki.FieldDays:       "--days",
	pki.FieldClients:    "--client",
	pki.FieldTrust:      "--trust",
	pki.FieldSlots:      "--slots",
}

func flagName(f pki.Field) string {
	if n, ok := flagNames[f]; ok {
		return n
	}
	return string(f)
}

func addInitFlags(cmd *cobra.Command, f *initFlags) {
	d := pki.DefaultPlan()
	fl := cmd.Flags()
	fl.StringVar(&f.fqdn, "fqdn", "", "the server's host `NAME`, as clients will type it (required)")
	fl.StringArrayVar(&f.sanDNS, "san-dns", nil, "another DNS `NAME` for the server certificate (repeatable)")
	fl.StringArrayVar(&f.sanIP, "san-ip", nil, "an `IP` (v4 or v6) clients may connect to (repeatable)")
	fl.StringVar(&f.listen, "listen", "0.0.0.0:2376", "address dockerd listens on for TLS, `HOST:PORT`")
	fl.StringVar(&f.keyType, "key-type", string(d.KeyType), keyTypeUsage())
	fl.StringVar(&f.caCN, "ca-cn", d.CACommonName, "the CA's common `NAME`")
	fl.StringVar(&f.caOrg, "ca-org", "", "the CA's organisation, `ORG`")
	fl.IntVar(&f.caDays, "ca-days", d.CADays, "the CA is valid for `N` days")
	fl.IntVar(&f.days, "days", d.Days, "server and client certificates are valid for `N` days")
	fl.StringArrayVar(&f.clients, "client", []string{pki.DefaultClient}, "a client certificate to issue, by `NAME` (repeatable)")
	passFileFlag(cmd, &f.passFile)
	rootFlag(cmd, &f.root)
	fl.BoolVar(&f.dryRun, "dry-run", false, "show the plan and the diffs, write nothing")
	fl.BoolVar(&f.yes, "yes", false, "write without asking")
	fl.BoolVar(&f.force, "force", false, "make a new CA even if one exists (the old one is backed up)")
	fl.BoolVar(&f.apply, "apply", false, "after writing: daemon-reload, restart docker, probe TLS; roll back if it fails")
	fl.StringVar(&f.trust, "trust", "", "what dockerd trusts, `MODE`: member (one anchor per member, removable one by one; the default for a new setup) or ca (the whole CA); member on a CA-wide setup switches it")
	fl.IntVar(&f.slots, "slots", 0, fmt.Sprintf("`N` free anchors to keep ready, so that adding a member needs no restart (default %d for a new setup)", pki.DefaultSlots))
	fl.BoolVar(&f.newRoot, "new-root", false, "when switching to --trust member, make a new root if the CA (pathlen:0) cannot sign anchors")
	fl.BoolVar(&f.noAutoRenew, "no-auto-renew", false, "do not install the daily renewal timer (docker-tls-renew.timer)")
	f.restart.add(cmd)
}

// input is the setup the flags describe, not yet validated.
func (f *initFlags) input() setup.InitInput {
	return setup.InitInput{
		Plan: pki.Plan{
			CACommonName:   f.caCN,
			CAOrganization: f.caOrg,
			FQDN:           f.fqdn,
			DNSNames:       f.sanDNS,
			IPs:            f.sanIP,
			KeyType:        pki.KeyType(strings.ToLower(f.keyType)),
			CADays:         f.caDays,
			Days:           f.days,
			Clients:        f.clients,
		},
		Listen:  f.listen,
		Force:   f.force,
		Trust:   pki.Trust(f.trust),
		Slots:   f.slots,
		NewRoot: f.newRoot,
		// Set by the command when --listen was not given (see runInit).
		ListenDefault: f.listenDefault,
		// The timer renews the server certificate before it ends, with no
		// passphrase (the host issuer signs).
		AutoRenew: !f.noAutoRenew,
	}
}

func newInitCmd(env *env) *cobra.Command {
	f := &initFlags{}
	cmd := &cobra.Command{
		Use:   "init --fqdn NAME [flags]",
		Short: "Set up TLS without prompts: CA, server and client certificates, daemon.json, override",
		Example: `  docker-tls init --fqdn docker.example.com --san-ip 192.0.2.10 --dry-run
  docker-tls init --fqdn docker.example.com --client alice --yes --apply
  docker-tls init --fqdn docker1.lan --ca-passphrase-file pass.txt --yes`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.fqdn == "" {
				return usagef("--fqdn is required: the host name clients will use to reach dockerd")
			}
			if f.apply && f.dryRun {
				return usagef("--apply and --dry-run exclude each other: --dry-run writes nothing to apply")
			}
			if cmd.Flags().Changed("slots") && f.slots < 1 {
				return usagef("--slots %d: must be 1 or more (leave it out to make new anchors only when needed)", f.slots)
			}
			if err := f.restart.check(f.apply); err != nil {
				return err
			}
			h := env.host(f.root)
			if f.apply {
				if err := h.CanApply(); err != nil {
					return usageErr(err)
				}
			}
			f.listenDefault = !cmd.Flags().Changed("listen")
			in := f.input()
			if err := in.Validate(); err != nil {
				return err
			}
			return runInit(env, h, f, in)
		},
	}
	addInitFlags(cmd, f)
	return cmd
}

func runInit(e *env, h *setup.Host, f *initFlags, in setup.InitInput) error {
	// Problems with the host (no docker.service, a daemon.json that does not
	// parse, a conflicting drop-in) are found before the passphrase is asked.
	if err := h.CheckHost(in.Listen); err != nil {
		return err
	}
	if n := wizard.BareHostNote(in.Plan.FQDN); n != "" {
		fmt.Fprintf(e.stdout, "Note: %s\n", n)
	}
	newCA := h.NeedsNewCA(in.Force)
	var pass []byte
	if newCA && f.dryRun && f.passFile == "" && e.getenv(setup.PassphraseEnv) == "" {
		// A dry run of a new CA encrypts and writes nothing: no passphrase
		// to ask (setup marks the plan so that it can never be written).
		in.DryRun = true
	} else {
		var err error
		if pass, err = (passphraseSource{file: f.passFile}).read(e, newCA); err != nil {
			return err
		}
	}
	// A new CA needs every key: start them all now, concurrently. With an
	// existing CA most runs re-issue nothing, and background keys would only
	// compete with the PBKDF2 that opens the CA key.
	if newCA {
		h.StartKeys(in.Plan.KeyType, setup.KeysFor(len(in.Plan.Clients), true))
	}
	p, err := h.PrepareInit(in, pass)
	if err != nil {
		return err
	}
	w, err := writeReviewed(e, h, p, f.dryRun, func() error { return confirm(e, f.yes, p.Pending()) })
	if err != nil {
		return err
	}
	if ts, err := h.Trust(); err == nil && ts.Mode == pki.TrustCA && in.Trust == "" {
		fmt.Fprintln(e.stdout, "\nThis setup trusts the whole CA: one member cannot be shut out without a new CA and new bundles for everyone.")
		fmt.Fprintln(e.stdout, "  Add --trust member to switch to per-member trust: every member gets a new bundle once, then")
		fmt.Fprintln(e.stdout, "  \"docker-tls client remove NAME\" shuts one out at the next restart, and nobody else is re-issued.")
		if !ts.CanSignAnchors {
			fmt.Fprintln(e.stdout, "  This CA was made with pathlen:0 and cannot sign anchors: add --new-root too (the old root stays trusted until \"docker-tls trust finalize\").")
		}
	}
	if w == nil {
		return nil
	}
	if f.apply {
		return applyNow(e, h, f.restart)
	}
	fmt.Fprintf(e.stdout, "\nNext steps:\n%s", formatSteps(say.NextSteps(p), "  "))
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
	if !ask(e, fmt.Sprintf("\nWrite these %d files? [y/N] ", n), false) {
		return errAborted
	}
	return nil
}

// keyTypeUsage is the --key-type flag's text: pki.KeyTypes, default first.
func keyTypeUsage() string {
	names := make([]string, len(pki.KeyTypes))
	for i, k := range pki.KeyTypes {
		names[i] = string(k)
	}
	return "key `TYPE`: " + strings.Join(names, ", ")
}
