package main

import (
	"fmt"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/docker-tls/docker-tls/wizard"
	"github.com/spf13/cobra"
)

type renewFlags struct {
	root, passFile, keyType, client, fqdn string
	sanDNS, sanIP                         []string
	days                                  int
	dryRun, yes, auto                     bool
	autoFlags
}

func newRenewCmd(env *env) *cobra.Command {
	f := &renewFlags{}
	cmd := &cobra.Command{
		Use:   "renew [flags]",
		Short: "Renew the server certificate (same names, new dates), or a client certificate with --client",
		Example: `  docker-tls renew --yes
  docker-tls renew --san-ip 192.0.2.11 --yes  # the same names, one more IP
  docker-tls renew --client alice --days 90 --yes
  docker-tls renew --auto                     # what the daily timer runs: no passphrase`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.auto || cmd.Flags().Changed("before") || cmd.Flags().Changed("restart") {
				return runAuto(cmd, env, f.root, &f.autoFlags)
			}
			in := setup.RenewInput{Client: f.client, FQDN: f.fqdn, AddDNS: f.sanDNS, AddIPs: f.sanIP}
			if n := wizard.BareHostNote(f.fqdn); n != "" {
				fmt.Fprintf(env.stdout, "Note: %s\n", n)
			}
			// Unless asked otherwise, setup keeps the key type and lifetime
			// of the certificate renewed.
			if cmd.Flags().Changed("days") {
				if err := pki.ValidateDays(fmt.Sprint(f.days)); err != nil {
					return usagef("--days %d: %v", f.days, err)
				}
				in.Days = f.days
			}
			if cmd.Flags().Changed("key-type") {
				kt, err := pki.ParseKeyType(f.keyType)
				if err != nil {
					return usagef("--key-type: %v", err)
				}
				in.KeyType = kt
			}
			if f.client != "" {
				if err := pki.ValidateClientName(f.client); err != nil {
					return usagef("--client %q: %v", f.client, err)
				}
			}
			h := env.host(f.root)
			if err := h.CheckRenew(in); err != nil {
				return err
			}
			pass, err := caPassphrase(env, h, f.passFile)
			if err != nil {
				return err
			}
			p, err := h.PrepareRenew(in, pass)
			if err != nil {
				return err
			}
			if f.client != "" {
				if !f.dryRun {
					if err := confirm(env, f.yes, p.Pending()); err != nil {
						return err
					}
				}
				return writeClient(env, h, p, "", true, f.dryRun)
			}
			w, err := writeReviewed(env, h, p, f.dryRun, func() error { return confirm(env, f.yes, p.Pending()) })
			if err != nil || w == nil {
				return err
			}
			fmt.Fprintf(env.stdout, "\nNext step:\n%s", formatSteps(say.NextSteps(p), "  "))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.days, "days", pki.DefaultDays, "valid for `N` days (default: as the one it replaces)")
	fl.StringVar(&f.keyType, "key-type", string(pki.ECDSAP256), "key `TYPE` of the new key (default: as the one it replaces)")
	fl.StringVar(&f.client, "client", "", "renew the certificate of the client `NAME` instead of the server's")
	fl.StringVar(&f.fqdn, "fqdn", "", "change the server's host `NAME` (default: keep it)")
	fl.StringArrayVar(&f.sanDNS, "san-dns", nil, "add a DNS `NAME` (repeatable; the current names are kept)")
	fl.StringArrayVar(&f.sanIP, "san-ip", nil, "add an `IP` (repeatable; the current IPs are kept)")
	passFileFlag(cmd, &f.passFile)
	rootFlag(cmd, &f.root)
	fl.BoolVar(&f.dryRun, "dry-run", false, "show what would be written, write nothing")
	fl.BoolVar(&f.yes, "yes", false, "write without asking (the old files are backed up)")
	fl.BoolVar(&f.auto, "auto", false, "renew the server certificate through the host issuer if it is due: no passphrase, no prompt (the timer's)")
	addAutoFlags(cmd, &f.autoFlags)
	return cmd
}
