package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// member is one top-level key of daemon.json with the byte ranges of its key
// and raw value in the original file.
type member struct {
	key              string
	keyStart         int
	valStart, valEnd int
}

type jsonObject struct {
	members []member
	open    int // offset of '{'
	close   int // offset of '}'
}

// Bounds on what docker-tls reads as daemon.json: a real one is a few
// hundred bytes nested three or four levels deep (log-opts, runtimes,
// default-address-pools). Past these, the parser would spend memory and time
// on a file dockerd itself cannot use: encoding/json gives up at 10,000
// levels, which is what a planted file would aim at.
const (
	MaxConfigSize = 1 << 20 // bytes
	MaxDepth      = 64      // nested objects and arrays
)

// checkBounds refuses data larger than MaxConfigSize, or nested deeper than
// MaxDepth (naming the line and column of the bracket that goes too deep),
// before any parser sees it.
func checkBounds(data []byte) error {
	if len(data) > MaxConfigSize {
		return &MergeError{Path: DaemonJSONPath, Err: fmt.Errorf("is %d bytes, more than the %d KiB docker-tls reads: a Docker configuration is a few hundred bytes; check what this file holds", len(data), MaxConfigSize>>10)}
	}
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > MaxDepth {
				line, col := lineCol(data, i)
				return &MergeError{Path: DaemonJSONPath, Line: line, Col: col,
					Err: fmt.Errorf("nested more than %d levels deep: no Docker setting nests like this, and dockerd could not read the file either", MaxDepth)}
			}
		case c == '}' || c == ']':
			depth-- // unbalanced input is the parser's to report
		}
	}
	return nil
}

// parseObject parses data strictly: it must be one JSON object, with no
// duplicate keys at any depth, within checkBounds. It records the byte
// ranges of the top-level members so that merging can edit the file in place
// and keep everything else (order, spacing, nested formatting) byte for byte.
func parseObject(data []byte) (*jsonObject, error) {
	if err := checkBounds(data); err != nil {
		return nil, err
	}
	p := &objParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	if err := p.open(); err != nil {
		return nil, err
	}
	for len(p.stack) > 0 {
		if err := p.step(); err != nil {
			return nil, err
		}
	}
	if rest := bytes.TrimLeft(data[p.obj.close+1:], " \t\r\n"); len(rest) > 0 {
		return nil, p.posErr(int64(len(data)-len(rest)), errors.New("unexpected data after the top-level object"))
	}
	return p.obj, nil
}

// objParser is parseObject's state: the decoder over data, the object
// found so far, and the objects and arrays open at this point.
type objParser struct {
	data  []byte
	dec   *json.Decoder
	obj   *jsonObject
	stack []jsonFrame // stack[0] is the top-level object
}

// jsonFrame is an open object (keys seen so far) or array (keys nil).
type jsonFrame struct {
	keys    map[string]bool
	wantKey bool
}

func (p *objParser) posErr(off int64, err error) error {
	line, col := lineCol(p.data, int(off))
	return &MergeError{Path: DaemonJSONPath, Line: line, Col: col, Err: err}
}

// syntaxErr places a decoding error at its exact byte.
func (p *objParser) syntaxErr(err error) error {
	var se *json.SyntaxError
	// The streaming decoder's offsets are approximate; Unmarshal scans
	// the whole input first and reports the exact byte.
	if uerr := json.Unmarshal(p.data, new(any)); errors.As(uerr, &se) {
		err = uerr
	}
	switch {
	case errors.As(err, &se):
		off := se.Offset - 1 // Offset counts the offending byte
		if strings.HasPrefix(se.Error(), "unexpected end") {
			off = se.Offset
		}
		return p.posErr(off, fmt.Errorf("invalid JSON: %v", se))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return p.posErr(int64(len(p.data)), errors.New("invalid JSON: unexpected end of file"))
	}
	return p.posErr(p.dec.InputOffset(), fmt.Errorf("invalid JSON: %v", err))
}

// open reads the '{' the file must start with.
func (p *objParser) open() error {
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntaxErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		first := len(p.data) - len(bytes.TrimLeft(p.data, " \t\r\n"))
		return p.posErr(int64(first), fmt.Errorf("top level must be a JSON object, found %s", describe(tok)))
	}
	p.obj = &jsonObject{open: int(p.dec.InputOffset()) - 1}
	p.stack = []jsonFrame{{keys: map[string]bool{}, wantKey: true}}
	return nil
}

// step reads one token: the end of an object or array, a key, or a value.
func (p *objParser) step() error {
	before := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntaxErr(err)
	}
	top := &p.stack[len(p.stack)-1]
	switch d, _ := tok.(json.Delim); {
	case d == '}' || d == ']':
		p.end()
	case top.keys != nil && top.wantKey:
		return p.key(tok.(string), before) // the decoder guarantees object keys are strings
	default:
		p.value(tok, before)
	}
	return nil
}

// end closes the innermost object or array.
func (p *objParser) end() {
	p.stack = p.stack[:len(p.stack)-1]
	off := int(p.dec.InputOffset())
	switch len(p.stack) {
	case 0:
		p.obj.close = off - 1
		return
	case 1:
		p.obj.members[len(p.obj.members)-1].valEnd = off
	}
	if parent := &p.stack[len(p.stack)-1]; parent.keys != nil {
		parent.wantKey = true
	}
}

// key takes an object's key, read from the offset before on; a key given
// twice is refused at any depth.
func (p *objParser) key(key string, before int64) error {
	top := &p.stack[len(p.stack)-1]
	start := int(before) + bytes.IndexByte(p.data[before:], '"')
	if top.keys[key] {
		line, col := lineCol(p.data, start)
		return &MergeError{Path: DaemonJSONPath, Key: key, Line: line, Col: col,
			Err: errors.New("duplicate key: dockerd would silently use the last one; remove one of them")}
	}
	top.keys[key] = true
	top.wantKey = false
	if len(p.stack) == 1 {
		p.obj.members = append(p.obj.members, member{key: key, keyStart: start})
	}
	return nil
}

// value takes a value (or the start of one), read from the offset before
// on, and records where a top-level one starts and ends.
func (p *objParser) value(tok json.Token, before int64) {
	if len(p.stack) == 1 {
		m := &p.obj.members[len(p.obj.members)-1]
		// After ':' or ',' and white space.
		m.valStart = int(before) + bytes.IndexFunc(p.data[before:], func(r rune) bool {
			return !strings.ContainsRune(" \t\r\n:,", r)
		})
		m.valEnd = int(p.dec.InputOffset())
	}
	switch tok {
	case json.Delim('{'):
		p.stack = append(p.stack, jsonFrame{keys: map[string]bool{}, wantKey: true})
	case json.Delim('['):
		p.stack = append(p.stack, jsonFrame{})
	default:
		if top := &p.stack[len(p.stack)-1]; top.keys != nil {
			top.wantKey = true
		}
	}
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// lineCol converts a byte offset to 1-based line and column.
func lineCol(data []byte, off int) (int, int) {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return line, col
}

// owned lists the keys docker-tls sets, in the order new ones are appended.
var owned = []string{"tls", "tlscacert", "tlscert", "tlskey", "tlsverify", "hosts"}

// mergeDaemonJSON sets the TLS keys and "hosts" in daemon.json and keeps
// everything else as written. old may be nil (absent) or empty. unitSockets
// are the sockets the unit passes as -H (unix:// and fd://, moving to
// "hosts"): they are kept after daemon.json's own. The result is parsed again
// and compared with old before it is returned (checkMerged): what is written
// is what was meant.
func mergeDaemonJSON(old []byte, h Host, unitSockets []string) ([]byte, []string, error) {
	out, warnings, err := mergeHook(old, h, unitSockets)
	if err != nil {
		return nil, nil, err
	}
	if err := checkMerged(old, out, h); err != nil {
		return nil, nil, fmt.Errorf("%s: the merged file is not what was meant, so nothing is written (a bug in docker-tls: please report it with the file): %w", DaemonJSONPath, err)
	}
	return out, warnings, nil
}

// checkMerged parses out and checks it against old and h: the same keys
// with the same values, except the keys docker-tls sets, which have h's
// values, and nothing else.
func checkMerged(old, out []byte, h Host) error {
	parse := func(b []byte) (map[string]json.RawMessage, []string, error) {
		src := bytes.Trim(stripBOM(b), " \t\r\n")
		if len(src) == 0 {
			return map[string]json.RawMessage{}, nil, nil
		}
		obj, err := parseObject(src)
		if err != nil {
			return nil, nil, err
		}
		m := map[string]json.RawMessage{}
		var keys []string
		for _, mb := range obj.members {
			m[mb.key] = src[mb.valStart:mb.valEnd]
			keys = append(keys, mb.key)
		}
		return m, keys, nil
	}
	before, _, err := parse(old)
	if err != nil {
		return err
	}
	after, keys, err := parse(out)
	if err != nil {
		return err
	}
	set := owned
	if h.LiveRestore {
		set = append(slices.Clone(owned), "live-restore")
		if !sameJSON(after["live-restore"], true) {
			return fmt.Errorf("key %q is not true", "live-restore")
		}
	}
	for _, k := range keys {
		if _, ok := before[k]; !ok && !contains(set, k) {
			return fmt.Errorf("key %q appeared", k)
		}
	}
	for k, v := range before {
		if contains(set, k) {
			continue
		}
		if w, ok := after[k]; !ok || !sameRaw(v, w) {
			return fmt.Errorf("key %q was not kept as it was", k)
		}
	}
	want := map[string]any{"tls": true, "tlsverify": true, "tlscacert": h.CACert, "tlscert": h.Cert, "tlskey": h.Key}
	for k, v := range want {
		if !sameJSON(after[k], v) {
			return fmt.Errorf("key %q is not %v", k, v)
		}
	}
	var hosts []string
	if err := json.Unmarshal(after["hosts"], &hosts); err != nil || len(hosts) == 0 || hosts[len(hosts)-1] != "tcp://"+h.Listen {
		return fmt.Errorf("hosts does not end with %q", "tcp://"+h.Listen)
	}
	return nil
}

// sameRaw reports whether two JSON values are equal (numbers as written).
func sameRaw(a, b []byte) bool {
	decode := func(raw []byte) (any, error) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		return v, err
	}
	x, err1 := decode(a)
	y, err2 := decode(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(x, y)
}

// mergeHook is merge; tests replace it with a broken merge, to see that
// its result is checked.
var mergeHook = merge

// merge is mergeDaemonJSON without the check of its result.
func merge(old []byte, h Host, unitSockets []string) (out []byte, warnings []string, err error) {
	if err := h.check(); err != nil {
		return nil, nil, err
	}
	src := bytes.Trim(stripBOM(old), " \t\r\n") // JSON white space only: "\f" is an error
	if len(src) == 0 {
		src = []byte("{}")
	}
	obj, err := parseObject(src)
	if err != nil {
		return nil, nil, err
	}
	byKey := map[string]*member{}
	for i := range obj.members {
		byKey[obj.members[i].key] = &obj.members[i]
	}
	want, keys, warnings, err := wantedKeys(src, byKey, h, unitSockets)
	if err != nil {
		return nil, nil, err
	}
	replace, add, changed := changedKeys(src, byKey, keys, want)
	warnings = append(warnings, changed...)
	if len(replace) == 0 && len(add) == 0 {
		return append(bytes.Clone(src), '\n'), warnings, nil
	}
	if !bytes.Contains(src[obj.open:obj.close], []byte("\n")) && len(obj.members) > 0 {
		// A one-line file has no indentation style to keep: expand it with
		// the default so that added keys don't make one endless line.
		var buf bytes.Buffer
		if err := json.Indent(&buf, src, "", "  "); err != nil {
			return nil, nil, err
		}
		return merge(buf.Bytes(), h, unitSockets)
	}
	return writeMerged(src, obj, want, replace, add), warnings, nil
}

// wantedKeys returns the value each key docker-tls sets should have, and
// those keys in order; the warnings are mergeHosts'.
func wantedKeys(src []byte, byKey map[string]*member, h Host, unitSockets []string) (map[string]any, []string, []string, error) {
	var oldHosts []string
	if m := byKey["hosts"]; m != nil {
		if err := json.Unmarshal(src[m.valStart:m.valEnd], &oldHosts); err != nil {
			return nil, nil, nil, &MergeError{Path: DaemonJSONPath, Key: "hosts", Err: errors.New("must be an array of strings")}
		}
	}
	hosts, warnings := mergeHosts(oldHosts, unitSockets, "tcp://"+h.Listen)
	want := map[string]any{
		"tls": true, "tlsverify": true,
		"tlscacert": h.CACert, "tlscert": h.Cert, "tlskey": h.Key,
		"hosts": hosts,
	}
	keys := owned
	if h.LiveRestore {
		want["live-restore"] = true
		keys = append(slices.Clone(owned), "live-restore")
	}
	return want, keys, warnings, nil
}

// changedKeys decides which of keys change: those set to another value
// (replace, with a warning when a path changes) and those missing (add).
// Equal values keep their raw bytes, except a list spread over lines that
// fits on one (see encodeValue).
func changedKeys(src []byte, byKey map[string]*member, keys []string, want map[string]any) (replace, add, warnings []string) {
	for _, k := range keys {
		m := byKey[k]
		if m == nil {
			add = append(add, k)
			continue
		}
		raw := src[m.valStart:m.valEnd]
		switch {
		case !sameJSON(raw, want[k]):
			replace = append(replace, k)
			if s, ok := want[k].(string); ok {
				warnings = append(warnings, fmt.Sprintf("daemon.json: %s was %s, now %q", k, raw, s))
			}
		case bytes.ContainsRune(raw, '\n') && !strings.Contains(encodeValue(want[k], column(src, m.valStart), "", ""), "\n"):
			replace = append(replace, k)
		}
	}
	return replace, add, warnings
}

// writeMerged returns src with the values of replace rewritten in place and
// the keys of add appended, in the file's indentation.
func writeMerged(src []byte, obj *jsonObject, want map[string]any, replace, add []string) []byte {
	unit := indentUnit(src, obj)
	var b bytes.Buffer
	pos := 0
	for _, m := range obj.members {
		if !contains(replace, m.key) {
			continue
		}
		b.Write(src[pos:m.valStart])
		b.WriteString(encodeValue(want[m.key], column(src, m.valStart), lineIndent(src, m.keyStart, unit), unit))
		pos = m.valEnd
	}
	tail := obj.close
	if n := len(obj.members); n > 0 {
		tail = obj.members[n-1].valEnd
	}
	b.Write(src[pos:tail])
	for i, k := range add {
		if i > 0 || len(obj.members) > 0 {
			b.WriteByte(',')
		}
		key := unit + encodeString(k) + ": "
		b.WriteString("\n" + key + encodeValue(want[k], columns(key), unit, unit))
	}
	if len(obj.members) == 0 {
		b.WriteString("\n}")
	} else {
		b.Write(src[tail : obj.close+1])
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// mergeHosts keeps the unix sockets of daemon.json, then those the unit
// passed (unitSockets), in order and without duplicates; DefaultSocket when
// neither has one. An fd:// host (socket activation by docker.socket, which
// listens on the default socket) becomes DefaultSocket. newTCP comes last.
func mergeHosts(old, unitSockets []string, newTCP string) ([]string, []string) {
	var hosts, warnings []string
	addSocket := func(h string) {
		for _, k := range hosts {
			if sameSocket(k, h) {
				return
			}
		}
		hosts = append(hosts, h)
	}
	for _, h := range old {
		switch {
		case strings.HasPrefix(h, "unix://"):
			addSocket(h)
		case h == newTCP:
		case strings.HasPrefix(h, "fd://"):
			// docker.socket listens on the default socket: keep it there.
			addSocket(DefaultSocket)
			warnings = append(warnings, fmt.Sprintf("daemon.json: dropped %q from hosts: fd:// is systemd socket activation, which the override no longer uses; local clients use %s", h, DefaultSocket))
		case plainTCP(h):
			warnings = append(warnings, fmt.Sprintf("daemon.json: dropped insecure %q from hosts: port 2375 is the unencrypted API, root access for anyone who can reach it", h))
		default:
			warnings = append(warnings, fmt.Sprintf("daemon.json: dropped %q from hosts: only the unix socket and %s are kept; add it back by hand if you need it (it will require TLS too)", h, newTCP))
		}
	}
	for _, h := range unitSockets {
		if h == "unix://" || strings.HasPrefix(h, "fd://") {
			h = DefaultSocket // dockerd's default for an empty path; docker.socket's
		}
		addSocket(h)
	}
	if len(hosts) == 0 {
		hosts = []string{DefaultSocket}
	}
	return append(hosts, newTCP), warnings
}

// sameSocket: "unix://" is dockerd's default socket.
func sameSocket(a, b string) bool {
	norm := func(s string) string {
		if s == "unix://" {
			return DefaultSocket
		}
		return s
	}
	return norm(a) == norm(b)
}

// plainTCP reports whether dockerd would serve h as tcp on port 2375, the
// unencrypted API's port.
func plainTCP(h string) bool {
	d, err := ParseDockerHost(h)
	return err == nil && d.PlainPort()
}

func sameJSON(raw []byte, want any) bool {
	var got any
	if json.Unmarshal(raw, &got) != nil {
		return false
	}
	w, _ := json.Marshal(want)
	var wantAny any
	_ = json.Unmarshal(w, &wantAny)
	return reflect.DeepEqual(got, wantAny)
}

// indentUnit is the indentation of the first top-level key when it starts a
// line, else two spaces.
func indentUnit(src []byte, obj *jsonObject) string {
	if len(obj.members) == 0 {
		return "  "
	}
	if ind := lineIndent(src, obj.members[0].keyStart, ""); ind != "" {
		return ind
	}
	return "  "
}

// lineIndent returns the white space before off on its line, or def when
// something other than white space precedes it.
func lineIndent(src []byte, off int, def string) string {
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	ind := src[start:off]
	if len(bytes.Trim(ind, " \t")) != 0 {
		return def
	}
	return string(ind)
}

func encodeString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// maxLine is the widest line docker-tls writes a list of its own on, in
// columns. "hosts" goes on the line of its key when it fits, because
// line-based audits read daemon.json with grep: docker-bench-security's
// check for CIS Docker Benchmark 2.7 ("TLS authentication for Docker daemon
// is configured") looks for `host.*tcp://` on one line, and reports "Docker
// daemon not listening on TCP" when the tcp:// entry is on a line of its own.
const maxLine = 100

// encodeValue renders one of our values, which starts at column col of its
// line. A list goes on that line when it fits within maxLine columns (with a
// comma after it), else one item per line, indented one unit deeper than
// ind, the indentation of the key's line.
func encodeValue(v any, col int, ind, unit string) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "true"
		}
		return "false"
	case string:
		return encodeString(v)
	case []string:
		items := make([]string, len(v))
		for i, s := range v {
			items[i] = encodeString(s)
		}
		if one := "[" + strings.Join(items, ", ") + "]"; col+columns(one)+len(",") <= maxLine {
			return one
		}
		for i := range items {
			items[i] = ind + unit + items[i]
		}
		return "[\n" + strings.Join(items, ",\n") + "\n" + ind + "]"
	}
	panic(fmt.Sprintf("render: unexpected value type %T", v))
}

// column is the column at which the byte at off starts on its line.
func column(src []byte, off int) int {
	return columns(string(src[bytes.LastIndexByte(src[:off], '\n')+1 : off]))
}

// columns is how wide s is on a terminal, in columns: a tab goes to the
// next multiple of 8, as cat and less show it.
func columns(s string) int {
	n := 0
	for _, r := range s {
		if r == '\t' {
			n += 8 - n%8
			continue
		}
		n++
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
