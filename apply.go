package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
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
the TLS endpoint with a client bundle. If dockerd does not come back or the probe
fails, the files of the last docker-tls run are restored from their backups (only
if nothing changed them since) and Docker is restarted again.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkApplyRoot(root); err != nil {
				return err
			}
			res, err := loadLastRun(root)
			if err != nil {
				return withHint(err, "Nothing to roll back to: run \"docker-tls init\" first, or restart Docker yourself.")
			}
			return applyHost(env, root, res)
		},
	}
	rootFlag(cmd, &root)
	return cmd
}

// systemctlEnv names the systemctl to run instead of the one on PATH. Only
// with it may --apply be used with a --root other than /: restarting the
// host's Docker for files written in a sandbox would restart the wrong
// daemon (the end to end tests point it at a stand-in that runs a dockerd on
// the sandbox's files).
const systemctlEnv = "DOCKER_TLS_SYSTEMCTL"

func checkApplyRoot(root string) error {
	if root == "/" || root == "" || os.Getenv(systemctlEnv) != "" {
		return nil
	}
	return usagef("--apply restarts this host's Docker, which does not read the files under --root %s: copy them to / first, then run \"docker-tls apply\"", root)
}

// applyHost restarts Docker and probes it; on failure it restores what res
// wrote, restarts again and reports what failed, with journal lines.
func applyHost(e *env, root string, res *render.Result) error {
	fmt.Fprintln(e.stdout, "\nApplying: systemctl daemon-reload && systemctl restart docker")
	err := restartAndProbe(root, res)
	if err == nil {
		fmt.Fprintln(e.stdout, "Docker is back and answers over mutual TLS (GET /_ping with a client bundle).")
		forgetLastRun(root)
		return nil
	}
	fmt.Fprintf(e.stderr, "%v\nRolling back...\n", err)
	// Read the journal now: the restart below logs a page of its own and
	// would push out the lines that say why the new configuration failed.
	j := journal()
	if rerr := render.Rollback(root, res); rerr != nil {
		return fmt.Errorf("%v; %w", err, rerr)
	}
	forgetLastRun(root)
	rerr := systemctl("daemon-reload")
	if rerr == nil {
		rerr = systemctl("restart", "docker")
	}
	msg := fmt.Sprintf("%v; the previous files were restored", err)
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

// restartAndProbe restarts Docker and waits until it answers over mutual TLS.
// Only a refused or reset connection is waited out: a certificate error will
// not go away by itself, so it is reported at once.
func restartAndProbe(root string, res *render.Result) error {
	if err := systemctl("daemon-reload"); err != nil {
		return err
	}
	if err := systemctl("restart", "docker"); err != nil {
		return fmt.Errorf("Docker did not restart with the new configuration: %w", err)
	}
	addr, err := tlsAddr(root)
	if err != nil {
		return err
	}
	fqdn, _ := endpoint(root)
	bundle, err := probeBundle(root, res)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(applyWait)
	for {
		err = ping(root, bundle, addr, fqdn, 3*time.Second)
		switch {
		case err == nil:
			return nil
		case !notUpYet(err):
			return fmt.Errorf("Docker is up but the TLS probe with %s failed: %w", bundle, err)
		case time.Now().After(deadline):
			return fmt.Errorf("Docker did not answer on %s within %s: %w", addr, applyWait, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// notUpYet: the daemon is not listening (yet), as opposed to a TLS failure.
func notUpYet(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
}

// probeBundle picks a client bundle issued by the current CA: preferably one
// written by this run, else the first that chains to ca/ca.pem. A bundle left
// from a CA replaced with --force would fail the probe for no fault of Docker.
func probeBundle(root string, res *render.Result) (string, error) {
	rows, err := listClients(root, time.Now())
	if err != nil {
		return "", err
	}
	var fallback string
	for _, r := range rows {
		if r.Problem != "" {
			continue
		}
		if res != nil && slices.Contains(res.Written, r.Bundle+"/cert.pem") {
			return r.Bundle, nil
		}
		if fallback == "" {
			fallback = r.Bundle
		}
	}
	if fallback == "" {
		return "", fmt.Errorf("no client bundle from the current CA to probe with: add one with \"docker-tls client add NAME\"")
	}
	return fallback, nil
}

func systemctl(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name := "systemctl"
	if v := os.Getenv(systemctlEnv); v != "" {
		name = v
	}
	cmd := exec.CommandContext(ctx, name, args...)
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

// forgetLastRun: once applied or rolled back, the record must not be used
// again, or a later rollback would undo newer work.
func forgetLastRun(root string) { os.Remove(render.Join(root, lastRunFile)) }

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
