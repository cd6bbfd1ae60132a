package main

import (
	"fmt"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/docker-tls/docker-tls/setup"
)

// printPrepared shows the plan, every file with its mode, the diffs and the warnings.
func printPrepared(e *env, p *setup.Prepared, root string) {
	w := e.stdout
	if root != "/" && root != "" {
		fmt.Fprintf(w, "Root: %s (paths below are relative to it)\n\n", root)
	}
	for _, l := range p.Summary {
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

// reportWritten says what a run wrote.
func reportWritten(e *env, w *setup.Written) {
	fmt.Fprintf(e.stdout, "\nWrote %d files.\n", len(w.Files))
	for _, b := range w.Backups {
		fmt.Fprintf(e.stdout, "  backup: %s\n", b)
	}
	if w.RecordErr != nil {
		fmt.Fprintf(e.stderr, "warning: cannot record this run for \"docker-tls apply\": %v\n", w.RecordErr)
	}
}

// formatSteps numbers the steps, each command on a line of its own, whole.
func formatSteps(steps []setup.Step, indent string) string {
	var b strings.Builder
	for i, s := range steps {
		prefix := ""
		if len(steps) > 1 {
			prefix = fmt.Sprintf("%d. ", i+1)
		}
		fmt.Fprintf(&b, "%s%s%s\n", indent, prefix, s.Text)
		for _, c := range s.Commands {
			fmt.Fprintf(&b, "%s%s%s\n", indent, strings.Repeat(" ", len(prefix)+2), c)
		}
	}
	return b.String()
}
