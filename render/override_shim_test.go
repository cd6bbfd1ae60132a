package render

import (
	"fmt"
	"strings"
)

// StripDaemonJSONFlags and RenderOverride were product API that only tests
// reached (issue 20); the product renders override.conf through Build. They
// stay here, test-only, for unit_test.go's TestStripDaemonJSONFlags and
// FuzzEffectiveExecStart: delete this file together with those.

func StripDaemonJSONFlags(cmdline string) (rest string, removed []string) {
	rest, _, removed = cutLiteral(cmdline, setFlag.daemonJSONOwned)
	return rest, removed
}

func RenderOverride(existing []byte, execStart string) (out []byte, changed bool, reason string, err error) {
	execStart = strings.TrimSpace(execStart)
	if execStart == "" {
		return existing, false, "docker.service has no ExecStart; no override written", nil
	}
	rest, removed := StripDaemonJSONFlags(execStart)
	if len(removed) == 0 {
		return existing, false, noOverrideReason(existing), nil
	}
	if strings.Contains(rest, "\n") {
		return nil, false, "", fmt.Errorf("ExecStart %q spans several lines; refusing to guess how to rewrite it", execStart)
	}
	out = renderOverride(existing, overrideEdit{execStart: rest})
	return out, string(out) != string(existing), "", nil
}
