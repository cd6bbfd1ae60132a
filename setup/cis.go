package setup

import (
	"fmt"
	"os"
	"path"

	"golang.org/x/sys/unix"

	"github.com/docker-tls/docker-tls/render"
)

// The CIS Docker Benchmark is what hardened Docker hosts are audited
// against, usually with docker-bench-security. status checks the items
// about the daemon's TLS and its files the way that tool does (its
// tests/*.sh, docker/docker-bench-security @ ff26d67), and names each item
// it finds failing, so that the audit holds no surprise.

// cisFile is what the benchmark asks of one file: owned by root:root (item
// owner), and a mode that grants nothing beyond max (item mode), or
// exactly max. docker-bench-security compares "stat -c %a" with max as a
// number ("-le 444"); a mode within max passes that too.
type cisFile struct {
	owner, mode string
	path        string
	max         os.FileMode
	exact       bool
}

// cisFiles are the files the benchmark asks about, where they are on this
// host: the TLS files daemon.json names, daemon.json itself (or the file
// --config-file names: what dockerd reads, and what the audit reads), and
// the environment files of Debian's and Red Hat's packages.
func cisFiles(cfg *render.DaemonConfig, cfgPath string) []cisFile {
	var files []cisFile
	if cfg != nil {
		for _, f := range []cisFile{
			{"3.9", "3.10", cfg.TLSCACert, 0o444, false},
			{"3.11", "3.12", cfg.TLSCert, 0o444, false},
			{"3.13", "3.14", cfg.TLSKey, 0o400, true},
		} {
			if path.IsAbs(f.path) && path.Clean(f.path) == f.path {
				files = append(files, f)
			}
		}
	}
	return append(files,
		cisFile{"3.17", "3.18", cfgPath, 0o644, false},
		cisFile{"3.19", "3.20", render.DefaultDockerPath, 0o644, false},
		cisFile{"3.22", "3.21", render.SysconfigDockerPath, 0o644, false}, // the benchmark numbers this one mode first
	)
}

// cisFindings reports each file of cisFiles that exists and fails its
// items. Owners are checked when running as root (a sandbox made by
// another user cannot hold root's files).
func (h *Host) cisFindings(cfg *render.DaemonConfig, cfgPath string, add func(Finding)) {
	for _, f := range cisFiles(cfg, cfgPath) {
		fi, err := h.fs.Lstat(f.path)
		if err != nil || !fi.Mode().IsRegular() {
			continue // missing or refused: other findings say so
		}
		st, ok := fi.Sys().(*unix.Stat_t)
		if !ok {
			continue
		}
		if h.fs.Strict() && (st.Uid != 0 || st.Gid != 0) {
			add(Finding{CIS: f.owner, Message: fmt.Sprintf("%s is owned by %d:%d; the benchmark asks root:root: chown root:root %s",
				f.path, st.Uid, st.Gid, h.Path(f.path))})
		}
		mode := os.FileMode(st.Mode & 0o7777) // the special bits count too ("stat -c %a" shows them)
		switch {
		case f.exact && mode != f.max:
			add(Finding{CIS: f.mode, Message: fmt.Sprintf("%s is %04o; the benchmark asks %04o: chmod %o %s",
				f.path, mode, f.max, f.max, h.Path(f.path))})
		case !f.exact && mode&^f.max != 0:
			add(Finding{CIS: f.mode, Message: fmt.Sprintf("%s is %04o; the benchmark asks %04o or stricter: chmod %o %s",
				f.path, mode, f.max, f.max, h.Path(f.path))})
		}
	}
}

// advice is what status suggests without calling it a problem: hosts the
// line-based audit cannot see (CIS 2.7) in daemon.json (cfgPath, holding
// cfgJSON), and live-restore off (CIS 2.15) by what the running daemon said
// (r).
func advice(cfg *render.DaemonConfig, cfgPath string, cfgJSON []byte, r *RestartImpact) []Finding {
	out := []Finding{}
	if f := lineAuditAdvice(cfg, cfgPath, cfgJSON); f != nil {
		out = append(out, *f)
	}
	if f := liveRestoreAdvice(cfgPath, r); f != nil {
		out = append(out, *f)
	}
	return out
}

// lineAuditAdvice: daemon.json sets a TCP listener with tlsverify, but not
// where docker-bench-security looks for them (render.LineAudit), so the
// audit reports "Docker daemon not listening on TCP" or TLS not verified.
func lineAuditAdvice(cfg *render.DaemonConfig, cfgPath string, b []byte) *Finding {
	if cfg == nil || cfg.TLSVerify == nil || !*cfg.TLSVerify {
		return nil // a problem, not advice: Status says so
	}
	hasTCP := false
	for _, s := range cfg.Hosts {
		if d, err := render.ParseDockerHost(s); err == nil && d.Proto == "tcp" {
			hasTCP = true
		}
	}
	if !hasTCP {
		return nil
	}
	tcp, verify := render.LineAudit(b)
	switch {
	case !tcp:
		return &Finding{CIS: "2.7", Message: fmt.Sprintf("%s spreads \"hosts\" over several lines, so an audit that reads it line by line (docker-bench-security) does not see the TLS listener and reports \"Docker daemon not listening on TCP\": \"docker-tls init\" puts the list on the line of its key", cfgPath)}
	case !verify:
		return &Finding{CIS: "2.7", Message: fmt.Sprintf("%s sets \"tlsverify\": true where an audit that reads it line by line (docker-bench-security) does not find it: write \"tlsverify\": true on one line", cfgPath)}
	}
	return nil
}

// liveRestoreAdvice: with live-restore off, every restart of Docker (for a
// new certificate, or "docker-tls apply") stops the running containers. r
// is what the running daemon said; when dockerd could not be reached,
// daemon.json says what it will run with. A node in swarm mode is left alone: dockerd
// refuses live-restore there (and the benchmark passes the item).
func liveRestoreAdvice(cfgPath string, r *RestartImpact) *Finding {
	const stops = "restarting Docker stops every running container"
	turnOn := fmt.Sprintf("turn it on without a restart: \"live-restore\": true in %s, then \"systemctl reload docker\" (or \"docker-tls apply --live-restore\")", cfgPath)
	switch {
	case r.Reached && (r.Swarm || r.LiveRestore):
		return nil
	case r.Reached && r.Configured:
		return &Finding{CIS: "2.15", Message: fmt.Sprintf("%s sets \"live-restore\": true, but the running dockerd has it off (not reloaded since): \"systemctl reload docker\" turns it on without a restart", cfgPath)}
	case r.Reached:
		return &Finding{CIS: "2.15", Message: "live-restore is off: " + stops + "; " + turnOn}
	case r.Configured:
		return nil
	}
	return &Finding{CIS: "2.15", Message: fmt.Sprintf("live-restore is off in %s (dockerd did not answer): %s; %s", cfgPath, stops, turnOn)}
}
