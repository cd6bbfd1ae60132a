package say

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/docker-tls/docker-tls/setup"
)

// NextSteps are what to do once a prepared operation is written: restart
// Docker (marked, so that the wizard, having just applied, leaves it out),
// check, hand a member their bundle. Every command carries --root when the
// files are not the host's.
func NextSteps(p *setup.Prepared) []Step {
	var steps []Step
	switch p.Restart {
	case setup.RestartConfig:
		steps = initSteps(p)
	case setup.RestartServer:
		steps = restartSteps("Docker loads the new server certificate when it restarts.", p.Root)
	case setup.RestartRemoval:
		steps = restartSteps(fmt.Sprintf("The removal takes effect when Docker restarts (until then %s still gets in).", p.Removal.Name), p.Root)
	case setup.RestartFinalize:
		steps = restartSteps("It takes effect when Docker restarts: from then on, members still on a bundle from before the switch are refused.", p.Root)
	}
	if p.Member != nil {
		steps = IssuedSteps(p, "") // it says the restart itself
	}
	return steps
}

// IssuedSteps are what to do once a member is issued (client add, client
// sign; archive is the file made for them, "" when none): Handover, first
// saying that no restart is needed when Docker already trusts what their
// certificate chains to (p.Restart is NoRestart).
func IssuedSteps(p *setup.Prepared, archive string) []Step {
	steps := Handover(p.Member, archive)
	if p.Restart == setup.NoRestart && !p.Member.Restart {
		steps = append([]Step{noRestart(p.Member.Name)}, steps...)
	}
	return steps
}

// initSteps: restart, verify, hand out the bundles; and, during a switch
// to per-member trust, finalize it.
func initSteps(p *setup.Prepared) []Step {
	// apply reloads systemd and starts the renewal timer too.
	restart := restartSteps("Docker runs with the new configuration once it restarts.", p.Root)[0]
	first := p.Outline.Members[0].Name
	steps := []Step{
		restart,
		{Text: "Check that it answers over TLS, with a client bundle:",
			Commands: []string{fmt.Sprintf("DOCKER_CERT_PATH=%s DOCKER_TLS_VERIFY=1 docker -H %s version", setup.ClientDir(first), p.Endpoint)}},
		{Text: fmt.Sprintf("Hand each person their bundle (%s/NAME) as one file, over a private channel (it holds their private key):", setup.ClientsDir),
			Commands: []string{archiveCommand(first, p.Root)}},
		{Text: "On their machine, they run:", Commands: []string{"docker-tls connect " + first + ".tar.gz"}},
	}
	if t := p.Outline.Trust; t != nil && t.Switching {
		steps = append(steps, Step{
			Text:     "Once every member has installed their new bundle, stop trusting the old root as a whole (one more restart); members still on an old bundle are refused from then on:",
			Commands: []string{Command(p.Root, "trust", "finalize")}})
	}
	return steps
}

// applies is how every action that needs a restart says it is done: the
// same words whatever the action, in both front ends.
const applies = "with docker-tls apply, which checks Docker with a member's bundle, rolls back if it does not come back, and asks before stopping running containers (live-restore off):"

// restartSteps: text (a sentence: why Docker must restart) then how, with
// apply (restart, probe with a member's bundle, roll back).
func restartSteps(text, root string) []Step {
	how := "Restart it " + applies
	if root != "" && root != "/" {
		how = fmt.Sprintf("Copy the files under %s to /, then restart Docker there %s", root, applies)
	}
	return []Step{{Text: text + " " + how, Commands: []string{"docker-tls apply"}, Restart: true}}
}

// noRestart is said when an action needs no restart of Docker.
func noRestart(name string) Step {
	return Step{Text: fmt.Sprintf("No restart needed: Docker already trusts what %s's certificate chains to.", name)}
}

// archiveCommand packs a member's bundle into NAME.tar.gz (with --root for
// a sandbox, so that the line works as printed).
func archiveCommand(name, root string) string {
	cmd := fmt.Sprintf("docker-tls client archive %s %s.tar.gz", name, name)
	if root != "" {
		cmd += " --root " + root
	}
	return cmd
}

// contextCommands make a docker context for a bundle copied to dir.
func contextCommands(name, host, dir string) []string {
	return []string{
		fmt.Sprintf("docker context create %s --docker \"host=%s,ca=%s/ca.pem,cert=%s/cert.pem,key=%s/key.pem\"", name, host, dir, dir, dir),
		fmt.Sprintf("docker --context %s version", name),
	}
}

// Handover is what to tell a new member, given the archive made for them
// ("" when there is none yet): one file to send, and one command on their
// machine that checks it, installs it and makes a docker context.
func Handover(m *setup.Member, archive string) []Step {
	private := "over a private channel (it holds their private key)"
	if m.Files != nil && m.Files.Key == nil {
		private = "(it holds no private key: theirs stayed on their machine)"
	}
	local := "$HOME/.docker/tls/" + m.FQDN
	done := "It checks the bundle, installs it and makes the docker context " + m.FQDN + ". "
	manual := contextCommands(m.FQDN, m.Endpoint, local)
	var steps []Step
	if archive == "" {
		archive = m.Name + ".tar.gz"
		steps = append(steps, Step{Text: fmt.Sprintf("Pack %s's bundle (%s) into one file:", m.Name, m.Dir),
			Commands: []string{archiveCommand(m.Name, m.Root)}})
		done += "Without docker-tls, they put ca.pem, cert.pem and key.pem in " + local + " and run:"
	} else {
		done += "Without docker-tls, by hand:"
		manual = append([]string{fmt.Sprintf("mkdir -p %s && tar -xzf %s -C %s", local, filepath.Base(archive), local)}, manual...)
	}
	base := filepath.Base(archive)
	if m.Restart {
		steps = append(restartSteps(m.Name+" can connect once Docker restarts with the new anchors.", m.Root), steps...)
	}
	return append(steps,
		Step{Text: fmt.Sprintf("Send %s %s %s; on their machine they run:", m.Name, base, private),
			Commands: []string{"docker-tls connect " + base}},
		Step{Text: done, Commands: manual})
}

// Command is a docker-tls command line as printed, with --root ROOT when
// the files are not the host's ("" or "/"), so that copying it acts on the
// same files.
func Command(root string, args ...string) string {
	line := "docker-tls " + strings.Join(args, " ")
	if root != "" && root != "/" {
		line += " --root " + root
	}
	return line
}

// quotedCommand is a docker-tls command as the engine's hints and findings
// quote it: "docker-tls renew", "docker-tls client add NAME".
var quotedCommand = regexp.MustCompile(`"docker-tls ([^"]*)"`)

// memberCommands run on a member's machine, where --root means nothing.
var memberCommands = []string{"request", "connect"}

// WithRoot adds --root ROOT to every docker-tls command quoted in text
// that acts on the host's files and does not say a root already, so that
// a hint copied from a sandbox run acts on the same sandbox, not on the
// real host. root "" or "/" leaves text as it is.
func WithRoot(text, root string) string {
	if root == "" || root == "/" {
		return text
	}
	return quotedCommand.ReplaceAllStringFunc(text, func(q string) string {
		cmd := strings.Trim(q, `"`)
		sub, _, _ := strings.Cut(strings.TrimPrefix(cmd, "docker-tls "), " ")
		if strings.Contains(cmd, "--root") || slices.Contains(memberCommands, sub) {
			return q
		}
		return `"` + cmd + " --root " + root + `"`
	})
}
