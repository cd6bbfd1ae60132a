package render

import (
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

// Diff returns a unified diff of a file's old and new content, with git-style
// headers naming the real path ("--- a/etc/docker/daemon.json"), so that
// `patch -p1 -d /` would apply it. An absent file (old == nil) is /dev/null.
// It returns "" when the contents are equal.
func Diff(path string, old, new []byte) string {
	if string(old) == string(new) && (old == nil) == (new == nil) {
		return ""
	}
	from, to := "a"+path, "b"+path
	if old == nil {
		from = "/dev/null"
	}
	if new == nil {
		to = "/dev/null"
	}
	return udiff.Unified(from, to, string(old), string(new))
}

// ANSI SGR sequences used by Colorize.
const (
	sgrReset = "\x1b[0m"
	sgrBold  = "\x1b[1m"
	sgrRed   = "\x1b[31m"
	sgrGreen = "\x1b[32m"
	sgrCyan  = "\x1b[36m"
)

// Colorize adds ANSI colours to a unified diff: bold headers, cyan hunk
// markers, red removals and green additions. Callers decide when (a
// terminal, and NO_COLOR unset).
func Colorize(diff string) string {
	if diff == "" {
		return ""
	}
	lines := strings.SplitAfter(diff, "\n")
	var b strings.Builder
	header := false
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		nl := l[len(body):]
		color := ""
		// A removed line may itself start with "-- ": only a "---" line
		// followed by "+++" is a file header.
		if strings.HasPrefix(body, "--- ") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "+++ ") {
			header = true
		}
		switch {
		case header && (strings.HasPrefix(body, "--- ") || strings.HasPrefix(body, "+++ ")):
			color = sgrBold
			header = strings.HasPrefix(body, "--- ")
		case strings.HasPrefix(body, "@@"):
			color = sgrCyan
		case strings.HasPrefix(body, "+"):
			color = sgrGreen
		case strings.HasPrefix(body, "-"):
			color = sgrRed
		}
		if color == "" || body == "" {
			b.WriteString(l)
			continue
		}
		b.WriteString(color + body + sgrReset + nl)
	}
	return b.String()
}
