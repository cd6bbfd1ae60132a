package setup

import (
	"cmp"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"time"

	"github.com/docker-tls/docker-tls/member"
	"github.com/docker-tls/docker-tls/render"
)

// advice is what status suggests without calling it a problem (see the
// package's advice), after asking the running daemon how it runs.
func (st *statusRun) advice() []Finding {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, _, _ := st.read(st.cfgPath)
	out := advice(st.cfg, st.cfgPath, b, st.restartImpact(ctx))
	if st.probe != nil && st.probe.client != nil {
		st.probe.client.CloseIdleConnections()
	}
	return out
}

// restartImpact is CheckRestart for status: over the unix sockets on the
// real root, else over TLS with one member's bundle, on the probe's
// connection when there is one: never more than one TLS connection.
func (st *statusRun) restartImpact(ctx context.Context) *RestartImpact {
	r := &RestartImpact{}
	if st.cfg != nil && st.cfg.LiveRestore != nil {
		r.Configured = *st.cfg.LiveRestore
	}
	type try struct {
		c         *http.Client
		base, via string
	}
	var tries []try
	if !st.h.Sandbox() {
		for _, path := range st.sockets() {
			tries = append(tries, try{unixClient(path), "http://docker", "unix://" + path})
		}
	}
	if c, addr := st.tlsClient(); c != nil {
		tries = append(tries, try{c, "https://" + addr, "tcp://" + addr})
	}
	for _, t := range tries {
		body, err := member.GetOK(ctx, t.c, t.base, "/info", 1<<20)
		if err != nil {
			continue
		}
		var in info
		if json.Unmarshal(body, &in) == nil {
			r.Via = t.via
			r.read(&in)
			return r
		}
	}
	return r
}

// sockets are the unix sockets daemon.json names (the default one when it
// names none, or cannot be read).
func (st *statusRun) sockets() []string {
	def := render.DefaultSocket[len("unix://"):]
	if st.cfg == nil {
		return []string{def}
	}
	var out []string
	for _, s := range st.cfg.Hosts {
		if d, err := render.ParseDockerHost(s); err == nil && d.Proto == "unix" {
			out = append(out, cmp.Or(d.Path, def))
		}
	}
	return out
}

func unixClient(path string) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}}
}

// tlsClient is the client to ask dockerd with over TLS: the probe's
// connection after a probe (none when it failed), else one with the first
// usable member bundle.
func (st *statusRun) tlsClient() (*http.Client, string) {
	addr, err := st.tlsAddr()
	if err != nil {
		return nil, ""
	}
	if st.probe != nil {
		return st.probe.client, addr
	}
	cfg, err := st.bundleTLS(st.serverName())
	if err != nil {
		return nil, ""
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: cfg,
		DialContext:     (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}, addr
}
