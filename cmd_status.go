package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/docker-tls/docker-tls/internal/say"
	"io"
	"strings"
	"text/tabwriter"

	"charm.land/lipgloss/v2"
	"github.com/docker-tls/docker-tls/internal/wordwrap"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/spf13/cobra"
)

func newStatusCmd(env *env) *cobra.Command {
	var root string
	var warnDays int
	var probe, asJSON bool
	var metrics string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the certificates with their end dates and any problem found (exit 1 if any)",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			if warnDays < 0 {
				return usagef("--warn-days %d: must be 0 or more", warnDays)
			}
			r := env.host(root).Status(setup.StatusInput{WarnDays: warnDays, Probe: probe})
			wordFindings(r.Findings)
			for _, fs := range [][]setup.Finding{r.Findings, r.Advice} {
				for i := range fs {
					fs[i].Message = say.WithRoot(fs[i].Message, root) // a fix copied acts on the same files
				}
			}
			if asJSON {
				enc := json.NewEncoder(env.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				printStatus(env.stdout, r, statusLook{color: env.color(), width: env.width(), warnDays: warnDays})
			}
			if metrics != "" {
				if err := setup.WriteMetrics(metrics, r); err != nil {
					return err
				}
			}
			if !r.Healthy {
				return errProblems
			}
			return nil
		},
	}
	fl := cmd.Flags()
	rootFlag(cmd, &root)
	fl.IntVar(&warnDays, "warn-days", 30, "report certificates that expire within `N` days")
	fl.BoolVar(&probe, "probe", false, "connect to the TLS endpoint with a client bundle")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	fl.StringVar(&metrics, "metrics", "", "also write Prometheus metrics to `FILE` (node_exporter's textfile collector)")
	return cmd
}

// wordFindings words the findings the engine gives as facts: what
// dockerd serves against the files (status --probe).
func wordFindings(fs []setup.Finding) {
	const date = "2006-01-02"
	for i, f := range fs {
		switch f.Code {
		case setup.RestartPending:
			fs[i].Message = fmt.Sprintf("dockerd serves the certificate that ends %s, the file ends %s: restart pending (\"docker-tls apply\" restarts Docker and checks)", f.Served.Format(date), f.File.Format(date))
		case setup.StillTrusted:
			fs[i].Message = fmt.Sprintf("dockerd still trusts %s's anchor (removed %s): %s still gets in until Docker restarts", f.Member, f.RemovedAt.Format(date), f.Member)
		case setup.SANDrift:
			fs[i].Message = fmt.Sprintf("members who connect by %s will be refused: renew --san-ip %s", f.Address, f.Address)
		}
	}
}

// statusLook is how status prints on this output: colours and the width
// to wrap at on a terminal; plain and unwrapped in a pipe.
type statusLook struct {
	color    bool
	width    int // 0: do not wrap
	warnDays int
}

func (l statusLook) paint(s string, style lipgloss.Style) string {
	if !l.color {
		return s
	}
	return style.Render(s)
}

// wrap wraps s at spaces after prefix, the lines after it indented as
// deep; unwrapped without a width.
func (l statusLook) wrap(prefix, s string) string {
	if l.width <= 0 {
		return prefix + s
	}
	return wordwrap.Hang(prefix, s, l.width)
}

var (
	statusBold  = lipgloss.NewStyle().Bold(true)
	statusOK    = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	statusWarn  = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	statusError = lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
)

func printStatus(w io.Writer, r *setup.Report, look statusLook) {
	if r.Root != "/" {
		fmt.Fprintln(w, look.wrap("Root: ", r.Root))
	}
	if r.Unit != "" {
		fmt.Fprintln(w, look.wrap("Unit:      ", r.Unit))
		fmt.Fprintln(w, look.wrap("ExecStart: ", r.ExecStart))
	}
	if len(r.Hosts) > 0 {
		fmt.Fprintln(w, look.wrap("Hosts:     ", strings.Join(r.Hosts, ", ")))
	}
	if r.Trust != nil {
		if s := trustSentence(r.Trust); s != "" {
			fmt.Fprintf(w, "Trust:     %s\n", strings.ReplaceAll(s, "\n", "\n           "))
		}
	}
	fmt.Fprintln(w)
	// The table, aligned; on a terminal too narrow for a row, each path goes
	// on a line of its own under its row rather than be cut by the terminal.
	var rows bytes.Buffer
	tw := tabwriter.NewWriter(&rows, 0, 4, 2, ' ', 0)
	for _, c := range r.Certificates {
		fmt.Fprintf(tw, "%s\t%s\t%s\t(%d days)\t%s\n", c.Kind, c.Name, c.NotAfter.Format("2006-01-02"), c.DaysLeft, c.Path)
	}
	tw.Flush()
	lines := strings.Split(strings.TrimRight(rows.String(), "\n"), "\n")
	narrow := false
	for _, l := range lines {
		narrow = narrow || look.width > 0 && len(l) > look.width
	}
	for i, c := range r.Certificates {
		head := strings.TrimSuffix(lines[i], c.Path) // the columns before the path, padded
		days := fmt.Sprintf("(%d days)", c.DaysLeft)
		style := statusOK
		switch {
		case c.DaysLeft < 0:
			style = statusError
		case c.DaysLeft <= look.warnDays:
			style = statusWarn
		}
		// Colour the days only: the columns stay aligned.
		if j := strings.LastIndex(head, days); j >= 0 {
			head = head[:j] + look.paint(days, style) + head[j+len(days):]
		}
		if narrow {
			fmt.Fprintf(w, "%s\n  %s\n", strings.TrimRight(head, " "), c.Path)
		} else {
			fmt.Fprintf(w, "%s%s\n", head, c.Path)
		}
	}
	if r.Probe == "ok" {
		fmt.Fprintln(w, "\n"+look.paint(look.wrap("", "Probe: TLS handshake with the client bundle and GET /_ping succeeded."), statusOK))
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "\n"+look.paint("No problems found.", statusOK))
	} else {
		fmt.Fprintln(w, "\n"+look.paint("Problems:", statusError))
		for _, f := range r.Findings {
			fmt.Fprintln(w, look.paint(look.wrap("  ! ", f.String()), statusWarn))
		}
	}
	if len(r.Advice) > 0 {
		fmt.Fprintln(w, "\n"+look.paint("Advice:", statusBold))
		for _, f := range r.Advice {
			fmt.Fprintln(w, look.wrap("  - ", f.String()))
		}
	}
}
