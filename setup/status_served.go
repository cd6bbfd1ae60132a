package setup

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/pki"
)

// checkServed reports the probe: whether it got through, and what dockerd
// serves against the files: a renewed certificate it has not loaded
// (RestartPending), a removed member's anchor it still trusts
// (StillTrusted), an address of this host its certificate does not name
// (SANDrift).
func (st *statusRun) checkServed() []Finding {
	p := st.probe
	if p == nil {
		return nil
	}
	var out []Finding
	if p.err != nil {
		out = append(out, msg("probe failed: %v%s", p.err, probeHint(p.err)))
		st.r.Probe = "failed"
	} else {
		st.r.Probe = "ok"
	}
	leaf := p.servedLeaf()
	if leaf == nil {
		return out
	}
	st.r.Served = &Served{CommonName: leaf.Subject.CommonName, Serial: leaf.SerialNumber.Text(16), NotAfter: leaf.NotAfter,
		DaysLeft: (&pki.Info{NotAfter: leaf.NotAfter}).DaysLeft(st.now)}
	if b, ok, _ := st.read(ServerCert); ok {
		if file, err := pki.ParseCert(b); err == nil && !bytes.Equal(file.Raw, leaf.Raw) {
			out = append(out, Finding{Code: RestartPending, Served: leaf.NotAfter, File: file.NotAfter})
		}
	}
	out = append(out, st.stillTrusted()...)
	return append(out, st.sanDrift()...)
}

// stillTrusted names each removed member whose anchor dockerd lists in its
// CertificateRequest: it loaded members.pem before the removal. Slots are
// never reused, so an anchor's name ("member anchor 7") is its slot's.
func (st *statusRun) stillTrusted() []Finding {
	removed := map[string]*pki.LedgerEntry{} // anchor name -> its entry
	for i := range st.ledger.Issued {
		if e := &st.ledger.Issued[i]; e.Kind == pki.KindAnchor && e.RemovedAt != nil {
			removed[pki.AnchorName(e.Slot)] = e
		}
	}
	var out []Finding
	for _, der := range st.probe.acceptable {
		st.r.Served.AcceptableCAs = append(st.r.Served.AcceptableCAs, caName(der))
		e := removed[caName(der)]
		if e == nil {
			continue
		}
		for _, m := range membersOf(st.ledger, e.Serial) {
			out = append(out, Finding{Code: StillTrusted, Member: m, RemovedAt: *e.RemovedAt})
		}
	}
	return out
}

// caName is the common name of a DER distinguished name, else the whole
// name.
func caName(der []byte) string {
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &rdn); err != nil {
		return ""
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	if n.CommonName != "" && len(rdn) == 1 {
		return n.CommonName
	}
	return n.String()
}

// membersOf are the members an anchor issued certificates to.
func membersOf(l *pki.Ledger, anchor string) []string {
	var out []string
	for _, e := range l.Issued {
		if e.Kind == pki.KindClient && e.Anchor == anchor && !slices.Contains(out, e.CommonName) {
			out = append(out, e.CommonName)
		}
	}
	return out
}

// sanDrift: each address of this host members may connect by that the
// served certificate does not name. With a listener on one address, only
// that one counts.
func (st *statusRun) sanDrift() []Finding {
	leaf := st.probe.servedLeaf()
	addrs := st.hostAddrs()
	if l, err := tcpListenerOf(st.cfg); err == nil && l.Host != "" && l.Host != "0.0.0.0" && l.Host != "::" {
		addrs = []string{l.Host}
	}
	var out []Finding
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() {
			continue
		}
		if leaf.VerifyHostname(ip.String()) != nil {
			out = append(out, Finding{Code: SANDrift, Address: ip.String()})
		}
	}
	return out
}

// hostAddrs are this host's addresses (StatusInput.Addrs, else those of
// its interfaces that are up, but Docker's own bridges and veths).
func (st *statusRun) hostAddrs() []string {
	list := st.in.Addrs
	if list == nil {
		list = interfaceAddrs
	}
	addrs, err := list()
	if err != nil {
		return nil
	}
	return addrs
}

// DockerInterface reports an interface Docker itself makes (its bridges,
// a swarm's gateway bridge, containers' veth ends): no member connects to
// the daemon by their addresses, so they are neither offered as names of
// the server certificate nor checked for SAN drift.
func DockerInterface(name string) bool {
	return name == "docker0" || name == "docker_gwbridge" || strings.HasPrefix(name, "br-") || strings.HasPrefix(name, "veth")
}

// HostAddrs are this host's global unicast addresses, those of Docker's own
// interfaces left out: what the wizard offers as the server's IPs.
func HostAddrs() []string {
	addrs, err := interfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil && ip.IsGlobalUnicast() {
			out = append(out, a)
		}
	}
	return out
}

func interfaceAddrs() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, i := range ifs {
		if i.Flags&net.FlagUp == 0 || DockerInterface(i.Name) {
			continue
		}
		as, err := i.Addrs()
		if err != nil {
			continue
		}
		for _, a := range as {
			if n, ok := a.(*net.IPNet); ok {
				out = append(out, n.IP.String())
			}
		}
	}
	return out, nil
}

// lastRenew is when a renewal last succeeded, as LastRenewPath records it;
// zero when it does not.
func (st *statusRun) lastRenew() time.Time {
	b, ok, err := st.read(LastRenewPath)
	if err != nil || !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	if err != nil {
		return time.Time{}
	}
	return t
}
