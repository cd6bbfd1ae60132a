// Package say holds the sentences both front ends print the same way: the
// command line (package main) and the wizard turn the engines' typed
// results into steps here, so that a command and a screen cannot drift
// apart. Engines (setup, member) never import it; it never decides
// anything, it only words what an engine returned.
package say

// Step is one thing to do after a run: a sentence, then commands to type,
// each whole (a front end may wrap them, never break them).
type Step struct {
	Text     string
	Commands []string
	// Restart: the step restarts Docker (systemctl, or docker-tls apply);
	// a front end that has just applied leaves it out.
	Restart bool
}
