package wizard

// The write's keyboard gate (DESIGN.md, "The wizard"). Enter accepts the
// shown default on every screen, so that Enter all the way writes the
// files; but the write itself takes only an Enter pressed once the review
// has been on screen for reviewDwell, and after keyPause without a key. A
// held Enter repeats every 30-100 ms and Enters typed ahead arrive together:
// neither can write what nobody has read, while a person pressing Enter at
// a normal pace still walks through. Other Enters on the review are
// ignored, and the review says so.

import "time"

const (
	reviewDwell = time.Second
	keyPause    = 300 * time.Millisecond
)

// Why an Enter on the review did not write.
const (
	refusedSoon  = "soon"
	refusedBurst = "burst"
)

type gate struct {
	last, prev time.Time // the latest key (or paste) and the one before
	shown      time.Time // when the review's content appeared; zero while none
	refused    string    // why the last Enter on the review was ignored
	keys       int       // keys seen, for tests that wait for a burst to be read
}

// key records a key press (or a paste) at now.
func (g *gate) key(now time.Time) {
	g.prev, g.last = g.last, now
	g.keys++
}

// show records that the review's content appeared at now.
func (g *gate) show(now time.Time) {
	g.shown, g.refused = now, ""
}

// hide records that the review is gone (or its content is being redone).
func (g *gate) hide() { g.shown, g.refused = time.Time{}, "" }

// allow reports whether the latest key, an Enter, may write, and records
// why not.
func (g *gate) allow() bool {
	switch {
	case !g.prev.IsZero() && g.last.Sub(g.prev) < keyPause:
		g.refused = refusedBurst
	case g.shown.IsZero() || g.last.Sub(g.shown) < reviewDwell:
		g.refused = refusedSoon
	default:
		g.refused = ""
		return true
	}
	return false
}

// refusal is the hint the review shows for an ignored Enter.
func (g *gate) refusal() string {
	switch g.refused {
	case refusedSoon:
		return "Enter ignored: the review has only just appeared. Read it, then press Enter again to write."
	case refusedBurst:
		return "Enter ignored: keys were still arriving (a held or typed-ahead Enter). Press Enter again to write."
	}
	return ""
}
