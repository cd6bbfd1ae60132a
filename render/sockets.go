package render

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path"
	"sort"
	"strings"
)

// socketUnit is a .socket unit that hands its listeners to docker.service
// (dockerd takes them with -H fd://).
type socketUnit struct {
	name    string
	path    string   // real path of the unit file
	dropIns []string // real paths of its drop-ins, in order
	listens []assignment
	enabled bool // wanted or required by something, or by docker.service
}

// tcpPort returns the port of a ListenStream= value that is a TCP
// listener ("2376", "0.0.0.0:2376", "[::]:2376"); "" for a unix socket.
func tcpPort(v string) string {
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "@") {
		return ""
	}
	if _, port, err := net.SplitHostPort(v); err == nil {
		return port
	}
	if strings.Trim(v, "0123456789") == "" {
		return v
	}
	return ""
}

// dockerSockets finds the socket units of docker.service under root: those
// with Service=docker.service, and docker.socket itself. A unit is enabled
// when a *.wants or *.requires directory links it, or docker.service
// requires or wants it.
func (d *Detection) dockerSockets() ([]socketUnit, error) {
	wanted := d.dependencies()
	seen := map[string]bool{} // a higher-priority directory hides the same name lower down
	var out []socketUnit
	for _, dir := range unitDirs {
		socks, err := d.socketsIn(dir, wanted, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, socks...)
	}
	for i := range out {
		out[i].enabled = wanted[out[i].name]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// dependencyKeys are the [Unit] settings by which docker.service pulls in
// another unit.
var dependencyKeys = []string{"Requires", "Wants", "BindsTo", "Requisite"}

// dependencies are the units docker.service requires or wants.
func (d *Detection) dependencies() map[string]bool {
	wanted := map[string]bool{}
	for _, f := range d.files {
		for _, l := range parseUnit(f.data) {
			if l.section == "Unit" && contains(dependencyKeys, l.key) {
				for _, n := range strings.Fields(l.value) {
					wanted[n] = true
				}
			}
		}
	}
	return wanted
}

// socketsIn returns the socket units of docker.service in the unit
// directory dir that seen does not have yet, and adds the units its
// *.wants and *.requires directories link to wanted.
func (d *Detection) socketsIn(dir string, wanted, seen map[string]bool) ([]socketUnit, error) {
	ents, err := d.fs.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []socketUnit
	for _, e := range ents {
		name := e.Name()
		switch {
		case e.IsDir() && (strings.HasSuffix(name, ".wants") || strings.HasSuffix(name, ".requires")):
			links, _ := d.fs.ReadDir(path.Join(dir, name))
			for _, l := range links {
				wanted[l.Name()] = true
			}
		case !strings.HasSuffix(name, ".socket") || seen[name]:
		case e.Type()&fs.ModeSymlink != 0:
			seen[name] = true // masked (a link to /dev/null), or linked: not one docker-tls can read safely, and rare
		default:
			seen[name] = true
			if s, ok := d.readSocket(path.Join(dir, name)); ok {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// readSocket reads the socket unit p and its drop-ins; ok when it hands
// its listeners to docker.service.
func (d *Detection) readSocket(p string) (socketUnit, bool) {
	data, err := readFile(d.fs, p)
	if err != nil || data == nil {
		return socketUnit{}, false
	}
	name := path.Base(p)
	s := socketUnit{name: name, path: p}
	s.dropIns, _ = findDropIns(d.fs, name)
	files := []unitFile{{p, data}}
	for _, dp := range s.dropIns {
		if b, err := readFile(d.fs, dp); err == nil && b != nil {
			files = append(files, unitFile{dp, b})
		}
	}
	service := strings.TrimSuffix(name, ".socket") + ".service"
	for _, f := range files {
		for _, l := range parseUnit(f.data) {
			switch {
			case l.section != "Socket":
			case l.key == "Service":
				service = l.value
			case l.key == "ListenStream" && l.value == "":
				s.listens = nil
			case l.key == "ListenStream":
				s.listens = append(s.listens, assignment{l.value, f.path, l.line})
			}
		}
	}
	return s, service == "docker.service"
}

// socketDropIn is the drop-in docker-tls writes for a socket unit of
// docker.service that listens on TCP: it sorts after the usual drop-in
// names (override.conf, as systemctl edit names it), so its reset wins.
func socketDropIn(name string) string {
	return "/etc/systemd/system/" + name + ".d/zz-docker-tls.conf"
}

// socketFixes plans what becomes of the TCP listeners of the enabled
// socket units of docker.service once dockerd listens on listen itself
// (without -H fd://, it takes none of their sockets, but systemd keeps
// their ports bound, in plaintext for anyone who reverts the unit). A
// unit that also listens on unix sockets gets a drop-in that resets
// ListenStream= and keeps those (files, by path); one that listens on TCP
// only, or whose TCP listener docker-tls cannot reset, is refused with the
// edit to make.
func (d *Detection) socketFixes(listen string) (files map[string][]byte, errs []error) {
	socks, err := d.dockerSockets()
	if err != nil {
		return nil, []error{err}
	}
	files = map[string][]byte{}
	_, port, _ := net.SplitHostPort(listen)
	for _, s := range socks {
		var tcp, other []assignment
		for _, a := range s.listens {
			if tcpPort(a.value) != "" {
				tcp = append(tcp, a)
			} else {
				other = append(other, a)
			}
		}
		if len(tcp) == 0 || !s.enabled {
			continue
		}
		if data, err := d.socketDropIn(s, tcp, other, port); err != nil {
			errs = append(errs, err)
		} else {
			files[socketDropIn(s.name)] = data
		}
	}
	return files, errs
}

// socketDropIn renders the drop-in that takes the TCP listeners tcp off
// socket unit s and keeps other, or says why it cannot.
func (d *Detection) socketDropIn(s socketUnit, tcp, other []assignment, port string) ([]byte, error) {
	a := tcp[0]
	ports := make([]string, len(tcp))
	for i, t := range tcp {
		ports[i] = "ListenStream=" + t.value
	}
	ce := &ConflictError{Path: a.path, Line: a.line, Flags: ports}
	held := fmt.Sprintf("%s is enabled and listens on TCP (%s) for docker.service, unencrypted; dockerd takes no sockets from systemd any more (no -H fd://), but systemd keeps the port bound", s.name, strings.Join(ports, ", "))
	if p := tcpPort(a.value); p == port {
		held = fmt.Sprintf("%s is enabled and holds TCP port %s for docker.service, so dockerd cannot listen on it itself", s.name, p)
	}
	mine := socketDropIn(s.name)
	for _, dp := range s.dropIns {
		if dp != mine && path.Base(dp) > path.Base(mine) {
			ce.Reason = held + fmt.Sprintf(", and its drop-in %s sorts after %s, where docker-tls would reset ListenStream=", dp, mine)
			ce.Fix = fmt.Sprintf("remove %s there (keep its unix socket lines), then run docker-tls again", strings.Join(ports, " and "))
			return nil, ce
		}
	}
	if len(other) == 0 {
		ce.Reason = held + ", and it listens on nothing else"
		ce.Fix = fmt.Sprintf("systemctl disable --now %s (dockerd serves TLS itself now), then run docker-tls again", s.name)
		if s.name == "docker.socket" {
			ce.Fix = fmt.Sprintf("in %s, replace %s by ListenStream=%s (the packaged docker.socket's), then systemctl daemon-reload and run docker-tls again", a.path, strings.Join(ports, " and "), "/run/docker.sock")
		}
		return nil, ce
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[Socket]\n# Managed by docker-tls. dockerd serves the API itself now, with TLS\n# (daemon.json \"hosts\"), and takes no sockets from systemd: this\n# keeps systemd from holding the unencrypted TCP listener(s)\n")
	for _, t := range tcp {
		fmt.Fprintf(&b, "# ListenStream=%s (%s:%d)\n", t.value, t.path, t.line)
	}
	b.WriteString("# The empty ListenStream= resets the list; the unix sockets stay.\nListenStream=\n")
	for _, o := range other {
		fmt.Fprintf(&b, "ListenStream=%s\n", o.value)
	}
	return []byte(b.String()), nil
}
