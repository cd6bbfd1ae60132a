package main

import (
	"fmt"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/spf13/cobra"
)

type renewFlags struct {
	root, passFile, keyType, client, fqdn string
	sanDNS, sanIP                         []string
	days                                  int
	dryRun                                bool
}

func newRenewCmd(env *env) *cobra.Command {
	f := &renewFlags{}
	cmd := &cobra.Command{
		Use:   "renew [flags]",
		Short: "Renew the server certificate (same names, new dates), or a client certificate with --client",
		Example: `  docker-tls renew
  docker-tls renew --san-ip 192.0.2.11      # the same names plus a new IP
  docker-tls renew --client alice --days 90`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := pki.ValidateDays(fmt.Sprint(f.days)); err != nil {
				return usagef("--days %d: %v", f.days, err)
			}
			kt, err := pki.ParseKeyType(f.keyType)
			if err != nil {
				return usagef("--key-type: %v", err)
			}
			// Unless asked otherwise, a renewed certificate keeps the key type
			// and lifetime of the one it replaces.
			keep := func(certPath string) (pki.KeyType, int) {
				return keptProfile(f.root, certPath, kt, f.days, !cmd.Flags().Changed("key-type"), !cmd.Flags().Changed("days"))
			}
			if f.client != "" {
				if err := pki.ValidateClientName(f.client); err != nil {
					return usagef("--client %q: %v", f.client, err)
				}
				if !exists(f.root, clientDir(f.client)+"/cert.pem") {
					return withHint(fmt.Errorf("no client %q under %s", f.client, render.Join(f.root, clientsDir)),
						"List them with \"docker-tls client list\"; add one with \"docker-tls client add NAME\".")
				}
				pass, err := caPassphrase(env, f.root, f.passFile)
				if err != nil {
					return err
				}
				kt, days := keep(clientDir(f.client) + "/cert.pem")
				p, err := prepareClient(env, f.root, f.client, days, kt, pass, true)
				if err != nil {
					return err
				}
				return writeClient(env, &clientAddFlags{root: f.root, dryRun: f.dryRun}, p)
			}
			pass, err := caPassphrase(env, f.root, f.passFile)
			if err != nil {
				return err
			}
			kt, days := keep(serverCert)
			p, err := prepareRenew(env, f.root, renewNames{fqdn: f.fqdn, dns: f.sanDNS, ips: f.sanIP}, days, kt, pass)
			if err != nil {
				return err
			}
			printPrepared(env, p, f.root)
			if f.dryRun {
				fmt.Fprintln(env.stdout, "\nDry run: nothing was written.")
				return nil
			}
			res, err := p.changes.Apply()
			if err != nil {
				return applyFailed(err)
			}
			reportWritten(env, f.root, res)
			fmt.Fprintf(env.stdout, "\nNext step: %s", p.nextSteps)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.days, "days", pki.DefaultDays, "how many days the certificate is valid (default: as the one it replaces)")
	fl.StringVar(&f.keyType, "key-type", string(pki.ECDSAP256), "key type of the new key (default: as the one it replaces)")
	fl.StringVar(&f.client, "client", "", "renew this client's certificate instead of the server's")
	fl.StringVar(&f.fqdn, "fqdn", "", "change the server's host name (default: keep it)")
	fl.StringArrayVar(&f.sanDNS, "san-dns", nil, "add a DNS NAME (repeatable; the current names are kept)")
	fl.StringArrayVar(&f.sanIP, "san-ip", nil, "add an IP (repeatable; the current IPs are kept)")
	passFileFlag(cmd, &f.passFile)
	rootFlag(cmd, &f.root)
	fl.BoolVar(&f.dryRun, "dry-run", false, "show what would be written, write nothing")
	return cmd
}

// prepareRenew re-issues the server certificate with the names of the current
// one (plus any added), backing the old files up.
// keptProfile returns the key type and lifetime for a renewed certificate:
// those of the current one at certPath where keepType/keepDays, else the given ones.
func keptProfile(root, certPath string, kt pki.KeyType, days int, keepType, keepDays bool) (pki.KeyType, int) {
	b, ok, _ := readFile(root, certPath)
	if !ok {
		return kt, days
	}
	c, err := pki.ParseCert(b)
	if err != nil {
		return kt, days
	}
	if k, err := pki.ParseKeyType(pki.KeyTypeOf(c.PublicKey)); err == nil && keepType {
		kt = k
	}
	if keepDays {
		days = lifetimeDays(c)
	}
	return kt, days
}

// renewNames are the names to change when renewing; empty keeps the current ones.
type renewNames struct {
	fqdn     string
	dns, ips []string
}

func prepareRenew(e *env, root string, f renewNames, days int, kt pki.KeyType, pass []byte) (*prepared, error) {
	certPEM, ok, err := readFile(root, serverCert)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, withHint(fmt.Errorf("no server certificate at %s", render.Join(root, serverCert)),
			"Run \"docker-tls init\" first.")
	}
	info, err := pki.Inspect(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", serverCert, err)
	}
	plan := pki.DefaultPlan()
	plan.FQDN = info.CommonName
	if f.fqdn != "" {
		plan.FQDN = f.fqdn
	}
	for _, n := range append(info.DNSNames, f.dns...) {
		if n != plan.FQDN && n != info.CommonName {
			plan.DNSNames = append(plan.DNSNames, n)
		}
	}
	plan.DNSNames = dedupe(plan.DNSNames)
	plan.IPs = dedupe(append(append([]string{}, info.IPs...), f.ips...))
	plan.Days = days
	plan.KeyType = kt
	plan.CADays = pki.MaxDays // the CA's real end date is checked when signing
	if err := plan.Validate(); err != nil {
		return nil, usageErr(err)
	}
	ca, err := loadCA(root, pass)
	if err != nil {
		return nil, err
	}
	if ca == nil {
		return nil, withHint(fmt.Errorf("no CA at %s", render.Join(root, caCert)), "Run \"docker-tls init\" first.")
	}
	leaf, err := pki.IssueServer(ca, plan, pki.WithNow(e.now))
	if err != nil {
		return nil, err
	}
	lf, err := ledgerWith(root, false, []*pki.Leaf{leaf}, e.now())
	if err != nil {
		return nil, err
	}
	files := append(leafFiles(ca, leaf), lf)
	changes, err := render.Build(root, files, nil)
	if err != nil {
		return nil, err
	}
	return &prepared{
		summary: []string{fmt.Sprintf("Server    %s: renewed, %s, until %s (the old files are backed up)",
			plan.FQDN, kt, leaf.Cert.NotAfter.Format("2006-01-02"))},
		changes:   changes,
		nextSteps: "Restart Docker so that it loads the new certificate:\n  systemctl restart docker\n",
	}, nil
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
