package render

import "strings"

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

// managedEnvComment introduces the Environment= lines the override writes
// for variables that ExecStart expands (fixed lines, as managedComment).
var managedEnvComment = []string{
	`# Environment= below: variables ExecStart expands, without their -H/--host`,
	`# and --tls* flags (daemon.json sets those now).`,
}

// noOverrideReason says why no override is needed.
func noOverrideReason(existing []byte) string {
	if hasExecStart(existing) {
		return "docker.service's ExecStart (as set by " + OverridePath + ") passes no -H or --tls* flags; daemon.json is enough, override left as it is"
	}
	return "docker.service passes no -H or --tls* flags; daemon.json is enough, no override written"
}

// envAssign is one variable the override (re)defines.
type envAssign struct{ name, value string }

// overrideEdit is what the override changes.
type overrideEdit struct {
	execStart string      // the new ExecStart= value; "" keeps the file's own
	env       []envAssign // variables to define with Environment=
}

// renderOverride returns existing with e applied: a new ExecStart= (after
// the empty one that clears the unit's) and Environment= lines that
// redefine variables, at the top of [Service], each after its fixed
// comment. Earlier assignments of the same settings in the file go; every
// other line is kept as written.
func renderOverride(existing []byte, e overrideEdit) []byte {
	block, redefined := e.block()
	var lines []string
	inserted := false
	for _, l := range parseUnit(existing) {
		if l.header && l.section == "Service" && !inserted {
			lines = append(lines, l.raw...)
			lines = append(lines, block...)
			inserted = true
			continue
		}
		lines = append(lines, e.kept(l, redefined)...)
	}
	if !inserted {
		if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			lines = append(lines, "")
		}
		lines = append(lines, "[Service]")
		lines = append(lines, block...)
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// block returns the lines e writes at the top of [Service], each group
// after its fixed comment, and the variables it redefines.
func (e overrideEdit) block() (lines []string, redefined map[string]bool) {
	if e.execStart != "" {
		lines = append(lines, managedComment...)
		lines = append(lines, "ExecStart=", "ExecStart="+e.execStart)
	}
	redefined = map[string]bool{}
	if len(e.env) > 0 {
		lines = append(lines, managedEnvComment...)
		for _, a := range e.env {
			lines = append(lines, "Environment="+encodeEnvironment(a.name, a.value))
			redefined[a.name] = true
		}
	}
	return lines, redefined
}

// kept returns what stays of the existing line l: nothing of an
// assignment the block replaces or of a comment an earlier run wrote, an
// Environment= line without the variables redefined, any other line as
// written.
func (e overrideEdit) kept(l unitLine, redefined map[string]bool) []string {
	switch {
	case l.section == "Service" && l.key == "ExecStart" && e.execStart != "":
		return nil // replaced by ours
	case l.section == "Service" && l.key == "Environment" && len(redefined) > 0:
		if rest, ok := withoutAssignments(l.value, redefined); ok {
			if rest == "" {
				return nil
			}
			return []string{"Environment=" + rest}
		}
	case l.key == "" && !l.header && len(l.raw) == 1 && isManagedComment(strings.TrimSpace(l.raw[0])):
		return nil // our comment from an earlier run
	}
	return l.raw
}

// withoutAssignments rewrites an Environment= value without the variables
// in drop; ok is false when it sets none of them (keep the line as it is).
func withoutAssignments(value string, drop map[string]bool) (string, bool) {
	defs, parsed := parseEnvironment(value)
	if !parsed {
		return "", false
	}
	var kept []string
	hit := false
	for _, d := range defs {
		if drop[d.name] {
			hit = true
			continue
		}
		kept = append(kept, encodeEnvironment(d.name, d.value))
	}
	return strings.Join(kept, " "), hit
}

func isManagedComment(line string) bool {
	return contains(managedComment, line) || contains(legacyComment, line) || contains(managedEnvComment, line)
}

func hasExecStart(unit []byte) bool {
	for _, l := range parseUnit(unit) {
		if l.section == "Service" && l.key == "ExecStart" {
			return true
		}
	}
	return false
}
