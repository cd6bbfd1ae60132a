// Package wizard is the interactive front end of docker-tls: a Bubble Tea
// program that walks an admin through securing dockerd with mutual TLS,
// one step a screen (welcome, CA, server, clients, keys, review, write,
// done), with huh forms inside the steps. Its root model (model.go) only
// routes: each errand is a flow (flow.go) that owns its answers and steps
// (the setup, the passphrase flows renew/switch/finalize, add or remove a
// member, status, and on a member's laptop connect or request), and
// route() is the one place that moves between them. On a team member's
// machine (no docker.service, no CA) it connects to a Docker host instead:
// with the file their admin sent, or by making their key and a request.
//
//	res, err := wizard.Run(ctx, eng, wizard.Options{Detected: d, Defaults: a})
//
// The wizard does no x509 and no file I/O: it collects Answers, and every
// piece of work (key generation, preparing, writing, status...) is a call
// to an Engine, run inside a tea.Cmd. main passes the setup.Host the
// commands use: one engine, two front ends, and tests use fakes.
//
// It draws on the alternate screen (on stderr), so the terminal's
// scrollback keeps no copies of its frames; when it ends, the screen
// returns as it was and the caller prints the Result once: what was
// written and the next steps, or that nothing was.
//
// Keys: Enter accepts what is shown on every screen (so Enter all the way
// takes the defaults and writes the files), Esc goes back one step keeping
// the answers, ctrl+c stops (writing nothing, unless files were already
// written: then it says which), and ? shows the keys when the cursor is not
// in a text field (in a text field ? is typed as text). The write itself
// takes only an Enter pressed once the review has been on screen for a
// moment and after a pause in typing: a held or typed-ahead Enter never
// writes unseen (gate.go).
package wizard

import (
	"context"
	"errors"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/docker-tls/docker-tls/internal/say"
	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// Detected is what the welcome screen shows: setup.Detect's findings (a CA
// that exists makes welcome offer add a member / renew / status / redo), the
// hostname and the interfaces.
type Detected struct {
	setup.Detection
	Root     string   // shown when not "/"
	Hostname string   // the default FQDN
	IPs      []string // interface IPs, offered as IP SANs
	Listen   string   // the TLS address daemon.json listens on now, if any
	// ConfigDir is the member's docker configuration directory, where
	// bundles are installed: shown when the wizard runs on their machine.
	ConfigDir string
	// Server is the current server certificate (nil without one): the
	// welcome and the renew screen say its name and end date.
	Server *Cert
	// Expiring is what ends within ExpiringDays (or has ended), the server
	// first: the welcome names each, and its menu offers first to renew
	// them.
	Expiring []Cert
}

// ExpiringDays is how close to its end a certificate is named on the
// welcome screen and offered for renewal.
const ExpiringDays = 30

// Cert is a certificate as the welcome and renew screens name it.
type Cert struct {
	Kind     string    // "server" or "client"
	Name     string    // the server's FQDN (its CN), or the member's name
	NotAfter time.Time // its end
	// FromRequest: a member issued from their request, whose key is on
	// their machine; the host cannot renew it (they send a new request).
	FromRequest bool
}

// Engine is the work the wizard asks for: setup.Host satisfies it, and the
// wizard's tests pass fakes. Every decision (which files change, what renew
// keeps) is the engine's; the wizard collects answers and shows results.
type Engine interface {
	// StartKeys starts key generation in the background as soon as the key
	// type is known; keys already started are kept when it did not change.
	StartKeys(kt pki.KeyType, n int)
	// CheckPassphrase opens the existing CA with the passphrase.
	CheckPassphrase(pass []byte) error
	// PrepareInit generates the certificates and computes the changes. It
	// may return pki.FieldErrors: each is shown next to its field.
	PrepareInit(in setup.InitInput, pass []byte) (*setup.Prepared, error)
	// PrepareClient is the "add a team member" flow.
	PrepareClient(in setup.ClientInput, pass []byte) (*setup.Prepared, error)
	// ReadRequest reads and checks the request file a member sent, before
	// the CA passphrase is asked for; PrepareSign issues their certificate
	// (their key stays with them): "sign a request file".
	ReadRequest(path string) (*setup.RequestFile, error)
	PrepareSign(in setup.SignInput, pass []byte) (*setup.Prepared, error)
	// PrepareRenew re-issues the server certificate, keeping what the
	// zero values of in keep.
	PrepareRenew(in setup.RenewInput, pass []byte) (*setup.Prepared, error)
	// Write writes a prepared operation, calling progress after each file.
	// It runs in its own goroutine while the screen still reads p: it must
	// not modify p.
	Write(p *setup.Prepared, progress func(path string)) (*setup.Written, error)
	// KeyProgress reports the keys StartKeys started (made, being made,
	// how long each took), for the progress shown while the review is
	// prepared; ok is false when none were started.
	KeyProgress() (p pki.KeyProgress, ok bool)
	// Clients lists the client certificates issued: a name that is taken
	// is refused as it is typed, before the passphrase is asked, and
	// "remove a team member" offers the members.
	Clients() ([]setup.ClientRow, error)
	Status(in setup.StatusInput) *setup.Report
	// Apply restarts docker, probes it and rolls back on failure; offered
	// only when Options.CanApply.
	Apply(ctx context.Context) (*setup.Applied, error)

	// PrepareRemove shuts one member out at the next restart; Write also
	// moves their bundle away.
	PrepareRemove(in setup.RemoveInput) (*setup.Prepared, error)
	// PrepareSwitch moves a setup that trusts the whole CA to per-member
	// trust (a new root when the old one cannot sign anchors).
	PrepareSwitch(pass []byte) (*setup.Prepared, error)
	// PrepareFinalize ends that switch; pass is only needed when it made a
	// new root.
	PrepareFinalize(pass []byte) (*setup.Prepared, error)
	// CheckRestart says what restarting Docker would do to the running
	// containers; EnableLiveRestore turns live-restore on (no restart).
	CheckRestart(ctx context.Context) *setup.RestartImpact
	EnableLiveRestore(ctx context.Context) error
}

// MemberEngine is the team member's side, on their own machine (no root):
// member.Machine satisfies it. The wizard gives what was typed; the
// machine adds where the bundles go and the docker CLI.
type MemberEngine interface {
	// Connect checks the file from the admin, installs it, makes the
	// docker context and probes the daemon.
	Connect(in member.ConnectInput) (*member.Connected, error)
	// Request makes the member's key on this machine and the request to
	// send their admin.
	Request(in member.RequestInput) (*member.Requested, error)
}

// Options configure a run.
type Options struct {
	Detected Detected
	Defaults Answers          // pre-filled from the flags of init (passphrase too when from file)
	Now      func() time.Time // for the "valid until" dates; tests inject it
	// Clock times keys for the write's keyboard gate and the elapsed time
	// of long work; time.Now when nil. Tests inject one they advance.
	Clock   func() time.Time
	NoColor bool
	Force   bool // --force: a new CA replaces the existing one
	// CanApply offers restarting Docker on the done screen: only for the
	// real root, since the host's Docker does not read a sandbox.
	CanApply bool
	// Member, when set, is the member's side of a machine that is not a
	// Docker host (Detected.MemberSide): the welcome screen then offers to
	// connect to one instead of setting this machine up.
	Member MemberEngine
}

// Task is what a run did, for the message printed when it ends.
type Task int

const (
	TaskSetup   Task = iota // the setup (first run, or redone)
	TaskMember              // a team member added
	TaskRenew               // the server certificate renewed
	TaskConnect             // a member's bundle installed, its context made
	TaskRequest             // a member's key and request made
)

// Result is how the run ended. The wizard's screens are gone when Run
// returns (alternate screen): the caller prints this once.
type Result struct {
	Task      Task
	Written   bool     // files were written
	Files     []string // the files written
	Backups   []string // backups of the files replaced
	RecordErr error    // the run was written but not recorded for "docker-tls apply"
	Unchanged bool     // the review found nothing to write
	// Member is the team member added (TaskMember), for the hand-over.
	Member *setup.Member
	// Connected is what TaskConnect did, the probe's outcome included;
	// Requested where TaskRequest put the key and the request.
	Connected *member.Connected
	Requested *member.Requested
	// Applied is set when "apply now" restarted Docker and it answered.
	Applied   *setup.Applied
	NextSteps []say.Step // set when Written
	// Aborted is ctrl+c (or SIGINT). Files may have been written before it:
	// Written says so, and the work done stands.
	Aborted bool
	Err     error // a write or apply-now failure the user quit on
}

// Run starts the wizard on the terminal and returns when it ends. The
// caller checks first that stdin and stdout are terminals: Bubble Tea would
// happily draw escape codes into a pipe.
func Run(ctx context.Context, eng Engine, opts Options) (Result, error) {
	popts := []tea.ProgramOption{tea.WithOutput(os.Stderr), tea.WithContext(ctx)}
	// colorprofile reads NO_COLOR with strconv.ParseBool, so NO_COLOR=yes
	// would be ignored; no-color.org counts any non-empty value.
	if opts.NoColor || os.Getenv("NO_COLOR") != "" {
		popts = append(popts, tea.WithColorProfile(colorprofile.ASCII))
	}
	m := New(eng, opts)
	final, err := tea.NewProgram(m, popts...).Run()
	if fm, ok := final.(*Model); ok && fm != nil {
		m = fm
	}
	res := m.Result()
	if errors.Is(err, tea.ErrInterrupted) {
		// SIGINT from outside: like ctrl+c, and what was written stands.
		res.Aborted = true
		return res, nil
	}
	if err != nil {
		return res, err
	}
	return res, nil
}
