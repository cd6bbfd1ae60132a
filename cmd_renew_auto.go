package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
)

// autoFlags are renew --auto's: what the timer runs.
type autoFlags struct {
	before  int
	restart string
	metrics string
}

// flagsOnlyWithoutAuto are renew's flags that ask for a person's choice
// (or the passphrase): --auto renews with the current profile, unattended.
var flagsOnlyWithoutAuto = []string{"client", "fqdn", "san-dns", "san-ip", "days", "key-type", "pass-file", "dry-run", "yes"}

func addAutoFlags(cmd *cobra.Command, a *autoFlags) {
	fl := cmd.Flags()
	fl.IntVar(&a.before, "before", 0, "with --auto: renew when fewer than `N` days are left (default: a third of the certificate's life)")
	fl.StringVar(&a.restart, "restart", "safe", "with --auto: restart Docker to load the new certificate, `WHEN`: never, safe (only with live-restore on and no swarm), always")
	fl.StringVar(&a.metrics, "metrics", "", "with --auto: then write Prometheus metrics to `FILE` (node_exporter's textfile collector), as status --probe --metrics")
}

// runAuto is renew --auto: no passphrase, no prompt, no terminal. It exits 0
// when all is well or a restart is pending, 1 when it failed.
func runAuto(cmd *cobra.Command, env *env, root string, a *autoFlags) error {
	for _, name := range []string{"before", "restart", "metrics"} {
		if cmd.Flags().Changed(name) && !cmd.Flags().Changed("auto") {
			return usagef("--%s goes with --auto", name)
		}
	}
	for _, name := range flagsOnlyWithoutAuto {
		if cmd.Flags().Changed(name) {
			return usagef("--auto renews unattended with the certificate's names, key type and lifetime: leave out --%s (or leave out --auto)", name)
		}
	}
	if a.before < 0 {
		return usagef("--before %d: must be a number of days, e.g. --before 30", a.before)
	}
	policy, err := setup.ParseRestartPolicy(a.restart)
	if err != nil {
		return usagef("--restart: %v", err)
	}
	h := env.host(root)
	res, err := h.AutoRenew(context.Background(), setup.AutoInput{Before: a.before, Restart: policy})
	if res != nil && err == nil {
		fmt.Fprint(env.stdout, autoReport(res, env.now()))
	}
	if a.metrics != "" {
		// Every run, due or not: the textfile collector shows what the
		// last one found (restart pending, days left).
		if merr := autoMetrics(h, a.metrics); merr != nil && err == nil {
			err = merr
		}
	}
	return err
}

// autoMetrics writes what status --probe finds, for node_exporter.
func autoMetrics(h *setup.Host, file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return setup.WriteMetrics(file, h.Status(setup.StatusInput{WarnDays: 30, Probe: true}))
}

// autoReport says what renew --auto did, in one or two lines for the
// journal.
func autoReport(r *setup.AutoResult, now time.Time) string {
	if !r.Renewed {
		return fmt.Sprintf("The server certificate ends %s (in %s): nothing to do; it is renewed from %s.\n",
			day(r.NotAfter), daysLeft(r.NotAfter, now), day(r.Due))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Renewed the server certificate through the host issuer: it now ends %s (the old one ended %s).\n", day(r.NewNotAfter), day(r.NotAfter))
	if r.Restarted {
		b.WriteString("Docker was restarted and serves it.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "Restart pending: %s. Docker serves the old certificate until it restarts: \"docker-tls apply\" restarts it now.\n", pendingWhy(r))
	return b.String()
}

func pendingWhy(r *setup.AutoResult) string {
	switch r.Pending {
	case setup.PendingPolicy:
		return "--restart never"
	case setup.PendingStops:
		if r.Running > 0 {
			return fmt.Sprintf("live-restore is off, so a restart would stop the %d running %s (turn it on: \"docker-tls apply\" offers to)", r.Running, containers(r.Running))
		}
		return "live-restore is off, so a restart would stop any container that runs (--restart always restarts all the same)"
	case setup.PendingSwarm:
		return "this node is in swarm mode, where a restart stops its containers"
	case setup.PendingUnknown:
		return "Docker did not answer, so what a restart would stop is unknown"
	case setup.PendingSandbox:
		return "the files are under --root, which this host's Docker does not read"
	}
	return "not restarted"
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func daysLeft(t, now time.Time) string {
	n := int(t.Sub(now).Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func containers(n int) string {
	if n == 1 {
		return "container"
	}
	return "containers"
}
