package wizard

import (
	"fmt"
	"math"
	"time"
)

// What ends soon, as the welcome, its menu and the renew screen say it.

// choiceRenewMember prefixes the menu's choice to renew a member's
// certificate: "renew-member:alice".
const choiceRenewMember = "renew-member:"

// daysLeft counts whole days to t, as pki.Info.DaysLeft (and so status)
// does: negative once it has ended.
func daysLeft(now, t time.Time) int {
	return int(math.Floor(t.Sub(now).Hours() / 24))
}

// inDays is "in 20 days", "in 1 day", "today" or "3 days ago".
func inDays(n int) string {
	switch {
	case n == 0:
		return "today"
	case n == 1:
		return "in 1 day"
	case n == -1:
		return "1 day ago"
	case n < 0:
		return fmt.Sprintf("%d days ago", -n)
	}
	return fmt.Sprintf("in %d days", n)
}

// endsIn is "ends in 20 days", "ends today" or "ended 3 days ago".
func endsIn(n int) string {
	if n < 0 {
		return "ended " + inDays(n)
	}
	return "ends " + inDays(n)
}

// endLine is one row of the welcome: "server docker.example.com on
// 2027-01-01, in 20 days".
func (c *common) endLine(e Cert) string {
	n := daysLeft(c.now(), e.NotAfter)
	s := fmt.Sprintf("%s %s on %s, %s", e.Kind, e.Name, e.NotAfter.Format(time.DateOnly), inDays(n))
	if e.Kind == "client" && e.FromRequest {
		s += " (their own key: they renew it by a new request)"
	}
	return s
}

// endsLabel is the welcome's label for a row of Expiring.
func (c *common) endsLabel(e Cert) string {
	if daysLeft(c.now(), e.NotAfter) < 0 {
		return "ended"
	}
	return "ends soon"
}

// renewOption is the menu's entry to renew e, and its choice; ok is false
// for what the host cannot renew (a member's request).
func (c *common) renewOption(e Cert) (label, choice string, ok bool) {
	when := endsIn(daysLeft(c.now(), e.NotAfter))
	switch {
	case e.Kind == "server":
		return "Renew the server certificate (" + when + ")", choiceRenew, true
	case e.Kind == "client" && !e.FromRequest:
		return fmt.Sprintf("Renew %s's certificate (%s)", e.Name, when), choiceRenewMember + e.Name, true
	}
	return "", "", false
}

// certEnd is the sentence the renew screen opens with: what is renewed,
// and its current end date.
func (c *common) certEnd(e *Cert) string {
	n := daysLeft(c.now(), e.NotAfter)
	verb := "ends"
	if n < 0 {
		verb = "ended"
	}
	what := "The server certificate " + e.Name
	if e.Kind == "client" {
		what = e.Name + "'s certificate"
	}
	return fmt.Sprintf("%s %s %s (%s)", what, verb, e.NotAfter.Format(time.DateOnly), inDays(n))
}
