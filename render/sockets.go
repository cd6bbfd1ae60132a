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
	path    string // real path of the unit file
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

// readSocket reads the socket unit p; ok when it hands its listeners to
// docker.service.
func (d *Detection) readSocket(p string) (socketUnit, bool) {
	data, err := readFile(d.fs, p)
	if err != nil || data == nil {
		return socketUnit{}, false
	}
	name := path.Base(p)
	s := socketUnit{name: name, path: p}
	service := strings.TrimSuffix(name, ".socket") + ".service"
	for _, l := range parseUnit(data) {
		switch {
		case l.section != "Socket":
		case l.key == "Service":
			service = l.value
		case l.key == "ListenStream" && l.value == "":
			s.listens = nil
		case l.key == "ListenStream":
			s.listens = append(s.listens, assignment{l.value, p, l.line})
		}
	}
	return s, service == "docker.service"
}

// socketConflicts checks the socket units of docker.service once dockerd
// listens on listen itself (without -H fd://, it takes none of their
// sockets): an enabled one on the same TCP port keeps dockerd from binding
// it, an error; one on another TCP port answers nothing any more, a
// warning.
func (d *Detection) socketConflicts(listen string) (errs []error, warnings []string) {
	socks, err := d.dockerSockets()
	if err != nil {
		return []error{err}, nil
	}
	_, port, _ := net.SplitHostPort(listen)
	for _, s := range socks {
		for _, a := range s.listens {
			p := tcpPort(a.value)
			switch {
			case p == "" || !s.enabled:
			case p == port:
				errs = append(errs, &ConflictError{Path: a.path, Line: a.line, Flags: []string{"ListenStream=" + a.value},
					Reason: fmt.Sprintf("%s is enabled and holds TCP port %s for docker.service, so dockerd cannot listen on %s itself", s.name, p, listen),
					Fix:    fmt.Sprintf("systemctl disable --now %s (dockerd serves TLS on that port itself now), or choose another --listen port", s.name)})
			default:
				warnings = append(warnings, fmt.Sprintf("%s:%d: %s is enabled and listens on TCP port %s for docker.service; dockerd takes no sockets from systemd any more (no -H fd://), so nothing answers there: systemctl disable --now %s", a.path, a.line, s.name, p, s.name))
			}
		}
	}
	return errs, warnings
}
