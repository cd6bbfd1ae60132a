package main

import (
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/spf13/cobra"
)

// The team member's commands: they run as the member, on their machine,
// with no root and no --root.

func newConnectCmd(env *env) *cobra.Command {
	var host, context string
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
  docker-tls connect ./bundle --host docker.example.com:2376`,
		Args: func(cmd *cobra.Command, args []string) error {
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
			c, err := mm.Connect(member.ConnectInput{File: args[0], Host: host, Context: context})
			if err != nil {
				return err
			}
			return printConnected(env, c)
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "the daemon's address, HOST[:PORT], when FILE does not say it")
	cmd.Flags().StringVar(&context, "context", "", "name of the docker context (default: the daemon's host name)")
	return cmd
}

func newRequestCmd(env *env) *cobra.Command {
	var host, name, out, keyType, context string
	var force bool
	cmd := &cobra.Command{
		Use:   "request --host HOST --name NAME",
		Short: "On your machine: make your key here and a certificate request to send your admin",
		Long: `request makes your private key on this machine (0600, under
$DOCKER_CONFIG/tls/HOST, ~/.docker by default) and a certificate request (CSR)
for it. Send the request to your admin; they run "docker-tls client sign" and
send back a file for "docker-tls connect". Your key never leaves this machine.`,
		Example: `  docker-tls request --host docker.example.com --name alice
  docker-tls request --host docker1:2376 --name alice --out a.csr`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if host == "" || name == "" {
				return usagef("request needs --host (the Docker host to connect to) and --name (yours, as your admin will know it)")
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
	fl.StringVar(&host, "host", "", "the Docker host to connect to, HOST[:PORT] (required)")
	fl.StringVar(&name, "name", "", "your name, as your admin knows you (required)")
	fl.StringVar(&out, "out", "", "where to write the request (default ./NAME.csr)")
	fl.StringVar(&keyType, "key-type", string(pki.ECDSAP256), keyTypeUsage())
	fl.StringVar(&context, "context", "", "name of the docker context (default: the host name)")
	fl.BoolVar(&force, "force", false, "replace a key already waiting for this host, and an existing --out file")
	return cmd
}
