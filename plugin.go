package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// The Docker CLI runs a plugin as `docker-tls tls ARGS...` (plugin name
// first) and asks for its metadata with `docker-tls docker-cli-plugin-metadata`.
// See https://github.com/docker/cli/blob/master/docs/extend/cli_plugins.md.
// pluginArgs also says whether it runs as a plugin.
func pluginArgs(args []string) ([]string, bool) {
	if len(args) > 0 && args[0] == "tls" && runAsPlugin() {
		return args[1:], true
	}
	return args, false
}

// asPlugin makes help name the commands as the user types them through the
// Docker CLI: "docker tls client add", not "docker-tls client add".
func asPlugin(root *cobra.Command) {
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[cobra.CommandDisplayNameAnnotation] = "docker tls"
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Example = strings.ReplaceAll(c.Example, "docker-tls ", "docker tls ")
		for _, sc := range c.Commands() {
			walk(sc)
		}
	}
	walk(root)
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
