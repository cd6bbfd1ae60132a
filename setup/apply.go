package setup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/render"
)

// PassphraseEnv is the environment variable the CA passphrase may come from.
// It never reaches a child process: a child's environment is readable in
// /proc.
const PassphraseEnv = "DOCKER_TLS_CA_PASSPHRASE"

// SystemctlEnv names the systemctl to run instead of the one on PATH. Only
// with it may apply be used with a root other than "/": restarting the
// host's Docker for files written in a sandbox would restart the wrong
// daemon (the end to end tests point it at a stand-in that runs a dockerd on
// the sandbox's files).
const SystemctlEnv = "DOCKER_TLS_SYSTEMCTL"

// Systemd restarts Docker and reads its journal.
type Systemd interface {
	Systemctl(ctx context.Context, args ...string) error
	Journal(ctx context.Context) string
}

// ExecSystemd runs systemctl (or $DOCKER_TLS_SYSTEMCTL) and journalctl, each
// with our environment less the CA passphrase.
type ExecSystemd struct{}

func (ExecSystemd) Systemctl(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	name := "systemctl"
	if v := os.Getenv(SystemctlEnv); v != "" {
		name = v
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = ChildEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (ExecSystemd) Journal(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "journalctl", "-u", "docker", "-n", "15", "--no-pager")
	cmd.Env = ChildEnv()
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// ChildEnv is our environment without the CA passphrase: the commands we
// run have no use for it.
func ChildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, PassphraseEnv+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// How long dockerd gets to come back after a restart before we roll back.
const applyWait = 45 * time.Second

// CanApply says whether Apply may restart Docker for this root: only for
// "/", unless a stand-in restarts Docker (a systemctl named by
// $DOCKER_TLS_SYSTEMCTL, or a Systemd a test gives).
func (h *Host) CanApply() error {
	_, real := h.systemd.(ExecSystemd)
	if !h.Sandbox() || !real || os.Getenv(SystemctlEnv) != "" {
		return nil
	}
	return fmt.Errorf("apply restarts this host's Docker, which does not read the files under --root %s: copy them to / first, then run \"docker-tls apply\"", h.root)
}

// Applied is how Apply ended.
type Applied struct {
	Bundle string // the client bundle the probe used
}

// Apply restarts Docker with the files of the last run and probes it over
// mutual TLS. If Docker does not come back, or the probe fails, it restores
// what that run wrote (only if nothing changed them since), restarts Docker
// again, and returns an error with the journal's last lines.
func (h *Host) Apply(ctx context.Context) (*Applied, error) {
	if err := h.CanApply(); err != nil {
		return nil, err
	}
	if err := h.lockForWrite(); err != nil {
		return nil, err
	}
	if h.interrupted {
		// The run to apply is not the one that was interrupted: restarting
		// Docker now would apply an older one.
		return nil, hint.With(fmt.Errorf("nothing was restarted: %s", strings.Join(h.recovered, "; ")),
			"Run the interrupted command again (init, client add or renew), then apply.")
	}
	res, err := h.loadLastRun()
	if errors.Is(err, ErrNoRun) {
		h.dropMade()
		return nil, hint.With(err, "Nothing to roll back to: run \"docker-tls init\" first, or restart Docker yourself.")
	}
	if err != nil {
		return nil, err
	}
	if err := h.CheckRestart(ctx).Refused(); err != nil {
		return nil, err
	}
	bundle, err := h.restartAndProbe(ctx, res)
	if err == nil {
		if err := h.forgetLastRun(); err != nil {
			return nil, fmt.Errorf("docker is back, but forgetting the run applied failed: %w", err)
		}
		return &Applied{Bundle: bundle}, nil
	}
	// Read the journal now: the restart below logs a page of its own and
	// would push out the lines that say why the new configuration failed.
	j := h.systemd.Journal(ctx)
	if rerr := h.rollbackRun(res); rerr != nil {
		return nil, fmt.Errorf("%v; %w", err, rerr)
	}
	rerr := h.systemd.Systemctl(ctx, "daemon-reload")
	if rerr == nil {
		rerr = h.systemd.Systemctl(ctx, "restart", "docker")
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
	return nil, hint.With(errors.New(msg), "Fix what the journal says, then run \"docker-tls init\" again; \"docker-tls status\" shows conflicts.")
}

// restartAndProbe restarts Docker and waits until it answers over mutual
// TLS. Only a refused or reset connection is waited out: a certificate error
// will not go away by itself, so it is reported at once.
func (h *Host) restartAndProbe(ctx context.Context, res *render.Result) (string, error) {
	if err := h.systemd.Systemctl(ctx, "daemon-reload"); err != nil {
		return "", err
	}
	if h.exists(render.RenewTimerPath) {
		// The link init made starts the timer at boot; this starts it now.
		// Best effort: a timer that fails to start is no reason to keep
		// Docker from loading its new configuration, and status says it.
		_ = h.systemd.Systemctl(ctx, "start", path.Base(render.RenewTimerPath))
	}
	if err := h.systemd.Systemctl(ctx, "restart", "docker"); err != nil {
		return "", fmt.Errorf("restarting Docker with the new configuration failed: %w", err)
	}
	addr, err := h.tlsAddr()
	if err != nil {
		return "", err
	}
	fqdn, _ := h.Endpoint()
	bundle, err := h.probeBundle(res.Written)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(applyWait)
	for {
		err = h.ping(bundle, addr, fqdn, 3*time.Second)
		switch {
		case err == nil:
			return bundle, nil
		case !notUpYet(err):
			return "", fmt.Errorf("docker is up, but the TLS probe with %s failed: %w", bundle, err)
		case time.Now().After(deadline):
			return "", fmt.Errorf("no answer from Docker on %s within %s: %w", addr, applyWait, err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
