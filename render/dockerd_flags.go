package render

// dockerdFlag is one command-line flag of dockerd and the daemon.json keys
// that conflict with it.
type dockerdFlag struct {
	long     string
	short    byte     // shorthand letter, 0 if none
	isBool   bool     // takes a value only as --flag=value (pflag NoOptDefVal)
	keys     []string // daemon.json keys dockerd refuses next to this flag; nil: none
	versions dockerdVersion
}

type dockerdVersion int

const (
	v2010   dockerdVersion = 1 << iota // moby v20.10.24
	vLatest                            // moby master b985e2313a (docker-v29.7.2+)
)

// dockerdFlags are dockerd's flags on Linux, with the daemon.json key each
// one conflicts with. dockerd refuses to start when a flag given on the
// command line also appears as a key in its configuration file: the key is
// the flag's NamedOption name for list and map flags (-H/--host -> "hosts",
// --label -> "labels"), else its long name ("runtimes", the only key in
// skipDuplicates, never conflicts). Read from dockerd's flag and config
// definitions, not copied:
//
//   - moby v20.10.24 (5d6db842238e3c4f5f9fb9ad70ea46b35227d084):
//     cmd/dockerd/config.go, config_unix.go, config_common_unix.go,
//     cmd/dockerd/options.go, daemon/config/config.go
//     (findConfigurationConflicts, flatOptions, skipDuplicates), opts/
//   - moby master b985e2313a8676e18072b442911fc8f64f17d440 (docker-v29.7.2):
//     daemon/command/config*.go, daemon/command/options.go,
//     daemon/config/config.go, daemon/pkg/opts/
//
// Both versions are merged: a flag only one of them knows is still checked,
// since a dockerd that does not know it refuses it anyway.
// TestDockerdFlagTable checks every row against the installed dockerd.
var dockerdFlags = []dockerdFlag{
	{"help", 'h', true, nil, v2010 | vLatest},
	{"version", 'v', true, nil, v2010 | vLatest},
	{"config-file", 0, false, []string{"config-file"}, v2010 | vLatest},
	{"validate", 0, true, []string{"validate"}, vLatest},
	{"debug", 'D', true, []string{"debug"}, v2010 | vLatest},
	{"log-level", 'l', false, []string{"log-level"}, v2010 | vLatest},
	{"tls", 0, true, []string{"tls"}, v2010 | vLatest},
	{"tlsverify", 0, true, []string{"tlsverify"}, v2010 | vLatest},
	{"tlscacert", 0, false, []string{"tlscacert"}, v2010 | vLatest},
	{"tlscert", 0, false, []string{"tlscert"}, v2010 | vLatest},
	{"tlskey", 0, false, []string{"tlskey"}, v2010 | vLatest},
	{"host", 'H', false, []string{"hosts"}, v2010 | vLatest},
	{"allow-nondistributable-artifacts", 0, false, []string{"allow-nondistributable-artifacts"}, v2010},
	{"registry-mirror", 0, false, []string{"registry-mirrors"}, v2010 | vLatest},
	{"insecure-registry", 0, false, []string{"insecure-registries"}, v2010 | vLatest},
	{"storage-opt", 0, false, []string{"storage-opts"}, v2010 | vLatest},
	{"authorization-plugin", 0, false, []string{"authorization-plugins"}, v2010 | vLatest},
	{"exec-opt", 0, false, []string{"exec-opts"}, v2010 | vLatest},
	{"pidfile", 'p', false, []string{"pidfile"}, v2010 | vLatest},
	{"graph", 'g', false, []string{"graph"}, v2010},
	{"exec-root", 0, false, []string{"exec-root"}, v2010 | vLatest},
	{"containerd", 0, false, []string{"containerd"}, v2010 | vLatest},
	{"cri-containerd", 0, true, []string{"cri-containerd"}, v2010 | vLatest},
	{"feature", 0, false, []string{"features"}, vLatest},
	{"default-network-opt", 0, false, []string{"default-network-opts"}, vLatest},
	{"data-root", 0, false, []string{"data-root"}, v2010 | vLatest},
	{"restart", 'r', true, []string{"restart"}, v2010 | vLatest},
	{"storage-driver", 's', false, []string{"storage-driver"}, v2010 | vLatest},
	{"mtu", 0, false, []string{"mtu"}, v2010 | vLatest},
	{"network-control-plane-mtu", 0, false, []string{"network-control-plane-mtu"}, v2010 | vLatest},
	{"network-diagnostic-port", 0, false, []string{"network-diagnostic-port"}, v2010 | vLatest},
	{"raw-logs", 0, true, []string{"raw-logs"}, v2010 | vLatest},
	{"log-format", 0, false, []string{"log-format"}, vLatest},
	{"dns", 0, false, []string{"dns"}, v2010 | vLatest},
	{"dns-opt", 0, false, []string{"dns-opts"}, v2010 | vLatest},
	{"dns-search", 0, false, []string{"dns-search"}, v2010 | vLatest},
	{"host-gateway-ip", 0, false, []string{"host-gateway-ip", "host-gateway-ips"}, v2010 | vLatest},
	{"label", 0, false, []string{"labels"}, v2010 | vLatest},
	{"log-driver", 0, false, []string{"log-driver"}, v2010 | vLatest},
	{"log-opt", 0, false, []string{"log-opts"}, v2010 | vLatest},
	{"cluster-advertise", 0, false, []string{"cluster-advertise"}, v2010},
	{"cluster-store", 0, false, []string{"cluster-store"}, v2010},
	{"cluster-store-opt", 0, false, []string{"cluster-store-opts"}, v2010},
	{"api-cors-header", 0, false, []string{"api-cors-header"}, v2010},
	{"max-concurrent-downloads", 0, false, []string{"max-concurrent-downloads"}, v2010 | vLatest},
	{"max-concurrent-uploads", 0, false, []string{"max-concurrent-uploads"}, v2010 | vLatest},
	{"max-download-attempts", 0, false, []string{"max-download-attempts"}, v2010 | vLatest},
	{"shutdown-timeout", 0, false, []string{"shutdown-timeout"}, v2010 | vLatest},
	{"default-stop-timeout", 0, false, []string{"default-stop-timeout"}, vLatest},
	{"swarm-default-advertise-addr", 0, false, []string{"swarm-default-advertise-addr"}, v2010 | vLatest},
	{"experimental", 0, true, []string{"experimental"}, v2010 | vLatest},
	{"metrics-addr", 0, false, []string{"metrics-addr"}, v2010 | vLatest},
	{"node-generic-resource", 0, false, []string{"node-generic-resources"}, v2010 | vLatest},
	{"containerd-namespace", 0, false, []string{"containerd-namespace"}, v2010 | vLatest},
	{"containerd-plugins-namespace", 0, false, []string{"containerd-plugins-namespace"}, v2010 | vLatest},
	{"default-runtime", 0, false, []string{"default-runtime"}, v2010 | vLatest},
	{"http-proxy", 0, false, []string{"http-proxy"}, vLatest},
	{"https-proxy", 0, false, []string{"https-proxy"}, vLatest},
	{"no-proxy", 0, false, []string{"no-proxy"}, vLatest},
	{"cdi-spec-dir", 0, false, []string{"cdi-spec-dirs"}, vLatest},
	{"nri-opts", 0, false, []string{"nri-opts"}, vLatest},
	{"group", 'G', false, []string{"group"}, v2010 | vLatest},
	{"bip", 0, false, []string{"bip"}, v2010 | vLatest},
	{"bip6", 0, false, []string{"bip6"}, vLatest},
	{"bridge", 'b', false, []string{"bridge"}, v2010 | vLatest},
	{"fixed-cidr", 0, false, []string{"fixed-cidr"}, v2010 | vLatest},
	{"fixed-cidr-v6", 0, false, []string{"fixed-cidr-v6"}, v2010 | vLatest},
	{"default-gateway", 0, false, []string{"default-gateway"}, v2010 | vLatest},
	{"default-gateway-v6", 0, false, []string{"default-gateway-v6"}, v2010 | vLatest},
	{"icc", 0, true, []string{"icc"}, v2010 | vLatest},
	{"ip", 0, false, []string{"ip"}, v2010 | vLatest},
	{"add-runtime", 0, false, nil, v2010 | vLatest},
	{"selinux-enabled", 0, true, []string{"selinux-enabled"}, v2010 | vLatest},
	{"default-ulimit", 0, false, []string{"default-ulimits"}, v2010 | vLatest},
	{"iptables", 0, true, []string{"iptables"}, v2010 | vLatest},
	{"ip6tables", 0, true, []string{"ip6tables"}, v2010 | vLatest},
	{"ip-forward", 0, true, []string{"ip-forward"}, v2010 | vLatest},
	{"ip-forward-no-drop", 0, true, []string{"ip-forward-no-drop"}, vLatest},
	{"ip-masq", 0, true, []string{"ip-masq"}, v2010 | vLatest},
	{"ipv6", 0, true, []string{"ipv6"}, v2010 | vLatest},
	{"userland-proxy", 0, true, []string{"userland-proxy"}, v2010 | vLatest},
	{"userland-proxy-path", 0, false, []string{"userland-proxy-path"}, v2010 | vLatest},
	{"allow-direct-routing", 0, true, []string{"allow-direct-routing"}, vLatest},
	{"bridge-accept-fwmark", 0, false, []string{"bridge-accept-fwmark"}, vLatest},
	{"cgroup-parent", 0, false, []string{"cgroup-parent"}, v2010 | vLatest},
	{"userns-remap", 0, false, []string{"userns-remap"}, v2010 | vLatest},
	{"live-restore", 0, true, []string{"live-restore"}, v2010 | vLatest},
	{"oom-score-adjust", 0, false, []string{"oom-score-adjust"}, v2010},
	{"init", 0, true, []string{"init"}, v2010 | vLatest},
	{"init-path", 0, false, []string{"init-path"}, v2010 | vLatest},
	{"cpu-rt-period", 0, false, []string{"cpu-rt-period"}, v2010 | vLatest},
	{"cpu-rt-runtime", 0, false, []string{"cpu-rt-runtime"}, v2010 | vLatest},
	{"seccomp-profile", 0, false, []string{"seccomp-profile"}, v2010 | vLatest},
	{"default-shm-size", 0, false, []string{"default-shm-size"}, v2010 | vLatest},
	{"no-new-privileges", 0, true, []string{"no-new-privileges"}, v2010 | vLatest},
	{"default-ipc-mode", 0, false, []string{"default-ipc-mode"}, v2010 | vLatest},
	{"default-address-pool", 0, false, []string{"default-address-pools"}, v2010 | vLatest},
	{"firewall-backend", 0, false, []string{"firewall-backend"}, vLatest},
	{"rootless", 0, true, []string{"rootless"}, v2010 | vLatest},
	{"default-cgroupns-mode", 0, false, []string{"default-cgroupns-mode"}, v2010 | vLatest},
}

// flatOptions are the daemon.json keys whose object value dockerd keeps as
// one setting; any other object at the top level is flattened one level
// into its keys ({"proxies": {"http-proxy": ...}} sets "http-proxy").
// The union of both versions' lists (daemon/config/config.go).
var flatOptions = map[string]bool{
	"cluster-store-opts":   true,
	"default-network-opts": true,
	"log-opts":             true,
	"runtimes":             true,
	"default-ulimits":      true,
	"features":             true,
	"builder":              true,
	"nri-opts":             true,
}

// flagByLong and flagByShort index dockerdFlags.
var flagByLong, flagByShort = func() (map[string]*dockerdFlag, map[byte]*dockerdFlag) {
	long, short := map[string]*dockerdFlag{}, map[byte]*dockerdFlag{}
	for i := range dockerdFlags {
		f := &dockerdFlags[i]
		long[f.long] = f
		if f.short != 0 {
			short[f.short] = f
		}
	}
	return long, short
}()
