// Package setup is the host engine: every operation both front ends (the
// commands and the wizard) perform on a Docker host. It reads the host
// under a root, asks pki for certificates and render for the host
// configuration, and returns typed results (an Outline of what changes,
// the files with their diffs, what waits for a restart); it never prints,
// never prompts and holds no display text: internal/say words its results.
// The member's machine is package member, not this one.
//
//	h := setup.New("/")
//	p, err := h.PrepareInit(setup.InitInput{Plan: plan, Listen: "0.0.0.0:2376"}, pass)
//	// show say.Summary(p), p.Files(), p.Warnings()...
//	w, err := h.Write(p, nil)
//
// A rule such as "renew keeps the key type and lifetime" lives here and
// nowhere else, so that the wizard and the commands cannot drift apart.
package setup
