package main

import (
	"context"
	"fmt"

	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
)

func newApplyCmd(env *env) *cobra.Command {
	var root string
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Restart Docker with the written configuration and probe TLS; roll back the last run if it fails",
		Long: `apply runs systemctl daemon-reload and systemctl restart docker, then connects to
the TLS endpoint with a client bundle. If dockerd does not come back or the probe
fails, the files of the last docker-tls run are restored from their backups (only
if nothing changed them since) and Docker is restarted again.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := env.host(root)
			if err := h.CanApply(); err != nil {
				return usageErr(err)
			}
			return applyNow(env, h)
		},
	}
	rootFlag(cmd, &root)
	return cmd
}

// applyNow restarts Docker with the last run's files and probes it; setup
// rolls back and says why when it fails.
func applyNow(e *env, h *setup.Host) error {
	fmt.Fprintln(e.stdout, "\nApplying: systemctl daemon-reload && systemctl restart docker")
	a, err := h.Apply(context.Background())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Docker is back and answers over mutual TLS (GET /_ping with the bundle %s).\n", a.Bundle)
	return nil
}
