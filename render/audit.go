package render

import (
	"regexp"
	"strings"
)

// auditHost is the pattern docker-bench-security greps daemon.json for to
// find a TCP listener.
var auditHost = regexp.MustCompile(`host.*tcp://`)

// LineAudit reads a daemon.json the way docker-bench-security's check of
// CIS Docker Benchmark 2.7 ("TLS authentication for Docker daemon is
// configured") does without jq (tests/2_docker_daemon_configuration.sh and
// functions/helper_lib.sh, docker/docker-bench-security @ ff26d67): with
// grep. tcp: a line matches `host.*tcp://` (grep -qE on the file), so the
// audit sees the TCP listener (else it reports "Docker daemon not listening
// on TCP"); tlsverify: once every ',' is made a line break, a line holding
// `"tlsverify":` still holds "true" after everything up to its last ':' and
// every '"', ' ' and ',' are taken out (tr , '\n' | grep | sed 's/.*://g' |
// tr -d '" ,' | grep true). With jq on PATH that version looks the key up
// as `"tlsverify":`, quotes and colon included, never finds it, and fails
// the item on every daemon.json (docker/docker-bench-security#560).
func LineAudit(data []byte) (tcp, tlsverify bool) {
	for _, l := range strings.Split(string(data), "\n") {
		tcp = tcp || auditHost.MatchString(l)
	}
	for _, l := range strings.FieldsFunc(string(data), func(r rune) bool { return r == '\n' || r == ',' }) {
		if strings.Contains(l, `"tlsverify":`) {
			v := strings.Map(func(r rune) rune {
				if strings.ContainsRune(`" ,`, r) {
					return -1
				}
				return r
			}, l[strings.LastIndexByte(l, ':')+1:])
			tlsverify = tlsverify || strings.Contains(v, "true")
		}
	}
	return tcp, tlsverify
}
