package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
)

func newApplyCmd(env *env) *cobra.Command {
	var root string
	var rf restartFlags
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Restart Docker with the written configuration and probe TLS; roll back the last run if it fails",
		Long: `apply runs systemctl daemon-reload and systemctl restart docker, then connects to
the TLS endpoint with a client bundle. If dockerd does not come back or the probe
fails, the files of the last docker-tls run are restored from their backups (only
if nothing changed them since) and Docker is restarted again.

Before restarting, it asks the running daemon whether containers run: without
live-restore a restart stops them. It then offers to turn live-restore on
(dockerd reloads it without a restart); without a terminal, say what to do with
--live-restore or --stop-containers.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := rf.check(true); err != nil {
				return err
			}
			h := env.host(root)
			if err := h.CanApply(); err != nil {
				return usageErr(err)
			}
			return applyNow(env, h, rf)
		},
	}
	rootFlag(cmd, &root)
	rf.add(cmd)
	return cmd
}

// restartFlags say what to do about running containers when a restart would
// stop them (live-restore off), for runs without a terminal to ask on.
type restartFlags struct {
	liveRestore, stopContainers bool
}

func (rf *restartFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&rf.liveRestore, "live-restore", false, "before restarting, turn live-restore on (daemon.json, then a reload) so that running containers keep running")
	cmd.Flags().BoolVar(&rf.stopContainers, "stop-containers", false, "restart even though running containers stop (live-restore off, or swarm mode)")
}

func (rf restartFlags) check(restarting bool) error {
	switch {
	case rf.liveRestore && rf.stopContainers:
		return usagef("--live-restore and --stop-containers exclude each other")
	case !restarting && (rf.liveRestore || rf.stopContainers):
		return usagef("--live-restore and --stop-containers go with --apply: without it nothing is restarted")
	}
	return nil
}

// errStops: a restart would stop containers and nobody said it may.
var errStops = errors.New("nothing was restarted")

// beforeRestart asks setup what a restart would do to the running
// containers and, when it would stop them, asks the admin (or reads the
// flags): turn live-restore on first, restart anyway, or stop here.
func beforeRestart(e *env, h *setup.Host, rf restartFlags) error {
	ctx := context.Background()
	r := h.CheckRestart(ctx)
	if !r.StopsContainers() {
		return nil
	}
	n, stop := fmt.Sprintf("%d containers are running", r.Running), fmt.Sprintf("%d running containers would stop", r.Running)
	if r.Running == 1 {
		n, stop = "1 container is running", "1 running container would stop"
	}
	if !r.CanKeepContainers() {
		fmt.Fprintf(e.stdout, "\n%s and this node is in swarm mode, where live-restore does not work: restarting Docker stops them.\n", n)
		drain := "Add --stop-containers to restart anyway (drain the node first: docker node update --availability drain NODE)."
		switch {
		case rf.stopContainers:
			return nil
		case rf.liveRestore:
			return hint.With(fmt.Errorf("%s: --live-restore: %w", errStops, setup.ErrSwarm), drain)
		case !e.interactive():
			return hint.With(fmt.Errorf("%s: %s", errStops, stop), drain)
		}
		if !ask(e, "Restart anyway? [y/N] ", false) {
			return errNotRestarted
		}
		return nil
	}
	fmt.Fprintf(e.stdout, "\n%s and live-restore is off: restarting Docker stops them.\n", n)
	keep := rf.liveRestore
	switch {
	case rf.liveRestore, rf.stopContainers:
	case !e.interactive():
		return hint.With(fmt.Errorf("%s: %s", errStops, stop),
			"Add --live-restore to turn it on first (they keep running), or --stop-containers to restart anyway.")
	default:
		keep = ask(e, "Turn live-restore on first, so that they keep running? (daemon.json, then a reload, no restart) [Y/n] ", true)
		if !keep && !ask(e, "Restart anyway, stopping them? [y/N] ", false) {
			return errNotRestarted
		}
	}
	if !keep {
		return nil
	}
	fmt.Fprintln(e.stdout, "Turning live-restore on: \"live-restore\": true in daemon.json, then systemctl reload docker")
	if err := h.EnableLiveRestore(ctx); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Live-restore is on: the containers keep running through the restart.")
	return nil
}

// ask asks a yes/no question on the terminal; Enter gives def.
func ask(e *env, q string, def bool) bool {
	fmt.Fprint(e.stdout, q)
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "":
		return def
	case "y", "yes":
		return true
	}
	return false
}

// applyNow restarts Docker with the last run's files and probes it; setup
// rolls back and says why when it fails.
func applyNow(e *env, h *setup.Host, rf restartFlags) error {
	if err := beforeRestart(e, h, rf); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nApplying: systemctl daemon-reload && systemctl restart docker")
	a, err := h.Apply(context.Background())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Docker is back and answers over mutual TLS (GET /_ping with the bundle %s).\n", a.Bundle)
	return nil
}
