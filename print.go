package main

import (
	"fmt"
	"strings"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/internal/wordwrap"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/docker-tls/docker-tls/wizard"
)

// printPrepared shows the plan, every file with its mode, the diffs and the warnings.
func printPrepared(e *env, p *setup.Prepared, root string) {
	w := e.stdout
	if root != "/" && root != "" {
		fmt.Fprintf(w, "Root: %s (paths below are relative to it)\n\n", root)
	}
	for _, l := range say.Summary(p) {
		fmt.Fprintf(w, "  %s\n", pki.Words(l, flagName))
	}
	files := p.Files()
	fmt.Fprintln(w, "\nFiles:")
	for _, f := range files {
		fmt.Fprintf(w, "  %-9s %04o  %s\n", f.Action, f.Mode, f.Path)
	}
	for _, f := range files {
		if f.Diff == "" {
			continue
		}
		fmt.Fprintln(w)
		if e.color() {
			fmt.Fprint(w, render.Colorize(f.Diff))
		} else {
			fmt.Fprint(w, f.Diff)
		}
	}
	if ws := p.Warnings(); len(ws) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, s := range ws {
			fmt.Fprintf(w, "  ! %s\n", s)
		}
	}
	if ns := p.Notes(); len(ns) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, s := range ns {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
}

// writeReviewed shows p, then writes it unless there is nothing to write
// or it is a dry run, once gate (--yes, or a question on a terminal) lets
// it. It returns nil when nothing was written.
func writeReviewed(e *env, h *setup.Host, p *setup.Prepared, dryRun bool, gate func() error) (*setup.Written, error) {
	printPrepared(e, p, h.Root())
	switch {
	case p.Empty():
		fmt.Fprintln(e.stdout, "\nNothing to change: this host already matches the plan.")
		return nil, nil
	case dryRun:
		fmt.Fprintln(e.stdout, "\nDry run: nothing was written.")
		return nil, nil
	}
	if err := gate(); err != nil {
		return nil, err
	}
	w, err := h.Write(p, nil)
	if err != nil {
		return nil, err
	}
	reportWritten(e, w)
	return w, nil
}

// reportWritten says what a run wrote.
func reportWritten(e *env, w *setup.Written) {
	fmt.Fprintf(e.stdout, "\nWrote %d files.\n", len(w.Files))
	for _, b := range w.Backups {
		fmt.Fprintf(e.stdout, "  backup: %s\n", b)
	}
	if w.TimerErr != nil {
		fmt.Fprintln(e.stderr, say.WithRoot(fmt.Sprintf("warning: the renewal timer is not installed: %v; run \"docker-tls init\" again to install it", w.TimerErr), e.root))
	}
	if w.RecordErr != nil {
		fmt.Fprintf(e.stderr, "warning: cannot record this run for \"docker-tls apply\": %v\n", w.RecordErr)
	}
}

// formatSteps numbers the steps, each command on a line of its own, whole.
func formatSteps(steps []say.Step, indent string) string { return formatStepsWidth(steps, indent, 0) }

// formatStepsWidth is formatSteps with each sentence wrapped to width at
// spaces (0: not wrapped). Commands are never wrapped: a newline in one
// would break it when copied.
func formatStepsWidth(steps []say.Step, indent string, width int) string {
	var b strings.Builder
	for i, s := range steps {
		prefix := ""
		if len(steps) > 1 {
			prefix = fmt.Sprintf("%d. ", i+1)
		}
		text := indent + prefix + s.Text
		if width > 0 {
			text = wordwrap.Hang(indent+prefix, s.Text, width)
		}
		fmt.Fprintf(&b, "%s\n", text)
		for _, c := range s.Commands {
			pad := indent + strings.Repeat(" ", len(prefix)+2)
			if width > 0 {
				// Whole words, each line but the last ending in " \": the
				// command still runs when copied (the done screen's wrapping).
				fmt.Fprintf(&b, "%s\n", wordwrap.Shell(c, width, pad))
				continue
			}
			fmt.Fprintf(&b, "%s%s\n", pad, c)
		}
	}
	return b.String()
}

// reportWizard prints, once, how a run of the wizard ended: its screens
// were on the alternate screen and are gone. After a write (even one ended
// with ctrl+c) it says what was written and what to do next, and the exit
// code is 0 unless "apply now" failed; before one, ctrl+c is one message
// and exit 130.
func reportWizard(e *env, root string, res wizard.Result) error {
	w := e.stdout
	switch {
	case res.Connected != nil:
		if res.Aborted {
			fmt.Fprintln(w, "Stopped with ctrl+c after connecting: what was installed stands.")
		}
		return printConnected(e, res.Connected)
	case res.Requested != nil:
		if res.Aborted {
			fmt.Fprintln(w, "Stopped with ctrl+c after the request was made: it stands.")
		}
		printRequested(e, res.Requested)
		return nil
	case res.Written:
		reportWizardWrite(e, root, res)
		return res.Err
	case res.Aborted:
		return errAborted
	case res.Err != nil:
		return res.Err
	case res.Unchanged:
		fmt.Fprintln(w, "Nothing was written: the files already match these answers.")
	}
	return nil
}

// reportWizardWrite is what the wizard wrote, printed once it ends.
func reportWizardWrite(e *env, root string, res wizard.Result) {
	w := e.stdout
	if res.Aborted {
		fmt.Fprintln(w, "Stopped with ctrl+c after writing: what was written stands.")
	}
	if root != "/" && root != "" {
		fmt.Fprintf(w, "Root: %s (paths below are relative to it)\n", root)
	}
	switch res.Task {
	case wizard.TaskMember:
		if m := res.Member; m != nil {
			fmt.Fprintf(w, "Issued %q: serial %s, valid until %s.\n", m.Name, m.Serial, m.NotAfter.Format("2006-01-02"))
			fmt.Fprintf(w, "Bundle:  %s/%s\n", m.Dir, memberFiles(m))
		}
	case wizard.TaskRenew:
		fmt.Fprintln(w, "Renewed the server certificate.")
	}
	if len(res.Files) == 1 {
		fmt.Fprintln(w, "Wrote 1 file:")
	} else {
		fmt.Fprintf(w, "Wrote %d files:\n", len(res.Files))
	}
	for _, f := range res.Files {
		fmt.Fprintf(w, "  %s\n", f)
	}
	for _, b := range res.Backups {
		fmt.Fprintf(w, "  backup: %s\n", b)
	}
	if res.RecordErr != nil {
		fmt.Fprintf(e.stderr, "warning: cannot record this run for \"docker-tls apply\": %v\n", res.RecordErr)
	}
	if res.Applied != nil {
		fmt.Fprintf(w, "\nApplied: Docker restarted and answers over mutual TLS (probed with the bundle %s).\n", res.Applied.Bundle)
	}
	if len(res.NextSteps) > 0 {
		fmt.Fprintf(w, "\nNext steps:\n%s", formatStepsWidth(res.NextSteps, "  ", e.width()))
	}
}

// printConnected says what connect checked, installed and made, and what
// to type next; a daemon that did not answer is the error it returns, with
// the probe's hint.
func printConnected(e *env, c *member.Connected) error {
	w := e.stdout
	fmt.Fprintf(w, "Checked the bundle of %q: valid until %s, its certificate chains to the CA in the bundle.\n", c.Name, c.NotAfter.Format("2006-01-02"))
	fmt.Fprintf(w, "Installed: %s/{ca.pem,cert.pem,key.pem}\n", c.Dir)
	verb := "Made"
	if c.Updated {
		verb = "Updated"
	}
	how := "with the docker CLI"
	if !c.ByCLI {
		how = "in the docker CLI's store (the CLI is not installed here)"
	}
	fmt.Fprintf(w, "%s the docker context %q for %s, %s.\n", verb, c.Context, c.Host, how)
	if c.ProbeError == nil {
		fmt.Fprintf(w, "The daemon answers over mutual TLS: Docker %s.\n", c.Version)
	}
	fmt.Fprintf(w, "\nNext:\n%s", formatStepsWidth(say.ConnectSteps(c), "  ", e.width()))
	if c.ProbeError != nil {
		return hint.With(fmt.Errorf("%s: %w", say.ProbeOutcome(c), c.ProbeError), hint.Of(c.ProbeError))
	}
	return nil
}

// printRequested says where the member's key is kept and what to send.
func printRequested(e *env, r *member.Requested) {
	fmt.Fprintf(e.stdout, "Your key: %s (0600; it stays on this machine)\nYour request: %s\n", r.KeyPath, r.Out)
	if r.Fingerprint != "" {
		// client sign shows the admin the same before signing.
		fmt.Fprintf(e.stdout, "Its fingerprint: %s (SHA-256): your admin sees the same before signing; compare them.\n", r.Fingerprint)
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprint(e.stdout, formatStepsWidth(say.RequestSteps(r), "", e.width()))
}

// memberFiles are the files of a member's bundle on the host: no key.pem
// when their request was signed (the key stayed with them).
func memberFiles(m *setup.Member) string {
	if m.Files != nil && m.Files.Key == nil {
		return "{ca.pem,cert.pem}"
	}
	return "{ca.pem,cert.pem,key.pem}"
}
