package main

import (
	"fmt"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
)

// The admin's side of a hand-over: sign a member's request, or pack an
// issued bundle into one file.

func newClientSignCmd(env *env) *cobra.Command {
	var root, passFile, archive string
	var days int
	var force, dryRun, yes bool
	cmd := &cobra.Command{
		Use:   "sign FILE.csr [--archive OUT]",
		Short: "Issue a client certificate for a member's request: their key stays on their machine",
		Example: `  docker-tls client sign alice.csr --archive alice.tar.gz
  docker-tls client sign bob.csr --days 90`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("client sign takes one FILE.csr (made with \"docker-tls request\"), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if err := pki.ValidateDays(fmt.Sprint(days)); err != nil {
				return usagef("--days %d: %v", days, err)
			}
			h := env.host(root)
			req, err := h.ReadRequest(args[0])
			if err != nil {
				return err
			}
			if err := confirmSign(env, req, yes || dryRun); err != nil {
				return err
			}
			pass, err := caPassphrase(env, h, passFile)
			if err != nil {
				return err
			}
			p, err := h.PrepareSign(setup.SignInput{CSR: req.CSR, Days: days, Reissue: force}, pass)
			if err != nil {
				return err
			}
			return writeClient(env, h, p, archive, force, dryRun)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&days, "days", pki.DefaultDays, "valid for `N` days")
	fl.StringVar(&archive, "archive", "", "also pack the bundle into `FILE` (a .tar.gz, mode 0600) to send back")
	passFileFlag(cmd, &passFile)
	rootFlag(cmd, &root)
	fl.BoolVar(&force, "force", false, "sign for a name already issued (the old files are backed up), and replace --archive")
	fl.BoolVar(&dryRun, "dry-run", false, "show what would be written, write nothing")
	fl.BoolVar(&yes, "yes", false, "sign without asking (compare the fingerprint first)")
	return cmd
}

// confirmSign shows what the request asks for (the name, the key type and
// the key's fingerprint, which the member's "docker-tls request" printed)
// and asks before the passphrase is asked: a request swapped on the way
// shows another fingerprint. Without a terminal only --yes signs.
func confirmSign(e *env, req *setup.RequestFile, yes bool) error {
	fmt.Fprintf(e.stdout, "Request from %q: %s key, fingerprint %s (SHA-256).\n", req.Name, req.KeyType, req.Fingerprint)
	if yes {
		return nil
	}
	if !e.interactive() {
		return usagef("nothing was signed: compare the fingerprint with the one %s's \"docker-tls request\" printed, then add --yes to sign (or --dry-run to only look)", req.Name)
	}
	if !ask(e, fmt.Sprintf("Is this the fingerprint %s read out to you? Sign it? [y/N] ", req.Name), false) {
		return errAborted
	}
	return nil
}

func newClientArchiveCmd(env *env) *cobra.Command {
	var root string
	var force bool
	cmd := &cobra.Command{
		Use:     "archive NAME FILE",
		Short:   "Pack an issued member's bundle into one file to hand over (0600)",
		Example: `  docker-tls client archive alice alice.tar.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("client archive takes NAME and FILE, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			name, file := args[0], args[1]
			h := env.host(root)
			m, err := h.ArchiveClient(name)
			if err != nil {
				return err
			}
			data, err := m.Files.Pack(env.now())
			if err != nil {
				return err
			}
			if err := member.WriteArchive(file, data, force, managedTrees(h)...); err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "Archive: %s (0600) for %q, valid until %s, to connect to %s.\n\n", file, m.Name, m.NotAfter.Format("2006-01-02"), m.Endpoint)
			fmt.Fprint(env.stdout, formatSteps(say.Handover(m, file), ""))
			return nil
		},
	}
	rootFlag(cmd, &root)
	cmd.Flags().BoolVar(&force, "force", false, "replace FILE if it is a previous archive")
	return cmd
}
