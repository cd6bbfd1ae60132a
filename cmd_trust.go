package main

import (
	"fmt"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/spf13/cobra"
)

func newTrustCmd(env *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "How dockerd trusts members: finish a switch to per-member trust",
		Args:  noArgs,
	}
	cmd.AddCommand(newTrustFinalizeCmd(env))
	return cmd
}

type trustFinalizeFlags struct {
	root, passFile string
	yes, dryRun    bool
}

func newTrustFinalizeCmd(env *env) *cobra.Command {
	f := &trustFinalizeFlags{}
	cmd := &cobra.Command{
		Use:   "finalize [--yes]",
		Short: "End a switch to per-member trust: stop trusting the old root as a whole",
		Long: `A switch from CA-wide to per-member trust ("docker-tls init --trust member")
keeps the old root in dockerd's tlscacert, so that members who have not installed
their new bundle yet still get in. Once everyone has moved, finalize drops it:
from the next restart of Docker, only the members' anchors are trusted, and an
old bundle is refused. When the switch made a new root (the old one could not
sign anchors), the server certificate is renewed from the new root too, which
needs the CA passphrase.`,
		Example: `  docker-tls trust finalize --yes && docker-tls apply`,
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			h := env.host(f.root)
			var pass []byte
			if h.FinalizeNeedsPassphrase() {
				var err error
				if pass, err = caPassphrase(env, h, f.passFile); err != nil {
					return err
				}
			}
			p, err := h.PrepareFinalize(pass)
			if err != nil {
				return err
			}
			w, err := writeReviewed(env, h, p, f.dryRun, func() error { return confirm(env, f.yes, p.Pending()) })
			if err != nil || w == nil {
				return err
			}
			fmt.Fprintf(env.stdout, "\nNext step:\n%s", formatSteps(say.NextSteps(p), "  "))
			return nil
		},
	}
	rootFlag(cmd, &f.root)
	passFileFlag(cmd, &f.passFile)
	cmd.Flags().BoolVar(&f.yes, "yes", false, "write without asking")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "show what would change, write nothing")
	return cmd
}
