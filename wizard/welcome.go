package wizard

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/docker-tls/docker-tls/pki"
	"github.com/docker-tls/docker-tls/setup"
)

// The welcome menu when a setup exists: what an admin comes back for, the
// most frequent first.
const (
	choiceMember   = "member"
	choiceRemove   = "remove"
	choiceSwitch   = "switch"
	choiceFinalize = "finalize"
	choiceRenew    = "renew"
	choiceStatus   = "status"
	choiceRedo     = "redo"
)

// menuFlow is the welcome screen: what detection found, and the errands
// to choose from when a setup exists (or, on a member's laptop, the two
// ways to connect). Its choice is where route goes next.
type menuFlow struct {
	steps
	laptop bool
	choice string
	notice string // common.notice, shown while the menu is
}

func newMenuFlow(c *common, value valueFunc, laptop bool) *menuFlow {
	return &menuFlow{steps: steps{c: c, value: value}, laptop: laptop}
}

// build puts up the first page of the run; Init starts it.
func (f *menuFlow) build() {
	f.step = stepWelcome
	f.cur = f.newPage()
}

func (f *menuFlow) start(flow) tea.Cmd {
	f.notice, f.c.notice = f.c.notice, ""
	return f.show(stepWelcome, f.newPage)
}

func (f *menuFlow) newPage() page {
	if f.laptop {
		return f.newLaptopWelcomePage()
	}
	return f.newWelcomePage()
}

func (f *menuFlow) update(msg tea.Msg) (tea.Cmd, dest) { return f.accept(msg, f.next) }

// next is the errand chosen: the setup when there is none yet.
func (f *menuFlow) next() (tea.Cmd, dest) {
	f.notice = ""
	if !f.laptop && !f.c.opts.Detected.ExistingCA {
		return nil, toSetup
	}
	return nil, dest(f.choice)
}

func (f *menuFlow) canBack() bool         { return false }
func (f *menuFlow) back() (tea.Cmd, dest) { return nil, stay }

func (f *menuFlow) title() string {
	if f.laptop {
		return "Connect to a Docker host"
	}
	return "Step 1/8 · " + stepNames[stepWelcome]
}

// newWelcomePage shows what detection found, and either starts the setup
// on Enter or, when a CA exists, offers the menu.
func (f *menuFlow) newWelcomePage() page {
	m := f.c
	if !m.opts.Detected.ExistingCA {
		head := func(w int) string { return m.welcomeText(w, 0) }
		foot := func(int) string {
			return "Press " + m.st.Key.Render("Enter") + " to start the setup."
		}
		return f.newFormPage(head, foot)
	}
	opts := f.menuOptions()
	head := func(w int) string {
		// The menu keeps its title and up to four choices in view.
		_, h := m.bodySize()
		fit := h - 1 - min(len(opts)+1, 5)
		if f.notice == "" {
			return m.welcomeText(w, fit)
		}
		notice := m.okLine(f.notice, w)
		return notice + "\n\n" + m.welcomeText(w, fit-lipgloss.Height(notice)-1)
	}
	sel := huh.NewSelect[string]().
		Title("What would you like to do?").
		Options(opts...).
		Value(&f.choice)
	return f.newFormPage(head, nil, fieldRef{key: fieldMenu, title: "Choice", f: sel})
}

// menuOptions are the errands of a host set up: what ends soon first (the
// first of it the default), then the usual ones.
func (f *menuFlow) menuOptions() []huh.Option[string] {
	m := f.c
	// What ends soon comes first, the first of it the default.
	var opts []huh.Option[string]
	serverFirst := false
	for _, e := range m.opts.Detected.Expiring {
		if label, choice, ok := m.renewOption(e); ok {
			opts = append(opts, huh.NewOption(label, choice))
			serverFirst = serverFirst || choice == choiceRenew
		}
	}
	if f.choice == "" {
		f.choice = choiceMember
		if len(opts) > 0 {
			f.choice = opts[0].Value
		}
	}
	opts = append(opts,
		huh.NewOption("Add a team member", choiceMember),
		huh.NewOption("Remove a team member", choiceRemove),
	)
	if t := m.opts.Detected.Trust; t != nil {
		if t.Mode == pki.TrustCA {
			opts = append(opts, huh.NewOption("Switch to per-member trust (to remove members one by one)", choiceSwitch))
		}
		if t.Switch != nil {
			opts = append(opts, huh.NewOption("Finish the switch to per-member trust", choiceFinalize))
		}
	}
	if !serverFirst {
		opts = append(opts, huh.NewOption("Renew the server certificate", choiceRenew))
	}
	opts = append(opts,
		huh.NewOption("Show status", choiceStatus),
		huh.NewOption("Redo the setup (keeps the CA)", choiceRedo),
	)
	return opts
}

// welcomeRow is a row under "On this host"; spare rows are left out, the
// highest first, when the screen is too small for them and the menu.
type welcomeRow struct {
	text  string
	spare int // 0: always shown
}

// welcomeText is what detection found. With fit > 0 it takes at most fit
// lines when rows can be spared (the menu must stay in view on a small
// terminal): what ends soon is never left out.
func (m *common) welcomeText(w, fit int) string {
	d := m.opts.Detected
	st := m.st
	intro := "docker-tls protects the Docker daemon's TCP socket with mutual TLS: " +
		"a private CA, a certificate for dockerd and one for each client. " +
		"Nothing is written before you confirm the review."
	if d.ExistingCA {
		intro = "docker-tls is already set up on this host."
	}
	head := st.Text.Render(wrap(intro, w)) + "\n\n" + st.Heading.Render("On this host")
	rows := m.welcomeRows(w)
	var warns []string
	for _, warn := range d.Warnings {
		warns = append(warns, st.Warn.Render(hang("! ", warn, w)))
	}
	height := func() int {
		n := lipgloss.Height(head)
		for _, r := range rows {
			n += lipgloss.Height(r.text)
		}
		for _, s := range warns {
			n += lipgloss.Height(s)
		}
		return n
	}
	for fit > 0 && height() > fit {
		i := -1
		for j, r := range rows {
			if r.spare > 0 && (i < 0 || r.spare > rows[i].spare) {
				i = j
			}
		}
		if i < 0 {
			break
		}
		rows = append(rows[:i], rows[i+1:]...)
	}
	var b strings.Builder
	b.WriteString(head)
	for _, r := range rows {
		b.WriteString("\n" + r.text)
	}
	for _, s := range warns {
		b.WriteString("\n" + s)
	}
	return b.String()
}

func (m *common) welcomeRows(w int) []welcomeRow {
	d := m.opts.Detected
	st := m.st
	var rows []welcomeRow
	row := func(label, value string, spare int) {
		rows = append(rows, welcomeRow{"  " + st.Dim.Render(pad(label, 16)) + ansi.Truncate(value, max(w-18, 10), "…"), spare})
	}
	if d.UnitPath != "" {
		row("docker.service", d.UnitPath, 4)
		if d.ExecStart != "" {
			row("ExecStart", st.Code.Render(d.ExecStart), 5)
		}
	} else {
		row("docker.service", st.Warn.Render("not found"), 0)
	}
	if d.DaemonJSON {
		row("daemon.json", "found: it will be merged, never replaced", 3)
	} else {
		row("daemon.json", "none yet: it will be created", 3)
	}
	if d.ExistingCA {
		row("CA", st.OK.Render("found")+" under "+setup.CADir, 0)
		if t := d.Trust; t != nil {
			switch {
			case t.Mode == pki.TrustMember && t.Switch != nil:
				row("trust", fmt.Sprintf("per member (%d free slots); switching: the old root is trusted until finished", t.Free), 0)
			case t.Mode == pki.TrustMember:
				row("trust", "per member: "+t.Counts(), 0)
			case t.Mode == pki.TrustCA:
				row("trust", "the whole CA: members cannot be removed one by one", 0)
			}
		}
	} else {
		row("CA", "none yet: one will be created", 0)
	}
	switch {
	case d.ExistingCA && d.Server != nil && !slices.ContainsFunc(d.Expiring, func(e Cert) bool { return e.Kind == "server" }):
		// What members connect to, rather than this machine's name.
		row("server", fmt.Sprintf("%s, until %s", d.Server.Name, d.Server.NotAfter.Format(time.DateOnly)), 1)
	case d.Server == nil && d.Hostname != "":
		row("host name", d.Hostname, 1)
	}
	if d.ExistingCA {
		for _, e := range d.Expiring {
			lines := strings.Split(wrap(m.endLine(e), max(w-18, 10)), "\n")
			for i, l := range lines {
				lines[i] = st.Warn.Render(l)
			}
			rows = append(rows, welcomeRow{"  " + st.Dim.Render(pad(m.endsLabel(e), 16)) + strings.Join(lines, "\n"+strings.Repeat(" ", 18)), 0})
		}
	}
	if len(d.IPs) > 0 {
		row("IPs", strings.Join(d.IPs, ", "), 2)
	}
	return rows
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-len(s))
}
