package pki

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// LedgerEntry records one issued certificate in ca/issued.json.
type LedgerEntry struct {
	Serial     string    `json:"serial"`
	CommonName string    `json:"cn"`
	Kind       Kind      `json:"kind"`
	NotAfter   time.Time `json:"not_after"`
	IssuedAt   time.Time `json:"issued_at"`
	// FromCSR: issued for a member's request; their key never came here.
	FromCSR bool `json:"from_csr,omitempty"`
	// Anchor is the serial of the member anchor that issued a client
	// certificate (per-member trust); "" when the root did.
	Anchor string `json:"anchor,omitempty"`
	// Slot is a member anchor's slot number.
	Slot int `json:"slot,omitempty"`
	// RemovedAt is set on a member's entries (and their anchor's) when
	// the member was removed: kept for the record.
	RemovedAt *time.Time `json:"removed_at,omitempty"`
}

// Ledger is the content of ca/issued.json: what the CA has signed, so that
// `client list` and `status` need not find every certificate on disk.
type Ledger struct {
	Issued []LedgerEntry `json:"issued"`
	// Switch is set while a setup that trusted the whole CA moves to
	// per-member trust: dockerd still trusts that root until the admin
	// finalizes the switch.
	Switch *Switch `json:"switch,omitempty"`
}

// Switch records a move from CA-wide to per-member trust in progress.
type Switch struct {
	// Root is the serial of the root dockerd still trusts as a whole.
	Root    string    `json:"root"`
	Started time.Time `json:"started"`
	// NewRoot: the switch made a new root, because the old one (pathlen:0)
	// could not sign anchors; the server certificate stays the old root's
	// until the switch is finalized, so that members who have not moved
	// can still verify the server.
	NewRoot bool `json:"new_root,omitempty"`
}

// ParseLedger reads issued.json. Empty input is an empty ledger. Unknown
// fields, trailing data, unknown kinds, a top level that is not an object,
// null and keys given twice are refused: the file is ours, and what
// docker-tls does not write is not read as something else.
func ParseLedger(b []byte) (*Ledger, error) {
	l := &Ledger{}
	if len(bytes.TrimSpace(b)) == 0 {
		return l, nil
	}
	if err := strictJSON(b); err != nil {
		return nil, fmt.Errorf("parse ledger: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(l); err != nil {
		return nil, fmt.Errorf("parse ledger: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("parse ledger: trailing data after the JSON object")
	}
	for i, e := range l.Issued {
		switch e.Kind {
		case KindCA, KindServer, KindClient, KindAnchor, KindHostIssuer:
		default:
			return nil, fmt.Errorf("parse ledger: entry %d (%s): unknown kind %q", i, e.CommonName, e.Kind)
		}
		if e.Serial == "" {
			return nil, fmt.Errorf("parse ledger: entry %d (%s): no serial", i, e.CommonName)
		}
	}
	return l, nil
}

// strictJSON checks what encoding/json lets through and Marshal never
// writes: a top level that is not an object, null anywhere, and a key given
// twice in one object (the decoder keeps the last).
func strictJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil {
		return err
	} else if t != json.Delim('{') {
		return fmt.Errorf("the top level is not a JSON object")
	}
	seen, err := strictObject(dec, "the top level")
	if err == nil && !seen["issued"] {
		err = fmt.Errorf(`no "issued" list`)
	}
	return err
}

// strictObject reads an object's members after its '{', up to its '}'.
func strictObject(dec *json.Decoder, where string) (map[string]bool, error) {
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		if seen[key] {
			return nil, fmt.Errorf("%s has the key %q twice", where, key)
		}
		seen[key] = true
		if err := strictValue(dec, fmt.Sprintf("%q in %s", key, where)); err != nil {
			return nil, err
		}
	}
	_, err := dec.Token() // '}'
	return seen, err
}

// strictValue reads one value, refusing null.
func strictValue(dec *json.Decoder, where string) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	switch t {
	case nil:
		return fmt.Errorf("%s is null", where)
	case json.Delim('{'):
		_, err = strictObject(dec, where)
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := strictValue(dec, fmt.Sprintf("item %d of %s", i, where)); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
	}
	return err
}

// Add records leaf, issued at now.
func (l *Ledger) Add(leaf *Leaf, now time.Time) {
	e := LedgerEntry{
		Serial:     serialHex(leaf.Cert),
		CommonName: leaf.Cert.Subject.CommonName,
		Kind:       leaf.Kind,
		NotAfter:   leaf.Cert.NotAfter.UTC(),
		IssuedAt:   now.UTC().Truncate(time.Second),
		FromCSR:    leaf.Kind == KindClient && leaf.KeyPEM == nil,
	}
	if leaf.Anchor != nil {
		e.Anchor = leaf.Anchor.Serial()
	}
	l.Issued = append(l.Issued, e)
}

// AddAnchor records a member anchor, made at now.
func (l *Ledger) AddAnchor(a *Anchor, now time.Time) {
	l.Issued = append(l.Issued, LedgerEntry{
		Serial:     a.Serial(),
		CommonName: a.Cert.Subject.CommonName,
		Kind:       KindAnchor,
		NotAfter:   a.Cert.NotAfter.UTC(),
		IssuedAt:   now.UTC().Truncate(time.Second),
		Slot:       a.Slot,
	})
}

// Entry returns the entry of the certificate with this serial (lower-case
// hex), or nil.
func (l *Ledger) Entry(serial string) *LedgerEntry {
	for i := range l.Issued {
		if l.Issued[i].Serial == serial {
			return &l.Issued[i]
		}
	}
	return nil
}

// Has reports whether a certificate of this kind and CN was issued.
func (l *Ledger) Has(kind Kind, cn string) bool {
	for _, e := range l.Issued {
		if e.Kind == kind && e.CommonName == cn {
			return true
		}
	}
	return false
}

// Member is the latest client entry for name, or nil.
func (l *Ledger) Member(name string) *LedgerEntry {
	for i := len(l.Issued) - 1; i >= 0; i-- {
		if e := &l.Issued[i]; e.Kind == KindClient && e.CommonName == name {
			return e
		}
	}
	return nil
}

// Active reports a member who was issued a certificate and not removed.
func (l *Ledger) Active(name string) bool {
	e := l.Member(name)
	return e != nil && e.RemovedAt == nil
}

// Members lists the names of the active members, in the order first issued.
func (l *Ledger) Members() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range l.Issued {
		if e.Kind == KindClient && !seen[e.CommonName] {
			seen[e.CommonName] = true
			if l.Active(e.CommonName) {
				out = append(out, e.CommonName)
			}
		}
	}
	return out
}

// AnchorOf is the serial of the anchor of an active member's latest
// certificate, "" when the root issued it or there is none.
func (l *Ledger) AnchorOf(name string) string {
	if e := l.Member(name); e != nil && e.RemovedAt == nil {
		return e.Anchor
	}
	return ""
}

// Anchor is the ledger entry of the anchor with this serial, or nil.
func (l *Ledger) Anchor(serial string) *LedgerEntry {
	for i := range l.Issued {
		if e := &l.Issued[i]; e.Kind == KindAnchor && e.Serial == serial {
			return e
		}
	}
	return nil
}

// Used reports whether an anchor ever issued a member's certificate: such an
// anchor belongs to that member for good, even once they are removed (it is
// then dropped, never handed to someone else).
func (l *Ledger) Used(serial string) bool {
	for _, e := range l.Issued {
		if e.Kind == KindClient && e.Anchor == serial {
			return true
		}
	}
	return false
}

// NextSlot is the slot number after every anchor ever recorded: slots are
// never reused, so that a removed member's slot names nobody else.
func (l *Ledger) NextSlot() int {
	n := 0
	for _, e := range l.Issued {
		if e.Kind == KindAnchor {
			n = max(n, e.Slot)
		}
	}
	return n + 1
}

// Remove marks name's entries, and their anchors', removed at now. It
// reports false when name is not an active member.
func (l *Ledger) Remove(name string, now time.Time) bool {
	if !l.Active(name) {
		return false
	}
	at := now.UTC().Truncate(time.Second)
	anchors := map[string]bool{}
	for i := range l.Issued {
		if e := &l.Issued[i]; e.Kind == KindClient && e.CommonName == name && e.RemovedAt == nil {
			e.RemovedAt = &at
			if e.Anchor != "" {
				anchors[e.Anchor] = true
			}
		}
	}
	for i := range l.Issued {
		if e := &l.Issued[i]; e.Kind == KindAnchor && anchors[e.Serial] && e.RemovedAt == nil {
			e.RemovedAt = &at
		}
	}
	return true
}

// Marshal returns the ledger as indented JSON ending in a newline.
func (l *Ledger) Marshal() []byte {
	out := *l
	if out.Issued == nil {
		out.Issued = []LedgerEntry{} // "issued": [] rather than null
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		// Only strings and times: cannot fail short of a year
		// outside 0..9999, which checkDays rules out.
		panic(fmt.Sprintf("marshal ledger: %v", err))
	}
	return append(b, '\n')
}
