package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/docker-tls/docker-tls/internal/hint"
	"github.com/docker-tls/docker-tls/pki"
	"golang.org/x/sys/unix"
)

// RemoveInput names the member to shut out.
type RemoveInput struct {
	Name string
}

// Removal is what a prepared removal does besides writing files: Write
// moves the member's bundle out of the clients directory, into Archive.
type Removal struct {
	Name    string
	Slot    int       // the slot of the anchor dropped; 0 if they had none left
	Bundle  string    // real path of the bundle directory, "" when there is none
	Archive string    // real path it moves to, under RemovedDir
	At      time.Time // when; the ledger keeps them on record as removed then
}

// ErrRemoved: the member was already removed.
var ErrRemoved = errors.New("already removed")

// removable finds what makes removing name impossible. Removing needs
// per-member trust, no switch in progress (the old root would still let the
// member in), and another member left (to connect, and for apply to probe
// with).
func (h *Host) removable(name string) (*pki.Ledger, *pki.LedgerEntry, error) {
	if err := pki.ValidateClientName(name); err != nil {
		return nil, nil, pki.FieldErrors{{Field: pki.FieldClients, Value: name, Reason: err.Error()}}
	}
	if err := h.lock(); err != nil {
		return nil, nil, err
	}
	if err := h.RequireCA(); err != nil {
		return nil, nil, err
	}
	ledger, err := h.ledger(false)
	if err != nil {
		return nil, nil, err
	}
	e := ledger.Member(name)
	switch {
	case e == nil && !h.exists(ClientDir(name)):
		return nil, nil, hint.Errorf("List the members with \"docker-tls client list\".", "no member named %q", name)
	case e != nil && e.RemovedAt != nil:
		advice := "Nothing to do: their anchor is gone from " + MembersPath + "."
		if h.exists(ClientDir(name)) {
			advice = fmt.Sprintf("Their bundle is still at %s: move it away by hand (mv %s %s/%s.manual).", ClientDir(name), h.Path(ClientDir(name)), h.Path(RemovedDir), name)
		}
		return nil, nil, hint.With(fmt.Errorf("%q was %w on %s", name, ErrRemoved, e.RemovedAt.Format(day)), advice)
	case !h.memberTrust():
		return nil, nil, hint.With(fmt.Errorf("this setup trusts the whole CA, so %s cannot be shut out alone: dockerd accepts every certificate the CA signed until it expires", name),
			"Switch to per-member trust first (\"docker-tls init --trust member\": every member gets a new bundle under an anchor of their own), or make a new CA (\"init --force\") and hand out new bundles to everyone else.")
	case ledger.Switch != nil:
		return nil, nil, hint.With(fmt.Errorf("a switch to per-member trust is in progress: dockerd still trusts the old root as a whole, so %s would still get in with their previous bundle", name),
			"Finish the switch first (\"docker-tls trust finalize\", once everyone else has their new bundle), then remove "+name+".")
	case e == nil:
		return nil, nil, hint.Errorf("Move the directory away by hand if nobody uses it.", "%s has a bundle but no record in %s: docker-tls did not issue it", ClientDir(name), LedgerPath)
	}
	others := 0
	for _, m := range ledger.Members() {
		if m != name {
			others++
		}
	}
	if others == 0 {
		return nil, nil, hint.With(fmt.Errorf("%s is the last member: nobody could connect afterwards, and apply would have no bundle to check Docker with", name),
			"Add the member who takes over first (\"docker-tls client add NAME\"), then remove "+name+".")
	}
	return ledger, e, nil
}

// PrepareRemove shuts one member out at the next restart of Docker: their
// anchor (and its key) leaves members.pem and the anchors file, and the
// ledger marks them removed (kept for the record). Write then moves their
// bundle to RemovedDir. Nothing is signed, so no passphrase is needed, and
// no other member's files change.
func (h *Host) PrepareRemove(in RemoveInput) (*Prepared, error) {
	ledger, e, err := h.removable(in.Name)
	if err != nil {
		return nil, err
	}
	anchors, err := h.anchors()
	if err != nil {
		return nil, err
	}
	// members.pem is rewritten from anchors.pem: never when the two
	// disagree (someone else's anchors would go, or come back).
	if err := h.trustAgrees(anchors, ledger); err != nil {
		return nil, err
	}
	rm := &Removal{Name: in.Name}
	var kept []*pki.Anchor
	for _, a := range anchors {
		if a.Serial() == e.Anchor {
			rm.Slot = a.Slot
			continue
		}
		kept = append(kept, a)
	}
	ledger.Remove(in.Name, h.now())
	files := append(trustFiles(kept, nil), ledgerFile(ledger))
	changes, err := h.build(sortFiles(files), nil)
	if err != nil {
		return nil, err
	}
	rm.At = h.now().UTC()
	if h.exists(ClientDir(in.Name)) {
		rm.Bundle = ClientDir(in.Name)
		rm.Archive = path.Join(RemovedDir, in.Name+"."+rm.At.Format("2006-01-02T150405Z"))
	}
	return &Prepared{Changes: changes, Removal: rm, Restart: RestartRemoval, Root: h.sandboxRoot()}, nil
}

// archiveBundle moves a removed member's bundle into RemovedDir (0700),
// after the files of the removal were written (the lock is held). Both
// directories are reached through hostfs, without following links, and the
// bundle must be a directory: a link is refused, not followed.
func (h *Host) archiveBundle(rm *Removal) error {
	if rm == nil || rm.Bundle == "" {
		return nil
	}
	clients, err := h.fs.OpenDir(path.Dir(rm.Bundle))
	if err != nil {
		return err
	}
	defer clients.Close()
	name := path.Base(rm.Bundle)
	fi, err := clients.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (%s): move it away by hand", rm.Bundle, fi.Mode().Type())
	}
	removed, _, err := h.fs.MkdirAll(path.Dir(rm.Archive), modeSecret)
	if err != nil {
		return err
	}
	defer removed.Close()
	if err := unix.Renameat2(clients.Fd(), name, removed.Fd(), path.Base(rm.Archive), unix.RENAME_NOREPLACE); err != nil {
		return fmt.Errorf("moving %s to %s: %w", rm.Bundle, rm.Archive, err)
	}
	return errors.Join(clients.Sync(), removed.Sync())
}
