package render

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// configFileError says why dockerd's configuration file cannot take the
// merged settings where it is, and what to do instead; nil when it can.
// merged is the file docker-tls would write.
func (d *Detection) configFileError(merged []byte) error {
	p := d.ConfigFile
	switch {
	case p == "":
		return &ConflictError{Path: d.launch.exec.path, Line: d.launch.exec.line, Flags: []string{"--config-file="},
			Reason: "ExecStart= passes an empty --config-file=, so dockerd reads no configuration file and daemon.json settings would change nothing",
			Fix:    "remove --config-file= (dockerd then reads " + DaemonJSONPath + ") or point it at a file, then run docker-tls again"}
	case strings.HasPrefix(p, "/nix/store/"):
		return fmt.Errorf("%w: docker.service runs dockerd --config-file=%s, a file NixOS generates from virtualisation.docker.daemon.settings (the store is read-only, and units under /etc/systemd/system are replaced on the next switch). Put the settings in /etc/nixos/configuration.nix:\n\n%s\nthen run \"nixos-rebuild switch\" and docker-tls again right away: dockerd starts once the certificates exist, and the second run finds these settings in place and writes the rest", ErrReadOnlyConfig, p, nixSettings(merged))
	case readOnly(d.fs, path.Dir(p)):
		return fmt.Errorf("%w: docker.service runs dockerd with --config-file=%s, on a read-only file system: change it where that file is made (or point --config-file at a writable file), then run docker-tls again", ErrReadOnlyConfig, p)
	}
	return nil
}

// nixSettings renders docker-tls's settings of merged (hosts and the TLS
// keys) as NixOS options to paste. "hosts" is forced: the module sets
// hosts = [ "fd://" ] itself, and lists would be concatenated, handing
// docker.socket's unix socket to the TLS listener too.
func nixSettings(merged []byte) string {
	var cfg map[string]any
	_ = json.Unmarshal(merged, &cfg)
	nix := func(v any) string {
		switch v := v.(type) {
		case bool:
			return fmt.Sprint(v)
		case string:
			return nixString(v)
		case []any:
			parts := make([]string, len(v))
			for i, x := range v {
				s, _ := x.(string)
				parts[i] = nixString(s)
			}
			return "[ " + strings.Join(parts, " ") + " ]"
		}
		return "null"
	}
	var b strings.Builder
	b.WriteString("  virtualisation.docker.daemon.settings = {\n")
	for _, k := range owned {
		v, ok := cfg[k]
		if !ok {
			continue
		}
		val := nix(v)
		if k == "hosts" {
			val = "pkgs.lib.mkForce " + val
		}
		fmt.Fprintf(&b, "    %s = %s;\n", k, val)
	}
	b.WriteString("  };\n")
	return b.String()
}

// nixString quotes s as a Nix string.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
