package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/render"
	"github.com/spf13/cobra"
)

// How long dockerd gets to come back after a restart before we roll back.
const applyWait = 45 * time.Second

func newApplyCmd(env *env) *cobra.Command {
	var root string
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Restart Docker with the written configuration and probe TLS; roll back the last run if it fails",
		Long: `apply runs systemctl daemon-reload and systemctl restart docker, then connects to
the TLS endpoint with the first client bundle. If dockerd does not come back or the
probe fails, the files of the last docker-tls run are restored from their backups
and Docker is restarted again.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			res, err := loadLastRun(root)
			if err != nil {
				return withHint(err, "Nothing to roll back to: run \"docker-tls init\" first, or restart Docker yourself.")
			}
			return applyHost(env, root, res)
		},
	}
	cmd.Flags().StringVar(&root, "root", "/", "treat DIR as the file system root, like DESTDIR")
	return cmd
}

// applyHost restarts Docker and probes it; on failure it restores what res
// wrote, restarts again and reports what failed, with journal lines.
func applyHost(e *env, root string, res *render.Result) error {
	fmt.Fprintln(e.stdout, "\nApplying: systemctl daemon-reload && systemctl restart docker")
	err := restartAndProbe(root)
	if err == nil {
		fmt.Fprintln(e.stdout, "Docker is back and answers over mutual TLS (GET /_ping with the first client bundle).")
		return nil
	}
	fmt.Fprintf(e.stderr, "Docker did not come back with the new configuration: %v\nRolling back...\n", err)
	// Read the journal now: the restart below logs a page of its own and
	// would push out the lines that say why the new configuration failed.
	j := journal()
	if rerr := render.Rollback(root, res); rerr != nil {
		return fmt.Errorf("apply failed (%v) and the rollback failed too: %w", err, rerr)
	}
	rerr := systemctl("daemon-reload")
	if rerr == nil {
		rerr = systemctl("restart", "docker")
	}
	msg := fmt.Sprintf("apply failed: %v; the previous files were restored", err)
	if rerr != nil {
		msg += fmt.Sprintf(", but restarting Docker again failed too: %v", rerr)
	} else {
		msg += " and Docker was restarted with them"
	}
	if j != "" {
		msg += "\nLast lines of the docker journal:\n" + j
	}
	return withHint(fmt.Errorf("%s", msg), "Fix what the journal says, then run \"docker-tls init\" again; \"docker-tls status\" shows conflicts.")
}

func restartAndProbe(root string) error {
	if err := systemctl("daemon-reload"); err != nil {
		return err
	}
	if err := systemctl("restart", "docker"); err != nil {
		return err
	}
	addr, err := tlsAddr(root)
	if err != nil {
		return err
	}
	fqdn, _ := endpoint(root)
	rows, err := listClients(root, time.Now())
	if err != nil || len(rows) == 0 || rows[0].Bundle == "" {
		return fmt.Errorf("no client bundle to probe with")
	}
	deadline := time.Now().Add(applyWait)
	for {
		err = ping(root, rows[0].Bundle, addr, fqdn, 3*time.Second)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func systemctl(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemctl", args...)
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func journal() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "journalctl", "-u", "docker", "-n", "15", "--no-pager")
	cmd.Env = childEnv()
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// lastRunFile records what the last run wrote and backed up, so that a later
// `docker-tls apply` can roll it back if Docker does not come back.
const lastRunFile = tlsDir + "/last-run.json"

func saveLastRun(root string, res *render.Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(render.Join(root, lastRunFile), append(b, '\n'), modeKey)
}

func loadLastRun(root string) (*render.Result, error) {
	b, ok, err := readFile(root, lastRunFile)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no record of a previous run (%s)", lastRunFile)
	}
	var res render.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", lastRunFile, err)
	}
	return &res, nil
}

// childEnv is our environment without the CA passphrase: the commands we run
// have no use for it, and a child's environment is readable in /proc.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, passEnv+"=") {
			env = append(env, kv)
		}
	}
	return env
}
