package render

import (
	"fmt"
	"strings"
)

// managedComment explains the override to whoever opens it. Its lines are
// fixed so that a re-run can recognise and replace them.
var managedComment = []string{
	`# Managed by docker-tls. The -H/--host and --tls* flags moved to`,
	`# /etc/docker/daemon.json ("hosts", "tls", "tlsverify", ...): dockerd`,
	`# refuses to start when a setting is both a flag and in daemon.json.`,
	`# The empty ExecStart= clears the unit's command first; systemd`,
	`# refuses a second ExecStart= otherwise.`,
}

// legacyComment is managedComment as earlier versions wrote it; a re-run
// replaces it too.
var legacyComment = []string{
	`# Managed by docker-tls. The -H/--host flags moved to "hosts" in`,
	`# /etc/docker/daemon.json: dockerd refuses to start when hosts is set`,
	`# both as a flag and in daemon.json. The empty ExecStart= clears the`,
	`# unit's command first; systemd refuses a second ExecStart= otherwise.`,
}

// StripDaemonJSONFlags returns cmdline without the options that daemon.json
// now sets: -H/--host (as SplitHostFlags) and --tls, --tlsverify,
// --tlscacert, --tlscert, --tlskey (as SplitTLSFlags). removed lists them as
// written, e.g. ["-H fd://", "--tlsverify"].
func StripDaemonJSONFlags(cmdline string) (rest string, removed []string) {
	rest, found := cutFlags(cmdline, matchDaemonJSON)
	for _, f := range found {
		removed = append(removed, f.raw)
	}
	return rest, removed
}

// RenderOverride returns the new override.conf for docker.service given the
// existing override (nil if none) and the effective ExecStart: the same
// command line without the -H/--host and --tls* options. When execStart
// passes none of them, nothing needs overriding: out is existing, changed is
// false and reason says why.
func RenderOverride(existing []byte, execStart string) (out []byte, changed bool, reason string, err error) {
	execStart = strings.TrimSpace(execStart)
	if execStart == "" {
		return existing, false, "docker.service has no ExecStart; no override written", nil
	}
	rest, removed := StripDaemonJSONFlags(execStart)
	if len(removed) == 0 {
		if hasExecStart(existing) {
			return existing, false, "docker.service's ExecStart (as set by " + OverridePath + ") passes no -H or --tls* flags; daemon.json is enough, override left as it is", nil
		}
		return existing, false, "docker.service passes no -H or --tls* flags; daemon.json is enough, no override written", nil
	}
	if strings.Contains(rest, "\n") {
		return nil, false, "", fmt.Errorf("ExecStart %q spans several lines; refusing to guess how to rewrite it", execStart)
	}
	block := append(append([]string{}, managedComment...), "ExecStart=", "ExecStart="+rest)

	var lines []string
	inserted := false
	for _, l := range parseUnit(existing) {
		switch {
		case l.header && l.section == "Service" && !inserted:
			lines = append(lines, l.raw...)
			lines = append(lines, block...)
			inserted = true
			continue
		case l.section == "Service" && l.key == "ExecStart":
			continue // replaced by ours
		case l.key == "" && !l.header && len(l.raw) == 1 && isManagedComment(strings.TrimSpace(l.raw[0])):
			continue // our comment from an earlier run
		}
		lines = append(lines, l.raw...)
	}
	if !inserted {
		if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			lines = append(lines, "")
		}
		lines = append(lines, "[Service]")
		lines = append(lines, block...)
	}
	out = []byte(strings.Join(lines, "\n") + "\n")
	return out, string(out) != string(existing), "", nil
}

func isManagedComment(line string) bool {
	return contains(managedComment, line) || contains(legacyComment, line)
}

func hasExecStart(unit []byte) bool {
	for _, l := range parseUnit(unit) {
		if l.section == "Service" && l.key == "ExecStart" {
			return true
		}
	}
	return false
}
