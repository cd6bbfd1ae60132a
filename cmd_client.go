package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
)

func newClientCmd(env *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Onboard team members: issue and list client certificates",
		Args:  noArgs,
	}
	cmd.AddCommand(newClientAddCmd(env), newClientSignCmd(env), newClientArchiveCmd(env), newClientListCmd(env))
	return cmd
}

type clientAddFlags struct {
	root, passFile, archive, keyType string
	days                             int
	force, dryRun                    bool
}

func newClientAddCmd(env *env) *cobra.Command {
	f := &clientAddFlags{}
	cmd := &cobra.Command{
		Use:   "add NAME [flags]",
		Short: "Issue a client certificate from the existing CA and write its bundle",
		Example: `  docker-tls client add alice
  docker-tls client add bob --days 90 --archive bob.tar.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("client add takes one NAME, got %d arguments", len(args))
			}
			if err := pki.ValidateClientName(args[0]); err != nil {
				return usagef("client name %q: %v", args[0], err)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pki.ValidateDays(fmt.Sprint(f.days)); err != nil {
				return usagef("--days %d: %v", f.days, err)
			}
			kt, err := pki.ParseKeyType(f.keyType)
			if err != nil {
				return usagef("--key-type: %v", err)
			}
			h := env.host(f.root)
			pass, err := caPassphrase(env, h, f.passFile)
			if err != nil {
				return err
			}
			p, err := h.PrepareClient(setup.ClientInput{Name: args[0], Days: f.days, KeyType: kt, Reissue: f.force}, pass)
			if err != nil {
				return err
			}
			return writeClient(env, h, p, f.archive, f.force, f.dryRun)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.days, "days", pki.DefaultDays, "how many days the certificate is valid")
	fl.StringVar(&f.keyType, "key-type", string(pki.ECDSAP256), "key type: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519")
	fl.StringVar(&f.archive, "archive", "", "also pack the bundle into FILE.tar.gz (mode 0600) to hand over")
	passFileFlag(cmd, &f.passFile)
	rootFlag(cmd, &f.root)
	fl.BoolVar(&f.force, "force", false, "re-issue a name that was already issued (the old files are backed up)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "show what would be written, write nothing")
	return cmd
}

// writeClient writes a prepared client bundle (and its archive), then says
// what to hand over.
func writeClient(e *env, h *setup.Host, p *setup.Prepared, archive string, replace, dryRun bool) error {
	var data []byte
	if archive != "" {
		// Checked before anything is written: nothing half-done.
		if err := setup.CheckArchivePath(archive, replace); err != nil {
			return err
		}
		var err error
		if data, err = p.Member.Files.Pack(e.now()); err != nil {
			return err
		}
	}
	if dryRun {
		for _, f := range p.Files() {
			fmt.Fprintf(e.stdout, "  %-9s %04o  %s\n", f.Action, f.Mode, f.Path)
		}
		fmt.Fprintln(e.stdout, "\nDry run: nothing was written.")
		return nil
	}
	w, err := h.Write(p, nil)
	if err != nil {
		return err
	}
	if archive != "" {
		if err := setup.WriteArchive(archive, data, replace); err != nil {
			// Nothing half-done: take the bundle back out too.
			if rerr := h.Undo(w); rerr != nil {
				return fmt.Errorf("writing %s: %w (and rolling back: %v)", archive, err, rerr)
			}
			return fmt.Errorf("writing %s: %w (the bundle was rolled back)", archive, err)
		}
	}
	m := p.Member
	fmt.Fprintf(e.stdout, "Issued %q: serial %s, valid until %s.\n", m.Name, m.Serial, m.NotAfter.Format("2006-01-02"))
	fmt.Fprintf(e.stdout, "Bundle:  %s/{ca.pem,cert.pem,key.pem}\n", h.Path(m.Dir))
	if archive != "" {
		fmt.Fprintf(e.stdout, "Archive: %s (0600)\n", archive)
	}
	fmt.Fprintf(e.stdout, "\n%s", formatSteps(m.Handover(archive), ""))
	return nil
}

// caPassphrase reads the passphrase of the existing CA, after checking there
// is one: nobody should type a passphrase only to learn that.
func caPassphrase(e *env, h *setup.Host, file string) ([]byte, error) {
	if err := h.RequireCA(); err != nil {
		return nil, err
	}
	return passphraseSource{file: file}.read(e, false)
}

func newClientListCmd(env *env) *cobra.Command {
	var root string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the client certificates issued, with expiry",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			rows, err := env.host(root).Clients()
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(env.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(env.stdout, "No client certificates yet: add one with \"docker-tls client add NAME\".")
				return nil
			}
			tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSERIAL\tNOT AFTER\tDAYS LEFT\tKEY\tBUNDLE")
			for _, r := range rows {
				left := fmt.Sprint(r.DaysLeft)
				if r.Problem != "" {
					left = r.Problem
				}
				key := "in bundle"
				if r.FromRequest {
					key = "member's" // issued for their request: the key stayed with them
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Serial, r.NotAfter.Format("2006-01-02"), left, key, r.Bundle)
			}
			return tw.Flush()
		},
	}
	rootFlag(cmd, &root)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
