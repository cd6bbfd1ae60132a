// Package setup is the engine of docker-tls: every operation both front ends
// (the commands and the wizard) perform on a host. It reads the host under a
// root, asks pki for certificates and render for the host configuration, and
// returns typed results; it never prints and never prompts.
//
//	h := setup.New("/")
//	p, err := h.PrepareInit(setup.InitInput{Plan: plan, Listen: "0.0.0.0:2376"}, pass)
//	// show p.Summary, p.Files(), p.Warnings()...
//	w, err := h.Write(p, nil)
//
// A rule such as "renew keeps the key type and lifetime" lives here and
// nowhere else, so that the wizard and the commands cannot drift apart.
package setup
