package wizard

import (
	"testing"

	"github.com/docker-tls/docker-tls/setup"
)

// TestStatusScreen: the status screen shows each problem with the CIS
// Docker Benchmark item it fails, then the advice, which is no problem.
func TestStatusScreen(t *testing.T) {
	forSizes(t, existingOptions, func(t *testing.T, d *driver) {
		f := d.m.eng.(*fakes)
		f.report.Healthy = false
		f.report.Findings = []setup.Finding{
			{CIS: "3.14", Message: "/etc/docker/tls/server-key.pem is 0600; the benchmark asks 0400: chmod 400 /etc/docker/tls/server-key.pem"},
		}
		f.report.Advice = []setup.Finding{
			{CIS: "2.15", Message: "live-restore is off: restarting Docker stops every running container"},
		}
		d.key("down", "down", "down", "enter")
		d.wantStep(stepStatus)
		goldenScreen(t, d, "status")
	})
}
