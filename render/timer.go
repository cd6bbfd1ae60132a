package render

import (
	"fmt"
	"strings"
)

// The renewal timer (DESIGN.md "Day 2"): a daily oneshot that renews the
// server certificate through the host issuer when it is due, and writes the
// metrics node_exporter reads.
const (
	RenewServicePath = "/etc/systemd/system/docker-tls-renew.service"
	RenewTimerPath   = "/etc/systemd/system/docker-tls-renew.timer"
	// RenewTimerWants is the link "systemctl enable docker-tls-renew.timer"
	// makes (the timer's WantedBy=timers.target).
	RenewTimerWants = "/etc/systemd/system/timers.target.wants/docker-tls-renew.timer"
	// InstalledBinary is what the timer runs: a root-owned copy, never a
	// binary in a user's directory that the user could replace.
	InstalledBinary = "/usr/local/sbin/docker-tls"
	// MetricsPath is Debian's textfile directory of node_exporter
	// (prometheus-node-exporter's --collector.textfile.directory).
	MetricsPath = "/var/lib/prometheus/node-exporter/docker_tls.prom"
)

// RenewUnits renders docker-tls-renew.service and .timer. args are the
// arguments the service passes docker-tls (renew --auto ..., with --root
// for a sandbox); writable are the directories the run writes, which
// ProtectSystem=full would otherwise leave read-only (it covers /etc).
func RenewUnits(args, writable []string) (service, timer []byte) {
	quote := func(words []string) string {
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = unitQuote(w)
		}
		return strings.Join(q, " ")
	}
	service = fmt.Appendf(nil, `# Written by docker-tls: renews the Docker daemon's TLS server certificate
# through the host issuer when less than a third of its life is left.
[Unit]
Description=Renew the Docker daemon's TLS certificate (docker-tls)
Documentation=man:dockerd(8)
After=docker.service

[Service]
Type=oneshot
ExecStart=%s
NoNewPrivileges=yes
ProtectHome=yes
PrivateTmp=yes
ProtectSystem=full
ReadWritePaths=%s
`, quote(append([]string{InstalledBinaryFor(args)}, args...)), quote(writable))
	timer = []byte(`# Written by docker-tls: checks the Docker daemon's TLS certificate once a day.
[Unit]
Description=Daily check of the Docker daemon's TLS certificate (docker-tls)

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
`)
	return service, timer
}

// InstalledBinaryFor is the binary the service runs: InstalledBinary, under
// the sandbox that a --root among args names.
func InstalledBinaryFor(args []string) string {
	for i, a := range args {
		if a == "--root" && i+1 < len(args) {
			return Join(args[i+1], InstalledBinary)
		}
	}
	return InstalledBinary
}

// unitQuote quotes one ExecStart= argument as systemd splits them: plain
// words stay as they are; "%" is doubled so that no specifier expands.
func unitQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;$") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", "$$")
	return `"` + r.Replace(s) + `"`
}
