package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
)

func newClientCmd(env *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Onboard team members: issue, list and remove client certificates",
		Args:  noArgs,
	}
	cmd.AddCommand(newClientAddCmd(env), newClientSignCmd(env), newClientArchiveCmd(env), newClientListCmd(env), newClientRemoveCmd(env))
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
	fl.IntVar(&f.days, "days", pki.DefaultDays, "valid for `N` days")
	fl.StringVar(&f.keyType, "key-type", string(pki.ECDSAP256), keyTypeUsage())
	fl.StringVar(&f.archive, "archive", "", "also pack the bundle into `FILE` (a .tar.gz, mode 0600) to hand over")
	passFileFlag(cmd, &f.passFile)
	rootFlag(cmd, &f.root)
	fl.BoolVar(&f.force, "force", false, "re-issue a name that was already issued (the old files are backed up)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "show what would be written, write nothing")
	return cmd
}

// managedTrees are the directories an archive is never written in: the
// managed tree under --root, and the host's own.
func managedTrees(h *setup.Host) []string {
	return []string{h.Path(setup.TLSDir), setup.TLSDir}
}

// writeClient writes a prepared client bundle (and its archive), then says
// what to hand over.
func writeClient(e *env, h *setup.Host, p *setup.Prepared, archive string, replace, dryRun bool) error {
	var data []byte
	if archive != "" {
		// Checked before anything is written: nothing half-done.
		if err := member.CheckArchivePath(archive, replace, managedTrees(h)...); err != nil {
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
		if err := member.WriteArchive(archive, data, replace, managedTrees(h)...); err != nil {
			// Nothing half-done: take the bundle back out too.
			if rerr := h.Undo(w); rerr != nil {
				return fmt.Errorf("writing %s: %w (and rolling back: %v)", archive, err, rerr)
			}
			return fmt.Errorf("writing %s: %w (the bundle was rolled back)", archive, err)
		}
	}
	m := p.Member
	fmt.Fprintf(e.stdout, "Issued %q: serial %s, valid until %s.\n", m.Name, m.Serial, m.NotAfter.Format("2006-01-02"))
	if l := say.TrustLine(p); l != "" {
		fmt.Fprintf(e.stdout, "%s\n", l)
	}
	fmt.Fprintf(e.stdout, "Bundle:  %s/%s\n", h.Path(m.Dir), memberFiles(m))
	if archive != "" {
		fmt.Fprintf(e.stdout, "Archive: %s (0600)\n", archive)
	}
	fmt.Fprintf(e.stdout, "\n%s", formatSteps(say.IssuedSteps(p, archive), ""))
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
	expiring := -1
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the client certificates issued, with expiry",
		Example: `  docker-tls client list
  docker-tls client list --expiring 30   # who must be renewed this month`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("expiring") && expiring < 0 {
				return usagef("--expiring %d: must be a number of days, e.g. --expiring 30", expiring)
			}
			h := env.host(root)
			rows, err := h.Clients()
			if err != nil {
				return err
			}
			if expiring >= 0 {
				rows = endingWithin(rows, expiring)
			}
			if asJSON {
				enc := json.NewEncoder(env.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			switch {
			case len(rows) == 0 && expiring >= 0:
				fmt.Fprintf(env.stdout, "No client certificate ends within %d days.\n", expiring)
				return nil
			case len(rows) == 0:
				fmt.Fprintln(env.stdout, "No client certificates yet: add one with \"docker-tls client add NAME\".")
				return nil
			}
			if err := printClients(env.stdout, rows); err != nil {
				return err
			}
			if expiring >= 0 {
				fmt.Fprintf(env.stdout, "\nRenew one with \"%s\".\n", say.Command(h.Root(), "renew", "--client", "NAME"))
			}
			if ts, err := h.Trust(); err == nil && ts.Mode == pki.TrustMember && expiring < 0 {
				fmt.Fprintf(env.stdout, "\nTrust: %s\n", trustSentence(ts))
			}
			return nil
		},
	}
	rootFlag(cmd, &root)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&expiring, "expiring", -1, "only the members whose certificate ends within `N` days (removed members left out)")
	return cmd
}

// endingWithin keeps the members (not removed) whose certificate ends
// within days.
func endingWithin(rows []setup.ClientRow, days int) []setup.ClientRow {
	var out []setup.ClientRow
	for _, r := range rows {
		if r.RemovedAt == nil && r.DaysLeft < days {
			out = append(out, r)
		}
	}
	return out
}

// printClients is client list's table; the SLOT column only with
// per-member trust.
func printClients(w io.Writer, rows []setup.ClientRow) error {
	slots := false
	for _, r := range rows {
		slots = slots || r.Slot > 0
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if slots {
		fmt.Fprintln(tw, "NAME\tSERIAL\tNOT AFTER\tDAYS LEFT\tKEY\tSLOT\tBUNDLE")
	} else {
		fmt.Fprintln(tw, "NAME\tSERIAL\tNOT AFTER\tDAYS LEFT\tKEY\tBUNDLE")
	}
	for _, r := range rows {
		left := fmt.Sprint(r.DaysLeft)
		if r.Problem != "" {
			left = r.Problem
		}
		key := "in bundle"
		switch {
		case r.RemovedAt != nil:
			key = "-" // their bundle was moved away with the key
		case r.FromRequest:
			key = "member's" // issued for their request: the key stayed with them
		case r.Bundle == "":
			key = "-" // the bundle's files are gone
		}
		bundle := r.Bundle
		if bundle == "" {
			bundle = "-"
		}
		cols := []string{r.Name, r.Serial, r.NotAfter.Format("2006-01-02"), left, key}
		if slots {
			slot := "-"
			if r.Slot > 0 {
				slot = fmt.Sprint(r.Slot)
			}
			cols = append(cols, slot)
		}
		fmt.Fprintln(tw, strings.Join(append(cols, bundle), "\t"))
	}
	return tw.Flush()
}

type clientRemoveFlags struct {
	root        string
	yes, dryRun bool
}

func newClientRemoveCmd(env *env) *cobra.Command {
	f := &clientRemoveFlags{}
	cmd := &cobra.Command{
		Use:   "remove NAME [--yes]",
		Short: "Shut one member out at the next restart of Docker; nobody else is re-issued",
		Long: `remove drops NAME's anchor (and its key) from the anchors dockerd trusts,
marks NAME removed in the ledger (kept for the record) and moves their bundle
to /etc/docker/tls/ca/removed/. Nobody else's files change. It takes effect
when Docker restarts: "docker-tls apply" restarts it, checks it with another
member's bundle, and rolls back if Docker does not come back.

It needs per-member trust, the default for a new setup; "docker-tls init
--trust member" switches a setup that trusts the whole CA.`,
		Example: `  docker-tls client remove bob
  docker-tls client remove bob --yes && docker-tls apply`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("client remove takes one NAME, got %d arguments", len(args))
			}
			if err := pki.ValidateClientName(args[0]); err != nil {
				return usagef("client name %q: %v", args[0], err)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			h := env.host(f.root)
			p, err := h.PrepareRemove(setup.RemoveInput{Name: name})
			if err != nil {
				return err
			}
			w, err := writeReviewed(env, h, p, f.dryRun, func() error {
				switch {
				case f.yes:
					return nil
				case !env.interactive():
					return usagef("nothing was written: add --yes to remove %s (or --dry-run to only look)", name)
				case !ask(env, fmt.Sprintf("\nRemove %s? They lose access when Docker restarts. [y/N] ", name), false):
					return errAborted
				}
				return nil
			})
			if err != nil || w == nil {
				return err
			}
			if w.ArchiveErr != nil {
				fmt.Fprintf(env.stderr, "warning: the removal is written, but %s could not be moved to %s: %v\n  Move it away by hand; \"docker-tls status\" reports it until then.\n",
					h.Path(p.Removal.Bundle), h.Path(setup.RemovedDir), w.ArchiveErr)
			} else if p.Removal.Archive != "" {
				fmt.Fprintf(env.stdout, "Bundle archived: %s\n", h.Path(p.Removal.Archive))
			}
			fmt.Fprintf(env.stdout, "\nRemoved %s.\n%s", name, formatSteps(say.NextSteps(p), "  "))
			return nil
		},
	}
	rootFlag(cmd, &f.root)
	cmd.Flags().BoolVar(&f.yes, "yes", false, "remove without asking")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "show what would change, write nothing")
	return cmd
}

// trustSentence says how dockerd trusts members, in a sentence.
func trustSentence(ts *setup.TrustState) string {
	switch ts.Mode {
	case pki.TrustMember:
		s := "per member: " + ts.AnchorCount() + ", " + ts.Counts()
		if ts.Free == 0 {
			s += " (the next member added needs a restart of Docker)"
		} else {
			s += " (members added now get in without a restart)"
		}
		if ts.Switch != nil {
			s += fmt.Sprintf(".\nSwitch from CA-wide trust in progress since %s: the old root stays trusted until \"docker-tls trust finalize\"", ts.Switch.Started.Format("2006-01-02"))
		}
		return s + "."
	case pki.TrustCA:
		return "the whole CA: dockerd accepts every certificate it signed; \"docker-tls init --trust member\" switches to per-member trust, so that one member can be removed alone."
	}
	return ""
}
