package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
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
			cfg, err := setup.ConfigDir(env.getenv)
			if err != nil {
				return err
			}
			docker, _ := exec.LookPath("docker")
			c, err := setup.Connect(setup.ConnectInput{File: args[0], ConfigDir: cfg, Host: host, Context: context,
				Docker: docker, Now: env.now()})
			if err != nil {
				return err
			}
			w := env.stdout
			fmt.Fprintf(w, "Checked the bundle of %q: valid until %s, from the daemon's CA.\n", c.Name, c.NotAfter.Format("2006-01-02"))
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
			if c.ProbeError != nil {
				return setup.WithHint(fmt.Errorf("the daemon at %s did not answer over TLS: %w", c.Host, c.ProbeError),
					setup.Hint(c.ProbeError)+" The bundle and the context are in place: run \"docker --context "+c.Context+" version\" to try again.")
			}
			fmt.Fprintf(w, "The daemon answers over mutual TLS: Docker %s.\n", c.Version)
			fmt.Fprintf(w, "\nNext:\n%s", formatSteps([]setup.Step{
				{Text: "Use it:", Commands: []string{"docker --context " + c.Context + " ps"}},
				{Text: "Make it the default:", Commands: []string{"docker context use " + c.Context}},
			}, "  "))
			return nil
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
		Use:   "request --host HOST --name NAME [--out FILE]",
		Short: "On your machine: make your key here and a certificate request to send your admin",
		Long: `request makes your private key on this machine (0600, under
$DOCKER_CONFIG/tls/HOST, ~/.docker by default) and a certificate request (CSR)
for it. Send the request to your admin; they run "docker-tls client sign" and
send back a file for "docker-tls connect". Your key never leaves this machine.`,
		Example: `  docker-tls request --host docker.example.com --name alice
  docker-tls request --host docker.example.com:2376 --name alice --out /tmp/alice.csr`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if host == "" || name == "" {
				return usagef("request needs --host (the Docker host to connect to) and --name (yours, as your admin will know it)")
			}
			kt, err := pki.ParseKeyType(keyType)
			if err != nil {
				return usagef("--key-type: %v", err)
			}
			if out == "" {
				out = name + ".csr"
			}
			if _, err := os.Lstat(out); err == nil && !force {
				return setup.WithHint(fmt.Errorf("%s already exists", out), "Choose another --out FILE, or add --force to replace it.")
			}
			cfg, err := setup.ConfigDir(env.getenv)
			if err != nil {
				return err
			}
			r, err := setup.Request(setup.RequestInput{Host: host, Name: name, KeyType: kt, ConfigDir: cfg, Context: context, Force: force})
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, r.CSR, 0o644); err != nil {
				return fmt.Errorf("writing the request: %w (your key is in %s)", err, r.KeyPath)
			}
			base := filepath.Base(out)
			fmt.Fprintf(env.stdout, "Your key: %s (0600; it stays on this machine)\nYour request: %s\n\n", r.KeyPath, out)
			fmt.Fprint(env.stdout, formatSteps([]setup.Step{
				{Text: fmt.Sprintf("Send %s to your admin (it holds no secret); they run:", base),
					Commands: []string{fmt.Sprintf("docker-tls client sign %s --archive %s.tar.gz", base, name)}},
				{Text: "When they send the archive back, run:", Commands: []string{fmt.Sprintf("docker-tls connect %s.tar.gz", name)}},
			}, ""))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&host, "host", "", "the Docker host to connect to, HOST[:PORT] (required)")
	fl.StringVar(&name, "name", "", "your name, as your admin knows you (required)")
	fl.StringVar(&out, "out", "", "where to write the request (default ./NAME.csr)")
	fl.StringVar(&keyType, "key-type", string(pki.ECDSAP256), "key type: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519")
	fl.StringVar(&context, "context", "", "name of the docker context (default: the host name)")
	fl.BoolVar(&force, "force", false, "replace a key already waiting for this host, and an existing --out file")
	return cmd
}
