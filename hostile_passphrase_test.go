package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// passEnv is an env with buffers and an empty environment.
func passEnv(stdin string) (*env, *bytes.Buffer) {
	var out, errb bytes.Buffer
	e := newEnv(strings.NewReader(stdin), &out, &errb)
	e.getenv = func(string) string { return "" }
	return e, &errb
}

func writePass(t *testing.T, data []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPassphraseFileHostile: the passphrase file is a regular file (a FIFO
// with no writer is refused at once, not waited on), printable UTF-8, and
// no longer than the limit: refused, never cut.
func TestPassphraseFileHostile(t *testing.T) {
	const good = "correct horse battery staple"
	long := strings.Repeat("a", maxPassLine+1)
	cases := []struct {
		name string
		data []byte
		want string // "" is accepted
	}{
		{"plain", []byte(good + "\n"), ""},
		{"crlf", []byte(good + "\r\n"), ""},
		{"no newline", []byte(good), ""},
		{"utf-8", []byte("pässwört mit ümläuten\n"), ""},
		{"exactly the limit", []byte(strings.Repeat("b", maxPassLine) + "\n"), ""},
		{"zeros", make([]byte, 8192), "control character"},
		{"nul inside", []byte("correct\x00horse\n"), "control character"},
		{"escape", []byte("pass\x1b[2Jword\n"), "control character"},
		{"random bytes", []byte{0xff, 0xfe, 0x80, 0x81, 'a', 'b', '\n'}, "not valid UTF-8"},
		{"too long", []byte(long + "\n"), "longer than 4096 bytes"},
		{"too long, no newline", []byte(long), "longer than 4096 bytes"},
		{"too long, far", []byte(strings.Repeat("c", 3*maxPassLine)), "longer than 4096 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writePass(t, c.data, 0o600)
			e, errb := passEnv("")
			got, err := passphraseSource{file: p}.read(e, false)
			if c.want == "" {
				if err != nil {
					t.Fatalf("want accepted, got %v", err)
				}
				want := strings.TrimRight(string(c.data), "\r\n")
				if string(got) != want {
					t.Fatalf("got %q, want %q", got, want)
				}
				if errb.Len() != 0 {
					t.Fatalf("a 0600 file warns: %s", errb)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("want an error naming %s with %q, got %v (read %d bytes)", p, c.want, err, len(got))
			}
			// The same bytes on stdin are refused the same way.
			e, _ = passEnv(string(c.data))
			if _, err := (passphraseSource{file: "-"}).read(e, false); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("stdin: want %q, got %v", c.want, err)
			}
		})
	}
}

func TestPassphraseFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	for _, p := range []string{fifo, "/dev/zero", "/dev/urandom", dir} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		done := make(chan error, 1)
		go func() {
			e, _ := passEnv("")
			_, err := passphraseSource{file: p}.read(e, false)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), p) {
				t.Fatalf("%s: want refused as not a regular file, got %v", p, err)
			}
		case <-time.After(5 * time.Second):
			// Let the reader go: open the FIFO for writing and close it.
			if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				f.Close()
			}
			t.Fatalf("%s: reading the passphrase blocked", p)
		}
	}
}

func TestPassphraseFileReadableByOthersWarns(t *testing.T) {
	p := writePass(t, []byte("correct horse battery staple\n"), 0o644)
	e, errb := passEnv("")
	if _, err := (passphraseSource{file: p}).read(e, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "warning: "+p) || !strings.Contains(errb.String(), "chmod 600") {
		t.Fatalf("want a warning naming the file and the fix, got %q", errb)
	}
}
