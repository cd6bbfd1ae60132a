package setup

import "github.com/docker-tls/docker-tls/pki"

// StartKeys starts generating n keys of type kt in the background, so that
// the next PrepareInit rarely waits. Keys of the same type made for an
// earlier PrepareInit whose result was not written are kept and handed out
// again (going back from the wizard's review and forward again makes no new
// keys); a new type starts afresh.
func (h *Host) StartKeys(kt pki.KeyType, n int) {
	if _, err := pki.ParseKeyType(string(kt)); err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.keys != nil && h.keys.Type() == kt {
		h.keys.Rewind(n)
		return
	}
	h.keys = pki.StartKeys(kt, n)
}

// KeyProgress reports the keys started by StartKeys: made, being made, and
// how long each took. ok is false when none were started.
func (h *Host) KeyProgress() (p pki.KeyProgress, ok bool) {
	g := h.startedKeys()
	if g == nil {
		return pki.KeyProgress{}, false
	}
	return g.Progress(), true
}

func (h *Host) startedKeys() *pki.KeyGen {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keys
}

// forgetKeys drops the started keys once a result is written: its keys must
// never serve again.
func (h *Host) forgetKeys() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keys = nil
}

// KeysFor is how many keys an init of clients makes: the server's and its
// host issuer's, each client's, and the CA's when it is new. Both front ends
// start that many (StartKeys) as soon as the key type is known.
func KeysFor(clients int, newCA bool) int {
	n := 2 + clients
	if newCA {
		n++
	}
	return n
}
