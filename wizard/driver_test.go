package wizard

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// driver runs the root model the way huh's own tests do: call Update,
// run the returned commands, feed their messages back, until no command is
// left. BatchMsg and Sequence are unpacked. Unlike huh's batchUpdate it
// loops to the end, which needs every periodic command gone: the spinner is
// off (noAnim) and the text cursor's blink timer is recognised and skipped.
type driver struct {
	t     *testing.T
	m     *Model
	quit  bool
	clock *testClock
	// pace is how far the clock moves before each key: a person's pace by
	// default, so that the write's keyboard gate lets Enter through.
	pace time.Duration
	// hold keeps back the messages it matches instead of delivering them
	// (to look at a screen while work is in flight); release sends them.
	hold func(tea.Msg) bool
	held []tea.Msg
}

// testClock is a clock for the keyboard gate and elapsed times that moves
// only when told (and by step on every reading, when step is set).
type testClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func newTestClock() *testClock { return &testClock{t: testNow()} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// blinkPC identifies the closure the text cursor returns to blink: every
// blink command shares its code pointer.
var blinkPC = sync.OnceValue(func() uintptr {
	ti := textinput.New()
	if c := ti.Focus(); c != nil {
		return reflect.ValueOf(c).Pointer()
	}
	return 0
})

var cmdType = reflect.TypeFor[tea.Cmd]()

func newDriver(t *testing.T, eng Engine, opts Options) *driver {
	t.Helper()
	clock := newTestClock()
	if opts.Clock == nil {
		opts.Clock = clock.now
	}
	m := New(eng, opts)
	m.noAnim = true
	d := &driver{t: t, m: m, clock: clock, pace: time.Second}
	d.run(m.Init())
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	if d.quit {
		d.t.Fatalf("program has quit; cannot send %T", msg)
	}
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			d.t.Fatal("command loop does not end")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil || reflect.ValueOf(c).Pointer() == blinkPC() {
			continue
		}
		msg := d.exec(c)
		switch msg := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			queue = append(append([]tea.Cmd{}, msg...), queue...)
			continue
		case tea.QuitMsg:
			d.quit = true
			return
		}
		if d.hold != nil && d.hold(msg) {
			d.held = append(d.held, msg)
			continue
		}
		// tea.Sequence's message type is unexported: a slice of Cmds.
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == cmdType {
			sub := make([]tea.Cmd, v.Len())
			for i := range sub {
				sub[i], _ = v.Index(i).Interface().(tea.Cmd)
			}
			queue = append(sub, queue...)
			continue
		}
		_, next := d.m.Update(msg)
		queue = append(queue, next)
	}
}

// exec runs one command; one that blocks is a timer the driver does not
// know about, and a bug in the test setup.
func (d *driver) exec(c tea.Cmd) tea.Msg {
	d.t.Helper()
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	select {
	case msg := <-done:
		return msg
	case <-time.After(5 * time.Second):
		d.t.Fatal("a command blocked for 5s")
		return nil
	}
}

// release delivers the messages hold kept back, and holds no more.
func (d *driver) release() {
	d.t.Helper()
	held := d.held
	d.hold, d.held = nil, nil
	for _, msg := range held {
		d.send(msg)
	}
}

func (d *driver) key(names ...string) {
	d.t.Helper()
	for _, n := range names {
		d.clock.advance(d.pace)
		d.send(keyMsg(n))
	}
}

func (d *driver) typ(s string) {
	d.t.Helper()
	for _, r := range s {
		d.clock.advance(d.pace)
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// clearAndType empties the focused text input and types s.
func (d *driver) clearAndType(s string) {
	d.t.Helper()
	d.key("ctrl+u")
	d.typ(s)
}

func (d *driver) screen() string { return screen(d.m) }

func (d *driver) wantStep(s stepID) {
	d.t.Helper()
	if d.m.step() != s {
		d.t.Fatalf("step = %d (%s), want %d (%s)\n%s", d.m.step(), stepNames[d.m.step()], s, stepNames[s], d.screen())
	}
}

func (d *driver) wantText(subs ...string) {
	d.t.Helper()
	s := d.screen()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			d.t.Fatalf("screen lacks %q:\n%s", sub, s)
		}
	}
}

// wantWords is wantText for sentences the screen may wrap: line breaks and
// indentation count as one space.
func (d *driver) wantWords(subs ...string) {
	d.t.Helper()
	flat := strings.Join(strings.Fields(d.screen()), " ")
	for _, sub := range subs {
		if !strings.Contains(flat, sub) {
			d.t.Fatalf("screen lacks %q:\n%s", sub, d.screen())
		}
	}
}

func keyMsg(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "?":
		return tea.KeyPressMsg{Code: '?', Text: "?"}
	}
	if r, ok := strings.CutPrefix(name, "ctrl+"); ok && len(r) == 1 {
		return tea.KeyPressMsg{Code: rune(r[0]), Mod: tea.ModCtrl}
	}
	panic("unknown key " + name)
}

// screen is the view without colours and without the trailing spaces huh
// pads its lines with, as goldens are compared.
func screen(m *Model) string {
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
