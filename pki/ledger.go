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
}

// Ledger is the content of ca/issued.json: what the CA has signed, so that
// `client list` and `status` need not find every certificate on disk.
type Ledger struct {
	Issued []LedgerEntry `json:"issued"`
}

// ParseLedger reads issued.json. Empty input is an empty ledger. Unknown
// fields, trailing data and unknown kinds are refused: the file is ours.
func ParseLedger(b []byte) (*Ledger, error) {
	l := &Ledger{}
	if len(bytes.TrimSpace(b)) == 0 {
		return l, nil
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
		case KindCA, KindServer, KindClient:
		default:
			return nil, fmt.Errorf("parse ledger: entry %d (%s): unknown kind %q", i, e.CommonName, e.Kind)
		}
		if e.Serial == "" {
			return nil, fmt.Errorf("parse ledger: entry %d (%s): no serial", i, e.CommonName)
		}
	}
	return l, nil
}

// Add records leaf, issued at now.
func (l *Ledger) Add(leaf *Leaf, now time.Time) {
	l.Issued = append(l.Issued, LedgerEntry{
		Serial:     serialHex(leaf.Cert),
		CommonName: leaf.Cert.Subject.CommonName,
		Kind:       leaf.Kind,
		NotAfter:   leaf.Cert.NotAfter.UTC(),
		IssuedAt:   now.UTC().Truncate(time.Second),
		FromCSR:    leaf.Kind == KindClient && leaf.KeyPEM == nil,
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
