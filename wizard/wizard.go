// Package wizard is the interactive front end of docker-tls: a Bubble Tea
// state machine that walks an admin through securing dockerd with mutual
// TLS, one step a screen (welcome, CA, server, clients, keys, review,
// write, done), with huh forms inside the steps.
//
//	res, err := wizard.Run(ctx, deps, wizard.Options{Detected: d, Defaults: a})
//
// The wizard does no x509 and no file I/O: it collects Answers, and every
// piece of work (key generation, Prepare, Apply, status...) arrives as an
// injected func in Deps, run inside a tea.Cmd. main wires Deps to the same
// functions the non-interactive commands call: one code path, two front
// ends, and tests use fakes.
//
// It draws inline (not on the alternate screen) on stderr: when it ends,
// the last screen (the next steps) stays in the scrollback, and the next
// steps are printed to stdout as well.
//
// Keys: Enter accepts what is shown on every screen (so Enter all the way
// takes the defaults and writes the files), Esc goes back one step keeping
// the answers, ctrl+c stops without writing, and ? shows the keys when the
// cursor is not in a text field (in a text field ? is typed as text).
package wizard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Detected is what the welcome screen shows (main fills it from
// render.Detect, the hostname and the interfaces).
type Detected struct {
	Root       string   // shown when not "/"
	Hostname   string   // the default FQDN
	IPs        []string // interface IPs, offered as IP SANs
	UnitPath   string   // "" = docker.service not found
	ExecStart  string
	DaemonJSON bool
	ExistingCA bool     // a CA exists: welcome offers add client / renew / status / redo setup
	Warnings   []string // snap, rootless, /etc/default/docker conflict...
}

// FileView is one file of a Prepared result, for display.
type FileView struct {
	Path   string // the real path (/etc/docker/...), not under --root
	Mode   os.FileMode
	Action string // create, update, unchanged
	Diff   string // unified diff, for daemon.json and override.conf
}

// Prepared is what main's prepare functions produce: display data, plus an
// opaque Handle given back to Apply.
type Prepared struct {
	Summary   []string   // plan summary lines
	Files     []FileView // every file with mode and action
	Warnings  []string
	Notes     []string
	NextSteps string // shown on the done screen after writing, printed on exit
	Empty     bool   // nothing to write (re-run with the same answers)
	Handle    any
}

// Deps is all the work the wizard can ask for.
type Deps struct {
	// StartKeys starts key generation in the background; called when the
	// keys step is accepted, and again if the key type changed.
	StartKeys func(keyType string)
	// CheckPassphrase checks a passphrase against the existing CA.
	CheckPassphrase func(passphrase string) error
	// Prepare generates the certificates and computes the changes. It may
	// return pki.FieldErrors: each is shown next to its field.
	Prepare func(a Answers) (*Prepared, error)
	// Apply writes the files, calling progress after each one. It runs in
	// its own goroutine while the screen still reads p: it must not modify p.
	Apply func(p *Prepared, progress func(path string)) error
	// PrepareClient is the "add a team member" flow.
	PrepareClient func(name, days, passphrase string) (*Prepared, error)
	PrepareRenew  func(passphrase string) (*Prepared, error)
	Status        func() (string, error)
	// ApplyNow restarts docker, probes it and rolls back on failure; nil
	// when --root is not "/", and then it is not offered.
	ApplyNow func() (string, error)
}

// Options configure a run.
type Options struct {
	Detected Detected
	Defaults Answers          // pre-filled from the flags of init (passphrase too when from file)
	Now      func() time.Time // for the "valid until" dates; tests inject it
	NoColor  bool
}

// Result is how the run ended.
type Result struct {
	Written   bool   // files were written
	Aborted   bool   // ctrl+c
	NextSteps string // set when Written
	Err       error  // a write or apply-now failure the user quit on
}

// Run starts the wizard on the terminal and returns when it ends. The
// caller checks first that stdin and stdout are terminals: Bubble Tea would
// happily draw escape codes into a pipe.
func Run(ctx context.Context, deps Deps, opts Options) (Result, error) {
	popts := []tea.ProgramOption{tea.WithOutput(os.Stderr), tea.WithContext(ctx)}
	// colorprofile reads NO_COLOR with strconv.ParseBool, so NO_COLOR=yes
	// would be ignored; no-color.org counts any non-empty value.
	if opts.NoColor || os.Getenv("NO_COLOR") != "" {
		popts = append(popts, tea.WithColorProfile(colorprofile.ASCII))
	}
	m := New(deps, opts)
	final, err := tea.NewProgram(m, popts...).Run()
	if fm, ok := final.(*Model); ok && fm != nil {
		m = fm
	}
	res := m.Result()
	if err != nil {
		if errors.Is(err, tea.ErrInterrupted) { // SIGINT from outside
			res.Aborted = true
		}
		return res, err
	}
	if res.Written && res.NextSteps != "" {
		fmt.Fprintln(os.Stdout, res.NextSteps)
	}
	return res, nil
}
