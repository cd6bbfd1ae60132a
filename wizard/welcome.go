package wizard

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
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
	head := func(w int) string {
		if f.notice != "" {
			return m.okLine(f.notice, w) + "\n\n" + m.welcomeText(w)
		}
		return m.welcomeText(w)
	}
	if !m.opts.Detected.ExistingCA {
		foot := func(int) string {
			return "Press " + m.st.Key.Render("Enter") + " to start the setup."
		}
		return f.newFormPage(head, foot)
	}
	if f.choice == "" {
		f.choice = choiceMember
	}
	opts := []huh.Option[string]{
		huh.NewOption("Add a team member", choiceMember),
		huh.NewOption("Remove a team member", choiceRemove),
	}
	if t := m.opts.Detected.Trust; t != nil {
		if t.Mode == pki.TrustCA {
			opts = append(opts, huh.NewOption("Switch to per-member trust (to remove members one by one)", choiceSwitch))
		}
		if t.Switch != nil {
			opts = append(opts, huh.NewOption("Finish the switch to per-member trust", choiceFinalize))
		}
	}
	opts = append(opts,
		huh.NewOption("Renew the server certificate", choiceRenew),
		huh.NewOption("Show status", choiceStatus),
		huh.NewOption("Redo the setup (keeps the CA)", choiceRedo),
	)
	sel := huh.NewSelect[string]().
		Title("What would you like to do?").
		Options(opts...).
		Value(&f.choice)
	return f.newFormPage(head, nil, fieldRef{key: fieldMenu, title: "Choice", f: sel})
}

func (m *common) welcomeText(w int) string {
	d := m.opts.Detected
	st := m.st
	var b strings.Builder
	if d.ExistingCA {
		b.WriteString(st.Text.Render(wrap("docker-tls is already set up on this host.", w)))
	} else {
		b.WriteString(st.Text.Render(wrap("docker-tls protects the Docker daemon's TCP socket with mutual TLS: "+
			"a private CA, a certificate for dockerd and one for each client. "+
			"Nothing is written before you confirm the review.", w)))
	}
	b.WriteString("\n\n")
	b.WriteString(st.Heading.Render("On this host"))

	row := func(label, value string) {
		b.WriteString("\n  " + st.Dim.Render(pad(label, 16)) + ansi.Truncate(value, max(w-18, 10), "…"))
	}
	if d.UnitPath != "" {
		row("docker.service", d.UnitPath)
		if d.ExecStart != "" {
			row("ExecStart", st.Code.Render(d.ExecStart))
		}
	} else {
		row("docker.service", st.Warn.Render("not found"))
	}
	if d.DaemonJSON {
		row("daemon.json", "found: it will be merged, never replaced")
	} else {
		row("daemon.json", "none yet: it will be created")
	}
	if d.ExistingCA {
		row("CA", st.OK.Render("found")+" under "+setup.CADir)
		if t := d.Trust; t != nil {
			switch {
			case t.Mode == pki.TrustMember && t.Switch != nil:
				row("trust", fmt.Sprintf("per member (%d free slots); switching: the old root is trusted until finished", t.Free))
			case t.Mode == pki.TrustMember:
				row("trust", "per member: "+t.Counts())
			case t.Mode == pki.TrustCA:
				row("trust", "the whole CA: members cannot be removed one by one")
			}
		}
	} else {
		row("CA", "none yet: one will be created")
	}
	if d.Hostname != "" {
		row("host name", d.Hostname)
	}
	if len(d.IPs) > 0 {
		row("IPs", strings.Join(d.IPs, ", "))
	}
	for _, warn := range d.Warnings {
		b.WriteString("\n" + st.Warn.Render(hang("! ", warn, w)))
	}
	return b.String()
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-len(s))
}
