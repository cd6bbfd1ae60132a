package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// The Docker CLI runs a plugin as `docker-tls tls ARGS...` (plugin name
// first) and asks for its metadata with `docker-tls docker-cli-plugin-metadata`.
// See https://github.com/docker/cli/blob/master/docs/extend/cli_plugins.md.
func pluginArgs(args []string) []string {
	if len(args) > 0 && args[0] == "tls" && runAsPlugin() {
		return args[1:]
	}
	return args
}

// runAsPlugin: the Docker CLI sets DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND, and
// installs plugins under a cli-plugins directory.
func runAsPlugin() bool {
	if os.Getenv("DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND") != "" {
		return true
	}
	exe, err := os.Executable()
	return err == nil && filepath.Base(filepath.Dir(exe)) == "cli-plugins"
}

func newPluginMetadataCmd(env *env) *cobra.Command {
	return &cobra.Command{
		Use:    "docker-cli-plugin-metadata",
		Short:  "Metadata for the Docker CLI plugin (docker tls ...)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(*cobra.Command, []string) error {
			enc := json.NewEncoder(env.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]string{
				"SchemaVersion":    "0.1.0",
				"Vendor":           "docker-tls",
				"Version":          version(),
				"ShortDescription": "Secure the Docker daemon with mutual TLS",
				"URL":              "https://github.com/docker-tls/docker-tls",
			})
		},
	}
}
