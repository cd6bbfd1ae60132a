package say

import (
	"cmp"
	"fmt"
	"path/filepath"

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
	if c.ProbeError != nil {
		return []Step{{Text: "The bundle and the context are in place: once the daemon answers, try again with:",
			Commands: []string{"docker --context " + c.Context + " version"}}}
	}
	return []Step{
		{Text: "Use it:", Commands: []string{"docker --context " + c.Context + " ps"}},
		{Text: "Make it the default:", Commands: []string{"docker context use " + c.Context}},
	}
}
