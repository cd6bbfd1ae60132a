package render

import (
	"errors"
	"fmt"
)

// Host says what to put in daemon.json and override.conf. The caller (setup)
// validates the listen address and owns the layout of the TLS files.
type Host struct {
	Listen string // "HOST:PORT", normalized, e.g. "0.0.0.0:2376" or "[::]:2376"
	// ListenDefault says that Listen is the default, not the admin's
	// choice (no --listen): when every TCP listener dockerd has now is on
	// loopback only, Build keeps that address on Listen's port instead
	// (see Detection.LoopbackListen and Changes.Listen).
	ListenDefault bool
	// Real paths written into daemon.json.
	CACert, Cert, Key string
	// LiveRestore sets "live-restore": true, so that restarting dockerd
	// keeps containers running. false leaves the key as it is.
	LiveRestore bool
}

func (h Host) check() error {
	if h.Listen == "" {
		return errors.New("no listen address")
	}
	for _, p := range []string{h.CACert, h.Cert, h.Key} {
		if p == "" || p[0] != '/' {
			return fmt.Errorf("tls file path %q must be absolute: dockerd resolves it from its own working directory", p)
		}
	}
	return nil
}
