package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker-tls/docker-tls/hostfs"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/docker-tls/docker-tls/wizard"
)

// runWizard starts the wizard on a terminal, on the same engine as init,
// client add and renew (and, on a team member's machine, connect and
// request): one engine, two front ends. The wizard draws on the
// alternate screen; when it ends, the outcome is printed here, once.
// changed reports the init flags given on the command line: only those
// pre-fill the answers, the rest come from the host (a re-run keeps the
// current certificate's names) or the defaults.
func runWizard(ctx context.Context, e *env, f *initFlags, changed func(flag string) bool) error {
	// Never start the program on a non-terminal: escape codes would leak
	// into a pipe or a log, and nobody could answer.
	if !e.terminalUI() {
		fmt.Fprintf(e.stderr, "docker-tls: the wizard needs a terminal. Without one, use the same plan with flags:\n\n%s\n", examples)
		return usagef("no terminal for the wizard: use \"docker-tls init --fqdn NAME ...\"")
	}
	h := e.wizardHost(f.root)
	opts, err := wizardOptions(e, h, f, changed)
	if err != nil {
		return err
	}
	res, err := wizard.Run(ctx, h, opts)
	if err != nil {
		return err
	}
	return reportWizard(e, h.Root(), res)
}

// wizardOptions turns init's flags into the wizard's defaults, and detects
// the host for the welcome screen.
func wizardOptions(e *env, h *setup.Host, f *initFlags, changed func(string) bool) (wizard.Options, error) {
	det, err := h.Detect(f.force)
	if err != nil {
		return wizard.Options{}, err
	}
	host, _ := os.Hostname()
	d := wizard.Detected{Detection: *det, Root: h.Root(), Hostname: strings.ToLower(host), IPs: interfaceIPs(), Listen: h.Listen()}
	if det.ExistingCA {
		d.Server, d.Expiring = certEnds(h, e.now())
	}
	if d.Listen == "" {
		d.Listen = det.Loopback // dockerd listens on loopback only: keep it so
	}
	given := func(name, v string) string {
		if changed(name) {
			return v
		}
		return ""
	}
	a := wizard.Answers{
		CACommonName:   given("ca-cn", f.caCN),
		CAOrganization: given("ca-org", f.caOrg),
		FQDN:           given("fqdn", f.fqdn),
		DNSNames:       given("san-dns", strings.Join(f.sanDNS, ", ")),
		Listen:         given("listen", f.listen),
		Clients:        given("client", strings.Join(f.clients, ", ")),
		KeyType:        given("key-type", f.keyType),
		CADays:         given("ca-days", strconv.Itoa(f.caDays)),
		Days:           given("days", strconv.Itoa(f.days)),
		Trust:          pki.Trust(f.trust),
		Slots:          f.slots,
	}
	if changed("san-ip") {
		a.IPs = slices.Clone(f.sanIP)
	}
	if slices.Equal(pki.SplitList(a.Clients), []string{pki.DefaultClient}) {
		a.Clients = "" // the field's placeholder shows the default
	}
	src := passphraseSource{file: f.passFile}
	if src.given(e) {
		p, err := src.read(e, false)
		if err != nil {
			return wizard.Options{}, err
		}
		a.Passphrase, a.Passphrase2, a.PassphraseFromFile = string(p), string(p), true
		a.PassphraseSource = "from $" + setup.PassphraseEnv
		if f.passFile == "-" {
			a.PassphraseSource = "from standard input"
		} else if f.passFile != "" {
			a.PassphraseSource = "from file " + f.passFile
		}
	}
	opts := wizard.Options{Detected: d, Defaults: a, Now: e.now, NoColor: e.getenv("NO_COLOR") != "",
		Force: f.force, CanApply: !h.Sandbox()}
	if det.MemberSide() {
		// A team member's machine: the wizard connects it to a Docker
		// host, as the member, with their own docker configuration.
		mm, err := member.NewMachine(e.getenv, e.now)
		if err != nil {
			return wizard.Options{}, err
		}
		opts.Member, opts.Detected.ConfigDir = mm, mm.ConfigDir
	}
	return opts, nil
}

// certEnds is what the welcome says of the certificates of a host set
// up: the server certificate's name and end (read through hostfs, no link
// followed), and what ends within wizard.ExpiringDays or has ended, the
// server first, then the members soonest first. A member removed, or
// whose bundle is gone (nothing here to renew from), is left out.
func certEnds(h *setup.Host, now time.Time) (*wizard.Cert, []wizard.Cert) {
	var server *wizard.Cert
	var soon []wizard.Cert
	if b, err := hostfs.New(h.Root()).ReadFile(setup.ServerCert, hostfs.MaxFile); err == nil {
		if info, err := pki.Inspect(b); err == nil {
			server = &wizard.Cert{Kind: "server", Name: info.CommonName, NotAfter: info.NotAfter}
			if info.DaysLeft(now) < wizard.ExpiringDays {
				soon = append(soon, *server)
			}
		}
	}
	rows, _ := h.Clients() // unreadable: status says why
	var members []wizard.Cert
	for _, r := range rows {
		if r.RemovedAt != nil || r.Serial == "" || r.Problem == "bundle missing" || r.DaysLeft >= wizard.ExpiringDays {
			continue
		}
		members = append(members, wizard.Cert{Kind: "client", Name: r.Name, NotAfter: r.NotAfter, FromRequest: r.FromRequest})
	}
	slices.SortStableFunc(members, func(a, b wizard.Cert) int { return a.NotAfter.Compare(b.NotAfter) })
	return server, append(soon, members...)
}

// interfaceIPs lists the host's global unicast addresses as suggestions.
func interfaceIPs() []string { return setup.HostAddrs() }
