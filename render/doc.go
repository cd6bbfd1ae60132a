// Package render owns the host side of docker-tls: it reads docker.service
// (with its drop-ins and environment files) and builds dockerd's command
// line as systemd does, reads the daemon.json that dockerd reads, computes
// the new daemon.json, override.conf and environment files, renders unified
// diffs of every change, and writes files as one transaction with backups
// and rollback.
//
// Every absolute path is a real path (as written into config files); reads and
// writes join it under a root directory, like DESTDIR:
//
//	host := &render.Host{Listen: "0.0.0.0:2376", CACert: ca, Cert: cert, Key: key}
//	changes, err := render.Build("/", files, host)
//	if err != nil { ... }
//	for _, c := range changes.Pending() { fmt.Print(render.Colorize(c.Diff)) }
//	res, err := changes.Apply(nil)
//
// render knows nothing of x509: certificates and keys arrive as opaque bytes.
// Every file under the root is reached through hostfs (no link followed,
// owners and modes checked), the one package of the project it imports: one
// *hostfs.FS per Detect or Build, held by the Detection (read.go has the
// helpers). The one exception is the probe for a rootless docker.service in
// users' homes, which hostfs as root does not enter: it only asks whether
// the file is there.
package render

import "path/filepath"

// Real paths, as written into config files. Every read and write joins them
// under the root.
const (
	DaemonJSONPath    = "/etc/docker/daemon.json"
	OverridePath      = "/etc/systemd/system/docker.service.d/override.conf"
	DefaultDockerPath = "/etc/default/docker"
	// SysconfigDockerPath is the environment file of Red Hat's docker
	// packages, as /etc/default/docker is Debian's.
	SysconfigDockerPath = "/etc/sysconfig/docker"
	DefaultSocket       = "unix:///var/run/docker.sock"
)

// Join returns the real path p under root (root "/" or "" means p itself).
func Join(root, p string) string {
	if root == "" || root == "/" {
		return filepath.Clean(p)
	}
	return filepath.Join(root, p)
}
