package say

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/docker-tls/docker-tls/member"
)

// RequestSteps are what the member does with the request: send it, then
// connect with what comes back.
func RequestSteps(r *member.Requested) []Step {
	base := filepath.Base(cmp.Or(r.Out, member.RequestFileName(r.Name)))
	return []Step{
		{Text: fmt.Sprintf("Send %s to your admin (it holds no secret); they run:", base),
			Commands: []string{fmt.Sprintf("docker-tls client sign %s --archive %s.tar.gz", base, r.Name)}},
		{Text: "When they send the archive back, run:", Commands: []string{fmt.Sprintf("docker-tls connect %s.tar.gz", r.Name)}},
	}
}

// ConnectSteps are what the member types next: use the context, make it the
// default; or, when the daemon did not answer, how to try again.
func ConnectSteps(c *member.Connected) []Step {
	if ProbeAnswered(c.ProbeError) {
		return []Step{{Text: "Trying again will not help: the daemon answered with a certificate this bundle does not accept (see the error). To remove the context and the files connect left:",
			Commands: []string{"docker context rm " + c.Context, "rm -r " + shellQuote(c.Dir)}}}
	}
	if c.ProbeError != nil {
		return []Step{{Text: "The bundle and the context are in place: once the daemon answers, try again with:",
			Commands: []string{"docker --context " + c.Context + " version"}}}
	}
	return []Step{
		{Text: "Use it:", Commands: []string{"docker --context " + c.Context + " ps"}},
		{Text: "Make it the default:", Commands: []string{"docker context use " + c.Context}},
	}
}

// ProbeOutcome is what a failed probe says about the daemon, the same in
// both front ends: it did not answer, or it answered with a certificate
// the bundle refuses.
func ProbeOutcome(c *member.Connected) string {
	if ProbeAnswered(c.ProbeError) {
		return fmt.Sprintf("the daemon at %s answered, but its certificate is not one this bundle accepts", c.Host)
	}
	return fmt.Sprintf("the daemon at %s did not answer over TLS", c.Host)
}

// ProbeAnswered reports a probe that reached the daemon and refused its
// certificate: it does not name the host connected to, or it is from
// another CA than the bundle's. Retrying the same connection cannot fix
// that.
func ProbeAnswered(err error) bool {
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	return err != nil && (errors.As(err, &hostErr) || errors.As(err, &unknown) || errors.As(err, &invalid))
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@:,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
