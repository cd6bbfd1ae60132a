package render

import "fmt"

// Host says what to put in daemon.json and override.conf.
type Host struct {
	Listen string // "HOST:PORT", e.g. "0.0.0.0:2376" or "[::]:2376"; checked by ParseListen
	// Real paths written into daemon.json; empty means the default under TLSDir.
	CACert, Cert, Key string
}

func (h Host) withDefaults() (Host, error) {
	l, err := ParseListen(h.Listen)
	if err != nil {
		return h, err
	}
	h.Listen = l
	if h.CACert == "" {
		h.CACert = TLSDir + "/ca.pem"
	}
	if h.Cert == "" {
		h.Cert = TLSDir + "/server-cert.pem"
	}
	if h.Key == "" {
		h.Key = TLSDir + "/server-key.pem"
	}
	for _, p := range []string{h.CACert, h.Cert, h.Key} {
		if p[0] != '/' {
			return h, fmt.Errorf("tls file path %q must be absolute: dockerd resolves it from its own working directory", p)
		}
	}
	return h, nil
}
