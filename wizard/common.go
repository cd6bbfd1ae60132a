package wizard

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/docker-tls/docker-tls/pki"
)

// common is what every flow shares, handed to each when it is built (the
// way soft-serve's pages share a common.Common): the engine, the options,
// the size and styles, the keys, the clock, the wait shown with the
// spinner, the write's keyboard gate, the errors kept for fields, the CA
// passphrase's state and the Result. It holds no flow's answers.
type common struct {
	eng  Engine
	opts Options
	// now dates "valid until"; clock times keys and waits (Options.Clock).
	now, clock func() time.Time

	st     styles
	km     keyMap
	help   help.Model
	spin   spinner.Model
	isDark bool
	noAnim bool // tests: no spinner ticks, so command loops end
	w, h   int

	// gen is bumped on every page change: late results of a left page are
	// dropped.
	gen  int
	wait wait
	gate gate // the write's keyboard gate (gate.go)
	errs errs // errors found outside a page (fielderrs.go)
	pass pass
	// stopping is ctrl+c while work that must not be cut short runs: the
	// program quits once it ends.
	stopping bool
	// notice is said once on the next menu: what an errand left undone
	// (a removal cancelled).
	notice string
	res    Result
}

// wait is a short wait shown with the spinner instead of the page
// (passphrase check, status...), and when the current wait began.
type wait struct {
	label    string
	since    time.Time
	spinning bool
}

// pass is the CA passphrase's state across flows.
type pass struct {
	fromFile bool   // it came from --ca-passphrase-file and was not refused
	source   string // Answers.PassphraseSource
	ok       string // the passphrase CheckPassphrase accepted, not to check it twice
	// forget clears each flow's copy when the file's passphrase is refused.
	forget []func()
}

func newCommon(eng Engine, opts Options) *common {
	c := &common{
		eng:   eng,
		opts:  opts,
		now:   opts.Now,
		clock: opts.Clock,
		km:    newKeyMap(),
		help:  help.New(),
		// Points (∙●∙) rather than braille dots: many fonts lack braille
		// (the screenshots' font among them) and draw a box instead.
		spin: spinner.New(spinner.WithSpinner(spinner.Points)),
		w:    80,
		h:    24,
		errs: errs{byField: map[pki.Field]extErr{}},
		pass: pass{fromFile: opts.Defaults.PassphraseFromFile, source: opts.Defaults.PassphraseSource},
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	c.setDark(true) // until the terminal says otherwise: most are dark
	return c
}

func (c *common) setDark(dark bool) {
	c.isDark = dark
	c.st = newStyles(dark)
	c.help.Styles = help.DefaultStyles(dark)
	c.spin.Style = c.st.Heading
}

// frameLines are the lines around the body: title, blank, blank, footer.
const frameLines = 4

func (c *common) bodySize() (int, int) {
	// huh's text inputs panic below a few columns: keep a floor.
	return max(c.w, 24), max(c.h-frameLines, 3)
}

// refusePassFile switches from the file's passphrase to asking for one.
func (c *common) refusePassFile(reason string) {
	c.pass.fromFile = false
	for _, f := range c.pass.forget {
		f()
	}
	c.errs.byField[pki.FieldPassphrase] = extErr{reasons: []string{reason}}
}

func (c *common) passSource() string {
	if c.pass.source != "" {
		return c.pass.source
	}
	return "from file"
}

// setBusy shows a short wait with the spinner, and when it began.
func (c *common) setBusy(label string) tea.Cmd {
	c.wait.label = label
	c.wait.since = c.clock()
	return c.startSpin()
}

func (c *common) busy() bool { return c.wait.label != "" }

func (c *common) idle() { c.wait.label = "" }

func (c *common) startSpin() tea.Cmd {
	if c.noAnim || c.wait.spinning {
		return nil
	}
	c.wait.spinning = true
	return c.spin.Tick
}

// since is the time from t to now, zero when t is.
func (c *common) since(t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return c.clock().Sub(t)
}
