package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
	"github.com/docker-tls/docker-tls/wizard"
)

// runWizard starts the wizard on a terminal, on the same engine as init,
// client add and renew: one engine, two front ends.
func runWizard(ctx context.Context, e *env, f *initFlags) error {
	// Never start the program on a non-terminal: escape codes would leak
	// into a pipe or a log, and nobody could answer.
	if !e.terminalUI() {
		fmt.Fprintf(e.stderr, "docker-tls: the wizard needs a terminal. Without one, use the same plan with flags:\n\n%s\n", examples)
		return usagef("no terminal for the wizard: use \"docker-tls init --fqdn NAME ...\"")
	}
	h := e.wizardHost(f.root)
	opts, err := wizardOptions(e, h, f)
	if err != nil {
		return err
	}
	res, err := wizard.Run(ctx, h, opts)
	if err != nil {
		return err
	}
	if res.Written && len(res.NextSteps) > 0 {
		fmt.Fprintf(e.stdout, "Next steps:\n%s", formatSteps(res.NextSteps, "  "))
	}
	if res.Aborted {
		return errAborted
	}
	return res.Err
}

// wizardOptions turns init's flags into the wizard's defaults, and detects
// the host for the welcome screen.
func wizardOptions(e *env, h *setup.Host, f *initFlags) (wizard.Options, error) {
	det, err := h.Detect(f.force)
	if err != nil {
		return wizard.Options{}, err
	}
	host, _ := os.Hostname()
	d := wizard.Detected{Detection: *det, Root: h.Root(), Hostname: strings.ToLower(host), IPs: interfaceIPs()}
	a := wizard.Answers{
		CACommonName:   f.caCN,
		CAOrganization: f.caOrg,
		FQDN:           f.fqdn,
		DNSNames:       strings.Join(f.sanDNS, ", "),
		ExtraIPs:       strings.Join(f.sanIP, ", "),
		Listen:         f.listen,
		Clients:        strings.Join(f.clients, ", "),
		KeyType:        f.keyType,
		CADays:         strconv.Itoa(f.caDays),
		Days:           strconv.Itoa(f.days),
		Trust:          pki.Trust(f.trust),
		Slots:          f.slots,
	}
	if a.FQDN == "" {
		a.FQDN = d.Hostname
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
	return wizard.Options{Detected: d, Defaults: a, Now: e.now, NoColor: e.getenv("NO_COLOR") != "",
		Force: f.force, CanApply: !h.Sandbox()}, nil
}

// interfaceIPs lists the host's global unicast addresses as suggestions.
func interfaceIPs() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.IsGlobalUnicast() {
			out = append(out, n.IP.String())
		}
	}
	return out
}
