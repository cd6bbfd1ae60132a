package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/render"
	"github.com/docker-tls/docker-tls/wizard"
)

// runWizard starts the wizard on a terminal. The wizard calls exactly what
// init, client add and renew call (prepareSetup, prepareClient, prepareRenew,
// render's Apply): one code path, two front ends.
func runWizard(ctx context.Context, e *env, f *initFlags) error {
	// Never start the program on a non-terminal: escape codes would leak
	// into a pipe or a log, and nobody could answer.
	if !e.terminalUI() {
		fmt.Fprintf(e.stderr, "docker-tls: the wizard needs a terminal. Without one, use the same plan with flags:\n\n%s\n", examples)
		return usagef("no terminal for the wizard: use \"docker-tls init --fqdn NAME ...\"")
	}
	opts, err := wizardOptions(e, f)
	if err != nil {
		return err
	}
	res, err := wizard.Run(ctx, wizardDeps(e, f.root, f.force), opts)
	if err != nil {
		return err
	}
	if res.Aborted {
		return errAborted
	}
	return res.Err
}

// wizardOptions turns init's flags into the wizard's defaults, and detects
// the host for the welcome screen.
func wizardOptions(e *env, f *initFlags) (wizard.Options, error) {
	det, err := render.Detect(f.root)
	if err != nil {
		return wizard.Options{}, err
	}
	host, _ := os.Hostname()
	d := wizard.Detected{
		Root:       f.root,
		Hostname:   strings.ToLower(host),
		IPs:        interfaceIPs(),
		UnitPath:   det.UnitPath,
		ExecStart:  det.ExecStart,
		DaemonJSON: det.DaemonJSONExists,
		ExistingCA: det.ExistingCA && !f.force,
		Warnings:   det.Warnings,
	}
	if det.DefaultDockerConflict != "" {
		d.Warnings = append(d.Warnings, det.DefaultDockerConflict)
	}
	if det.ExistingCA && f.force {
		d.Warnings = append(d.Warnings, "--force: a new CA will replace the existing one (which is backed up); bundles issued by the old CA stop working")
	}
	if det.UnitPath == "" {
		// Said now rather than after every question: nothing can be written
		// without knowing how dockerd is started.
		d.Warnings = append(d.Warnings, fmt.Sprintf("docker.service was not found under %s: install Docker first (apt-get install docker.io), or point --root at a tree that has it (e.g. a copy of testdata/sandbox)", f.root))
	}
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
		a.PassphraseSource = "from $" + passEnv
		if f.passFile == "-" {
			a.PassphraseSource = "from standard input"
		} else if f.passFile != "" {
			a.PassphraseSource = "from file " + f.passFile
		}
	}
	return wizard.Options{Detected: d, Defaults: a, Now: e.now, NoColor: e.getenv("NO_COLOR") != ""}, nil
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

func wizardDeps(e *env, root string, force bool) wizard.Deps {
	var mu sync.Mutex
	var keys *pki.KeyGen
	var last *render.Result
	d := wizard.Deps{
		StartKeys: func(kt string) {
			t, err := pki.ParseKeyType(kt)
			if err != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if keys == nil || keys.Type() != t {
				// The CA, the server and one client: the default plan. Keys
				// for more clients are made on demand by Take.
				keys = pki.StartKeys(t, 3)
			}
		},
		CheckPassphrase: func(p string) error {
			_, err := loadCA(root, []byte(p))
			return err
		},
		Prepare: func(a wizard.Answers) (*wizard.Prepared, error) {
			plan := a.Plan()
			if err := plan.Validate(); err != nil {
				return nil, err
			}
			listen, err := render.ParseListen(a.Listen)
			if err != nil {
				return nil, pki.FieldErrors{{Field: "listen", Value: a.Listen, Reason: err.Error()}}
			}
			mu.Lock()
			k := keys
			mu.Unlock()
			p, err := prepareSetup(setup{root: root, plan: plan, listen: listen, force: force, now: e.now}, []byte(a.Passphrase), k)
			if err != nil {
				return nil, err
			}
			return toWizard(p), nil
		},
		Apply: func(p *wizard.Prepared, progress func(string)) error {
			changes := p.Handle.(*render.Changes)
			res, err := changes.Apply()
			if err != nil {
				return applyFailed(err)
			}
			for _, w := range res.Written {
				progress(w)
			}
			_ = saveLastRun(root, res) // only needed by a later "docker-tls apply"
			mu.Lock()
			last = res
			mu.Unlock()
			return nil
		},
		PrepareClient: func(name, days, pass string) (*wizard.Prepared, error) {
			n, err := strconv.Atoi(strings.TrimSpace(days))
			if err != nil {
				return nil, pki.FieldErrors{{Field: "days", Value: days, Reason: "not a whole number of days"}}
			}
			cp, err := prepareClient(e, root, name, n, pki.ECDSAP256, []byte(pass), false)
			if err != nil {
				return nil, err
			}
			return toWizard(&prepared{
				summary:   []string{fmt.Sprintf("Client    %s: new, until %s", name, cp.leaf.Cert.NotAfter.Format("2006-01-02"))},
				changes:   cp.changes,
				nextSteps: clientInstructions(cp, root, "") + "\nTo hand over one file instead: docker-tls client add NAME --archive NAME.tar.gz\n",
			}), nil
		},
		PrepareRenew: func(pass string) (*wizard.Prepared, error) {
			p, err := prepareRenew(e, root, renewNames{}, pki.DefaultDays, pki.ECDSAP256, []byte(pass))
			if err != nil {
				return nil, err
			}
			return toWizard(p), nil
		},
		Status: func() (string, error) {
			var b bytes.Buffer
			printStatus(&b, collectStatus(root, 30, e.now()))
			return b.String(), nil
		},
	}
	// Restarting the host's Docker for a sandbox root makes no sense.
	if root == "/" || root == "" {
		d.ApplyNow = func() (string, error) {
			mu.Lock()
			res := last
			mu.Unlock()
			if res == nil {
				return "", errors.New("nothing was written in this session")
			}
			var out bytes.Buffer
			err := applyHost(&env{stdout: &out, stderr: &out, now: e.now, getenv: e.getenv}, root, res)
			return out.String(), err
		}
	}
	return d
}

func toWizard(p *prepared) *wizard.Prepared {
	w := &wizard.Prepared{
		Summary:   p.summary,
		Warnings:  p.changes.Warnings,
		Notes:     p.changes.Notes,
		NextSteps: p.nextSteps,
		Empty:     p.changes.Empty(),
		Handle:    p.changes,
	}
	for _, c := range p.changes.Changes {
		fv := wizard.FileView{Path: c.Path, Mode: c.Mode, Action: c.Action.String()}
		if showDiff(c) {
			fv.Diff = c.Diff
		}
		w.Files = append(w.Files, fv)
	}
	return w
}
