package wizard

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// keyMap holds every key the wizard itself binds. Pages pick from it for the
// footer, and the "?" overlay shows all of it, so help always matches the
// real keys (gum's keymap pattern). huh and the viewport keep their own
// bindings for moving inside a form or a text.
type keyMap struct {
	Next      key.Binding // enter inside a form: next field, or next step on the last one
	PrevField key.Binding
	Toggle    key.Binding // multi-select
	Choose    key.Binding // select
	Scroll    key.Binding
	Ends      key.Binding // home/end (g/G): top and bottom of a long text
	Continue  key.Binding // enter on a page without fields
	Write     key.Binding
	Retry     key.Binding
	Quit      key.Binding // enter on the last page
	Back      key.Binding
	Help      key.Binding
	Abort     key.Binding
	Stop      key.Binding // ctrl+c once the work is done: it quits, the work stands
}

func newKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Next:      b([]string{"enter", "tab"}, "enter", "next"),
		PrevField: b([]string{"shift+tab"}, "shift+tab", "previous field"),
		Toggle:    b([]string{"space", "x"}, "space", "toggle"),
		Choose:    b([]string{"up", "down"}, "↑/↓", "choose"),
		Scroll:    b([]string{"pgup", "pgdown", "up", "down"}, "pgup/pgdn", "scroll"),
		Ends:      b([]string{"home", "end", "g", "G"}, "home/end", "top/bottom"),
		Continue:  b([]string{"enter"}, "enter", "continue"),
		Write:     b([]string{"enter"}, "enter", "write files"),
		Retry:     b([]string{"enter"}, "enter", "try again"),
		Quit:      b([]string{"enter"}, "enter", "quit"),
		Back:      b([]string{"esc"}, "esc", "back"),
		Help:      b([]string{"?"}, "?", "keys"),
		Abort:     b([]string{"ctrl+c"}, "ctrl+c", "abort"),
		Stop:      b([]string{"ctrl+c"}, "ctrl+c", "quit"),
	}
}

// fullHelp is what the "?" overlay shows, in columns.
func (k keyMap) fullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.PrevField, k.Choose, k.Toggle},
		{k.Scroll, k.Ends, k.Write},
		{k.Back, k.Help, k.Abort},
	}
}

// isHelpKey reports a "?" press. With the kitty keyboard protocol "?" can
// arrive as shift+/, so look at the text it produces too.
func isHelpKey(msg tea.KeyPressMsg) bool {
	return msg.Text == "?" || msg.String() == "?"
}
