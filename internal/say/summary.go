package say

import (
	"fmt"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// day is how both front ends write a date.
const day = time.DateOnly

// Summary is what a prepared operation does, one line each, in columns: a
// topic (CA, Server, Client, Trust...) padded to ten, then its state. A
// line may name a field as {field}, for each front end to put in its own
// words (pki.Words: a flag, or a field of the form).
func Summary(p *setup.Prepared) []string {
	o := p.Outline
	var out []string
	if o.Trust != nil && o.Trust.Finalized {
		return finalizeLines(o)
	}
	if o.CA != nil {
		out = append(out, caLines(o.CA)...)
	}
	if o.Server != nil {
		out = append(out, serverLines(o.Server)...)
	}
	for _, m := range o.Members {
		out = append(out, memberLine(m))
	}
	if o.Listen != "" {
		out = append(out, fmt.Sprintf("Listen    tcp://%s with TLS, client certificates required", o.Listen))
	}
	if o.Trust != nil {
		out = append(out, trustLines(o.Trust)...)
	}
	if o.Timer != nil {
		out = append(out, timerLines(o.Timer)...)
	}
	if p.Removal != nil {
		out = append(out, removalLines(p.Removal)...)
	}
	return out
}

func timerLines(t *setup.TimerOutline) []string {
	out := []string{"Renewal   docker-tls-renew.timer, daily: renews the server certificate when a third of its life is left, no passphrase needed"}
	if t.From != "" {
		out = append(out, fmt.Sprintf("          runs %s: this docker-tls, copied there now (a timer never runs a binary in a user's directory)", t.Binary))
	}
	return out
}

func caLines(ca *setup.CAOutline) []string {
	if ca.New {
		out := []string{fmt.Sprintf("CA        new %q, %s, until %s, key encrypted", ca.Name, ca.KeyType, ca.NotAfter.Format(day))}
		if ca.Replaces != "" {
			out = append(out, fmt.Sprintf("          replaces %q (made with pathlen:0, it cannot sign anchors), which stays trusted and keeps signing the server certificate until the switch is finalized", ca.Replaces))
		}
		return out
	}
	out := []string{fmt.Sprintf("CA        existing %q, until %s", ca.Name, ca.NotAfter.Format(day))}
	if ca.Kept {
		out = append(out, "          (kept as it is: {ca-name}, {ca-organisation} and {ca-days} apply to a new CA only)")
	}
	return out
}

func serverLines(s *setup.ServerOutline) []string {
	switch {
	case s.Change == setup.Renewed && s.Root != "":
		return []string{fmt.Sprintf("Server    renewed from the new root %q, until %s", s.Root, s.NotAfter.Format(day))}
	case s.Change == setup.Renewed:
		return []string{fmt.Sprintf("Server    %s: renewed, %s, %d days, until %s (the old files are backed up)",
			s.FQDN, s.KeyType, s.Days, s.NotAfter.Format(day))}
	}
	state := "unchanged (already valid for these names)"
	if s.Change == setup.Issued {
		state = fmt.Sprintf("new, %s, until %s", s.KeyType, s.NotAfter.Format(day))
	}
	out := []string{"Server    " + state, "  DNS     " + strings.Join(s.DNS, ", ")}
	if len(s.IPs) > 0 {
		out = append(out, "  IP      "+strings.Join(s.IPs, ", "))
	}
	if len(s.RemovedDNS) > 0 {
		out = append(out, fmt.Sprintf("  removed DNS %s (in the current certificate, not in this plan)", strings.Join(s.RemovedDNS, ", ")))
	}
	if len(s.RemovedIPs) > 0 {
		out = append(out, fmt.Sprintf("  removed IP  %s (in the current certificate, not in this plan)", strings.Join(s.RemovedIPs, ", ")))
	}
	return out
}

func memberLine(m setup.MemberOutline) string {
	if !m.New {
		return fmt.Sprintf("Client    %s: unchanged (already issued)", m.Name)
	}
	state := "new"
	if m.FromRequest {
		state += ", from their request (their key stays with them)"
	}
	state += ", until " + m.NotAfter.Format(day)
	if m.Slot > 0 {
		state += ", under " + pki.AnchorName(m.Slot)
	}
	if m.Trusted {
		state += " (dockerd already trusts it: no restart)"
	}
	return fmt.Sprintf("Client    %s: %s", m.Name, state)
}

func trustLines(t *setup.TrustOutline) []string {
	var out []string
	switch {
	case t.Switching:
		out = append(out,
			fmt.Sprintf("Trust     switching to per member: %d anchors in %s (%s, %d free slots)", t.Anchors, setup.MembersPath, plural(t.Members, "member"), t.Free),
			"          every member gets a new bundle; the old root stays trusted until \"docker-tls trust finalize\"")
	case t.New:
		out = append(out, fmt.Sprintf("Trust     per member: %d anchors in %s (%s, %s: adding one needs no restart)",
			t.Anchors, setup.MembersPath, plural(t.Members, "member"), plural(t.Free, "free slot")))
	}
	switch {
	case t.Full:
		out = append(out, fmt.Sprintf("Trust     no free slot was left: %d new anchors (%d in all), which dockerd trusts once restarted", t.Added, t.Anchors))
	case t.Added > 0:
		out = append(out, fmt.Sprintf("Trust     %d new anchors (%d in all): dockerd trusts them once restarted", t.Added, t.Anchors))
	}
	return out
}

// TrustLine is what a client operation did to trust, when anything: the
// command line prints it under the member it issued.
func TrustLine(p *setup.Prepared) string {
	if p.Outline.Trust == nil {
		return ""
	}
	l := trustLines(p.Outline.Trust)
	if len(l) == 0 {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(l[0], "Trust"))
}

func finalizeLines(o setup.Outline) []string {
	out := []string{fmt.Sprintf("Trust     per member: %d anchors; the old root is no longer trusted as a whole", o.Trust.Anchors)}
	if o.Server != nil {
		out = append(out, serverLines(o.Server)...)
	}
	if o.Trust.NewRootOnly {
		out = append(out, "Bundles   ca.pem is the new root alone")
	}
	return out
}

func removalLines(rm *setup.Removal) []string {
	anchor := "they had no anchor left in " + setup.MembersPath
	if rm.Slot > 0 {
		anchor = fmt.Sprintf("their anchor (%s) and its key leave %s and %s", pki.AnchorName(rm.Slot), setup.MembersPath, setup.AnchorsPath)
	}
	out := []string{
		fmt.Sprintf("Remove    %s: %s; nobody else's files change", rm.Name, anchor),
		fmt.Sprintf("Ledger    %s stays on record, removed on %s", rm.Name, rm.At.Format(day)),
	}
	if rm.Bundle != "" {
		out = append(out, fmt.Sprintf("Bundle    %s moves to %s", rm.Bundle, rm.Archive))
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
