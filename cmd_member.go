package main

import (
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/spf13/cobra"
)

// The team member's commands: they run as the member, on their machine,
// with no root and no --root.

func newConnectCmd(env *env) *cobra.Command {
	var host, context string
	var list, force bool
	cmd := &cobra.Command{
		Use:   "connect FILE",
		Short: "On your machine: install the bundle your admin sent, make a docker context, check the daemon answers",
		Long: `connect checks the bundle (the certificate matches the key, chains to the bundled
CA, is for client authentication and within its dates), installs it under
$DOCKER_CONFIG/tls/CONTEXT (~/.docker by default; directory 0700, key 0600),
makes or updates a docker context named after the daemon's host, and probes
the daemon over mutual TLS. FILE is the archive from your admin, or a bundle
directory. A key made by "docker-tls request" is found and paired by itself.`,
		Example: `  docker-tls connect alice.tar.gz
  docker tls connect alice.tar.gz          # as a Docker CLI plugin
  docker-tls connect ./bundle --host docker.example.com:2376
  docker-tls connect --list                # what is installed here, and when it ends`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list {
				if len(args) > 0 {
					return usagef("connect --list takes no FILE")
				}
				return nil
			}
			if len(args) != 1 {
				return usagef("connect takes one FILE (the archive your admin sent), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			mm, err := member.NewMachine(env.getenv, env.now)
			if err != nil {
				return err
			}
			if list {
				return printInstalled(env, mm)
			}
			c, err := mm.Connect(member.ConnectInput{File: args[0], Host: host, Context: context, Force: force})
			if err != nil {
				return err
			}
			return printConnected(env, c)
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "the daemon's address, `HOST[:PORT]`, when FILE does not say it")
	cmd.Flags().StringVar(&context, "context", "", "`NAME` of the docker context (default: the daemon's host name)")
	cmd.Flags().BoolVar(&force, "force", false, "update a docker context of that name that docker-tls did not make")
	cmd.Flags().BoolVar(&list, "list", false, "list the bundles installed here: context, host, member, end date")
	return cmd
}

func newRequestCmd(env *env) *cobra.Command {
	var host, name, out, keyType, context, renew string
	var force bool
	cmd := &cobra.Command{
		Use:   "request --host HOST --name NAME",
		Short: "On your machine: make your key here and a certificate request to send your admin",
		Long: `request makes your private key on this machine (0600, under
$DOCKER_CONFIG/tls/HOST, ~/.docker by default) and a certificate request (CSR)
for it. Send the request to your admin; they run "docker-tls client sign" and
send back a file for "docker-tls connect". Your key never leaves this machine.`,
		Example: `  docker-tls request --host docker.example.com --name alice
  docker-tls request --host docker1:2376 --name alice --out a.csr
  docker-tls request --renew docker.example.com    # before it ends`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if renew != "" {
				for _, f := range []string{"host", "name", "context", "key-type"} {
					if cmd.Flags().Changed(f) {
						return usagef("--renew %s takes the host and name from that bundle: leave out --%s", renew, f)
					}
				}
				mm, err := member.NewMachine(env.getenv, env.now)
				if err != nil {
					return err
				}
				r, err := mm.RequestRenewal(renew, out, force)
				if err != nil {
					return err
				}
				printRequested(env, r)
				return nil
			}
			if host == "" || name == "" {
				return usagef("request needs --host (the Docker host to connect to) and --name (yours, as your admin will know it), or --renew CONTEXT")
			}
			if err := pki.ValidateClientName(name); err != nil {
				return usagef("--name %q: %v", name, err)
			}
			kt, err := pki.ParseKeyType(keyType)
			if err != nil {
				return usagef("--key-type: %v", err)
			}
			mm, err := member.NewMachine(env.getenv, env.now)
			if err != nil {
				return err
			}
			r, err := mm.Request(member.RequestInput{Host: host, Name: name, KeyType: kt, Context: context, Out: out, Force: force})
			if err != nil {
				return err
			}
			printRequested(env, r)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&host, "host", "", "the Docker host to connect to, `HOST[:PORT]` (required)")
	fl.StringVar(&name, "name", "", "your `NAME`, as your admin knows you (required)")
	fl.StringVar(&out, "out", "", "the `FILE` to write the request to (default ./NAME.csr)")
	fl.StringVar(&keyType, "key-type", string(pki.ECDSAP256), keyTypeUsage())
	fl.StringVar(&context, "context", "", "`NAME` of the docker context (default: the host name)")
	fl.BoolVar(&force, "force", false, "replace a key already waiting for this host, and an existing --out file")
	fl.StringVar(&renew, "renew", "", "a new key and request for the bundle of this docker `CONTEXT` (same host and name); the bundle keeps working until you connect the new one")
	return cmd
}

// expiringDays: connect --list warns about a bundle that ends this soon.
const expiringDays = 30

// printInstalled is connect --list.
func printInstalled(e *env, mm *member.Machine) error {
	list, err := mm.List()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stdout, "No bundles under %s: \"docker-tls connect FILE\" installs the one your admin sent.\n", filepath.Join(mm.ConfigDir, "tls"))
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTEXT\tHOST\tMEMBER\tNOT AFTER\tDAYS LEFT")
	var soon []string
	for _, in := range list {
		host := in.Host
		if host == "" {
			host = "- (no docker context)"
		}
		if in.Problem != "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t%s\n", in.Context, host, in.Problem)
			continue
		}
		left := int(in.NotAfter.Sub(e.now()).Hours() / 24)
		state := fmt.Sprint(left)
		switch {
		case left < 0:
			state = "ended"
		case in.Renewing:
			state += " (renewal requested)"
		case left < expiringDays:
			state += " (renew soon)"
			soon = append(soon, in.Context)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", in.Context, host, in.Name, in.NotAfter.Format("2006-01-02"), state)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range soon {
		fmt.Fprintf(e.stdout, "\n%s ends within %d days: \"docker-tls request --renew %s\" makes a request to send your admin (or ask them for a renewed bundle).\n", c, expiringDays, c)
	}
	return nil
}
