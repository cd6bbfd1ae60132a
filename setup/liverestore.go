package setup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
)

// RestartImpact is what restarting Docker would do to the containers that
// run: without live-restore, dockerd stops them all when it stops.
type RestartImpact struct {
	// Reached: the running daemon answered. When it did not (it is not
	// running, or nothing here can talk to it), nothing is known.
	Reached bool
	Via     string // where it answered: a unix socket or tcp://HOST:PORT
	Running int    // containers running
	// LiveRestore: the running daemon has live-restore on, so a restart
	// leaves its containers running.
	LiveRestore bool
	// Configured: daemon.json sets "live-restore": true (maybe not loaded
	// yet: a reload loads it).
	Configured bool
	// Swarm: the node is in swarm mode, where live-restore is not
	// supported (dockerd refuses it): its containers stop on a restart.
	Swarm bool
}

// StopsContainers: restarting Docker now stops running containers.
func (r *RestartImpact) StopsContainers() bool { return r.Reached && r.Running > 0 && !r.LiveRestore }

// CanKeepContainers: turning live-restore on would keep them running.
func (r *RestartImpact) CanKeepContainers() bool { return !r.Swarm }

// info is what docker-tls reads from GET /info.
type info struct {
	ContainersRunning  int
	LiveRestoreEnabled bool
	Swarm              struct{ LocalNodeState string }
}

// CheckRestart asks the running daemon (over the unix socket on the real
// root, else over TLS with a member's bundle) how many containers run and
// whether live-restore is on, before a restart that apply or the wizard
// performs. The front ends only ask the admin; what to ask is decided here.
func (h *Host) CheckRestart(ctx context.Context) *RestartImpact {
	r := &RestartImpact{}
	if cfg, err := h.daemonConfig(); err == nil && cfg != nil && cfg.LiveRestore != nil {
		r.Configured = *cfg.LiveRestore
	}
	in, via, err := h.dockerInfo(ctx)
	if err != nil {
		return r
	}
	r.Via = via
	r.read(in)
	return r
}

// read takes what GET /info said. A node in swarm mode is "active" (also
// "pending" or "locked" on the way); "inactive" or none is not.
func (r *RestartImpact) read(in *info) {
	r.Reached = true
	r.Running = in.ContainersRunning
	r.LiveRestore = in.LiveRestoreEnabled
	r.Swarm = in.Swarm.LocalNodeState != "" && in.Swarm.LocalNodeState != "inactive"
}

// ErrSwarm: live-restore cannot be turned on in swarm mode. dockerd 20.10
// even accepts it on a reload, then refuses to start: "Error starting cluster
// component: --live-restore daemon configuration is incompatible with swarm
// mode".
var ErrSwarm = errors.New("this node is in swarm mode, where dockerd refuses live-restore (it would not start again)")

// Refused is why Docker must not be restarted now: daemon.json sets
// live-restore on a node in swarm mode, and dockerd would not start again.
func (r *RestartImpact) Refused() error {
	if r.Swarm && r.Configured {
		return hint.With(fmt.Errorf("%s sets \"live-restore\": true and %w", render.DaemonJSONPath, ErrSwarm),
			"Remove \"live-restore\" from daemon.json first; its containers then stop when Docker restarts (drain the node first: docker node update --availability drain NODE).")
	}
	return nil
}

// EnableLiveRestore sets "live-restore": true in daemon.json and reloads
// dockerd (SIGHUP, "systemctl reload docker"), which applies it without a
// restart, then checks that the daemon has it on. The write joins the
// record of the last run, so that apply still rolls back as one what that
// run wrote.
func (h *Host) EnableLiveRestore(ctx context.Context) error {
	if err := h.CanApply(); err != nil {
		return err
	}
	if err := h.lockForWrite(); err != nil {
		return err
	}
	if r := h.CheckRestart(ctx); r.Swarm {
		return hint.With(ErrSwarm, "Its containers stop when Docker restarts: drain the node first (docker node update --availability drain NODE), or restart at a quiet time.")
	}
	if err := h.writeLiveRestore(); err != nil {
		return err
	}
	if err := h.systemd.Systemctl(ctx, "reload", "docker"); err != nil {
		return fmt.Errorf("reloading Docker to turn live-restore on: %w", err)
	}
	return h.waitLiveRestore(ctx)
}

// writeLiveRestore sets "live-restore": true in daemon.json, unless it is
// on already, as part of the last run's record.
func (h *Host) writeLiveRestore() error {
	cfg, err := h.daemonConfig()
	if err != nil || cfg != nil && cfg.LiveRestore != nil && *cfg.LiveRestore {
		return err
	}
	listen := h.Listen()
	if listen == "" {
		return fmt.Errorf("%s has no tcp:// host to keep", render.DaemonJSONPath)
	}
	trust := pki.TrustCA
	if h.memberTrust() {
		trust = pki.TrustMember
	}
	host := hostConfig(listen, trust)
	host.LiveRestore = true
	changes, err := h.build(nil, host)
	if err != nil {
		return err
	}
	// The intent covers the write (a run killed part-way is rolled back);
	// the record is the last run's, joined below.
	c := *changes
	c.Journal = &render.Journal{Path: JournalPath, Allow: h.allowed(), FS: h.fs}
	res, err := c.Apply(nil)
	if err != nil {
		return err
	}
	if err := h.joinLastRun(res); err != nil {
		return fmt.Errorf("live-restore was written to %s, but the record of the last run could not be updated: %w", render.DaemonJSONPath, err)
	}
	return nil
}

// waitLiveRestore waits for dockerd to report live-restore on after the
// reload.
func (h *Host) waitLiveRestore(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		in, _, err := h.dockerInfo(ctx)
		if err == nil && in.LiveRestoreEnabled {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("it still reports live-restore off")
			}
			return hint.With(fmt.Errorf("docker did not turn live-restore on after a reload: %w", err),
				"Look at \"journalctl -u docker\" for why; \"docker info\" shows \"Live Restore Enabled\".")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// joinLastRun adds what res wrote to the record of the last run: a file
// that run wrote too keeps that run's backup (rolling back restores it as
// it was before both) and gets the new checksum.
func (h *Host) joinLastRun(res *render.Result) error {
	last, err := h.loadLastRun()
	if errors.Is(err, ErrNoRun) {
		return h.journal().SaveRecord(h.root, res)
	}
	if err != nil {
		return err
	}
	for _, r := range res.Restores {
		found := false
		for i := range last.Restores {
			if last.Restores[i].Path == r.Path {
				last.Restores[i].SHA256 = r.SHA256
				found = true
			}
		}
		if !found {
			last.Restores = append(last.Restores, r)
			last.Written = append(last.Written, r.Path)
		}
	}
	last.Backups = append(last.Backups, res.Backups...)
	last.Dirs = append(last.Dirs, res.Dirs...)
	return h.journal().SaveRecord(h.root, last)
}

// dockerInfo does GET /info on the running daemon: over its unix sockets on
// the real root (the sockets of a sandbox's daemon.json are the host's),
// else over TLS with each member's bundle in turn.
func (h *Host) dockerInfo(ctx context.Context) (*info, string, error) {
	var tries []func() (*http.Client, string, string)
	if !h.Sandbox() {
		socks := []string{render.DefaultSocket}
		if cfg, err := h.daemonConfig(); err == nil && cfg != nil {
			socks = nil
			for _, s := range cfg.Hosts {
				if d, err := render.ParseDockerHost(s); err == nil && d.Proto == "unix" {
					socks = append(socks, "unix://"+d.Path)
				}
			}
		}
		for _, s := range socks {
			path := s[len("unix://"):]
			if path == "" {
				path = render.DefaultSocket[len("unix://"):]
			}
			tries = append(tries, func() (*http.Client, string, string) {
				return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
					DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
						return (&net.Dialer{}).DialContext(ctx, "unix", path)
					}}}, "http://docker", "unix://" + path
			})
		}
	}
	if addr, err := h.tlsAddr(); err == nil {
		fqdn, _ := h.Endpoint()
		rows, _ := h.Clients()
		for _, r := range rows {
			if r.Problem != "" {
				continue
			}
			dir := r.Bundle
			tries = append(tries, func() (*http.Client, string, string) {
				c, err := h.bundleClient(dir, fqdn, 5*time.Second)
				if err != nil {
					return nil, "", ""
				}
				return c, "https://" + addr, "tcp://" + addr
			})
		}
	}
	var last error = errors.New("no way to reach the daemon")
	for _, try := range tries {
		c, base, via := try()
		if c == nil {
			continue
		}
		body, err := member.GetOK(ctx, c, base, "/info", 1<<20)
		if err != nil {
			last = err
			continue
		}
		var in info
		if err := json.Unmarshal(body, &in); err != nil {
			last = fmt.Errorf("GET /info: %w", err)
			continue
		}
		return &in, via, nil
	}
	return nil, "", last
}
