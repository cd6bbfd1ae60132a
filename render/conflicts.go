package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// configKeys returns the settings a daemon.json sets, counted the way
// dockerd counts them before comparing with its flags (daemon/config
// configValuesSet): each top-level key, except that an object value is
// replaced by its own keys unless the key is one of flatOptions
// ({"proxies": {"http-proxy": ...}} sets "http-proxy"). Any value counts,
// null, [] and "" included. ok is false when data is no JSON object.
func configKeys(data []byte) (keys map[string]bool, ok bool) {
	keys = map[string]bool{}
	data = stripBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return keys, true
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, false
	}
	for k, raw := range top {
		var inner map[string]json.RawMessage
		if !flatOptions[k] && json.Unmarshal(raw, &inner) == nil && inner != nil {
			for ik := range inner {
				keys[ik] = true
			}
			continue
		}
		keys[k] = true
	}
	return keys, true
}

// keyConflicts lists each flag of l that the configuration file at cfgPath
// (its settings in keys) also sets: dockerd refuses to start on any of
// them, whatever the values ("the following directives are specified both
// as a flag and in the configuration file"). One error per flag and place
// it is written, in dockerd's order (by the flag's long name).
func (l *launch) keyConflicts(cfgPath string, keys map[string]bool) []*ConflictError {
	type group struct {
		key   string
		p     place
		flags []setFlag
	}
	var groups []*group
	byID := map[string]*group{}
	for _, f := range l.parsed.flags {
		if f.flag == nil {
			continue
		}
		for _, k := range f.flag.keys {
			if !keys[k] {
				continue
			}
			p := l.wordOrigin(l.args[f.first])
			id := fmt.Sprintf("%s\x00%s:%d\x00%s", f.flag.long, p.path, p.line, p.what)
			g := byID[id]
			if g == nil {
				g = &group{key: k, p: p}
				byID[id] = g
				groups = append(groups, g)
			}
			g.flags = append(g.flags, f)
			break
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].flags[0].flag.long < groups[j].flags[0].flag.long })
	var out []*ConflictError
	for _, g := range groups {
		var written []string
		for _, f := range g.flags {
			written = append(written, l.written(f))
		}
		opts := strings.Join(written, " ")
		ce := &ConflictError{
			Path: g.p.path, Line: g.p.line, Flags: written,
			Reason: fmt.Sprintf("%s passes %s while %s sets %q: dockerd will refuse to start (a setting given both as a flag and in its configuration file)", g.p.what, opts, cfgPath, g.key),
			owned:  g.flags[0].daemonJSONOwned(),
			key:    g.key,
		}
		if ce.owned {
			ce.Fix = fmt.Sprintf("run docker-tls init: it takes %s out of %s and leaves the setting to %s", opts, g.p.what, cfgPath)
		} else {
			ce.Fix = fmt.Sprintf("remove %q from %s (the flag sets it already), or take %s out of %s", g.key, cfgPath, opts, g.p.what)
		}
		out = append(out, ce)
	}
	return out
}
