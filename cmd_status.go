package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
)

func newStatusCmd(env *env) *cobra.Command {
	var root string
	var warnDays int
	var probe, asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the certificates with their end dates and any problem found (exit 1 if any)",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			if warnDays < 0 {
				return usagef("--warn-days %d: must be 0 or more", warnDays)
			}
			r := env.host(root).Status(setup.StatusInput{WarnDays: warnDays, Probe: probe})
			if asJSON {
				enc := json.NewEncoder(env.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				printStatus(env.stdout, r)
			}
			if !r.Healthy {
				return errProblems
			}
			return nil
		},
	}
	fl := cmd.Flags()
	rootFlag(cmd, &root)
	fl.IntVar(&warnDays, "warn-days", 30, "report certificates that expire within N days")
	fl.BoolVar(&probe, "probe", false, "connect to the TLS endpoint with a client bundle")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printStatus(w io.Writer, r *setup.Report) {
	if r.Root != "/" {
		fmt.Fprintf(w, "Root: %s\n", r.Root)
	}
	if r.Unit != "" {
		fmt.Fprintf(w, "Unit:      %s\nExecStart: %s\n", r.Unit, r.ExecStart)
	}
	if len(r.Hosts) > 0 {
		fmt.Fprintf(w, "Hosts:     %s\n", strings.Join(r.Hosts, ", "))
	}
	if r.Trust != nil {
		if s := trustSentence(r.Trust); s != "" {
			fmt.Fprintf(w, "Trust:     %s\n", strings.ReplaceAll(s, "\n", "\n           "))
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range r.Certificates {
		fmt.Fprintf(tw, "%s\t%s\t%s\t(%d days)\t%s\n", c.Kind, c.Name, c.NotAfter.Format("2006-01-02"), c.DaysLeft, c.Path)
	}
	tw.Flush()
	if r.Probe == "ok" {
		fmt.Fprintln(w, "\nProbe: TLS handshake with the client bundle and GET /_ping succeeded.")
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "\nNo problems found.")
		return
	}
	fmt.Fprintln(w, "\nProblems:")
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  ! %s\n", f)
	}
}
