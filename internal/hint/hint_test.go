package hint

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestHint(t *testing.T) {
	if With(nil, "x") != nil {
		t.Fatal("With(nil) must stay nil: a nil error with advice would read as a failure")
	}
	err := fmt.Errorf("reading: %w", With(io.EOF, "try again"))
	if got := Of(err); got != "try again" {
		t.Errorf("Of through a wrap = %q, want the advice", got)
	}
	if !errors.Is(err, io.EOF) {
		t.Error("the advice must keep the error's identity (errors.Is)")
	}
	if got := Of(io.EOF); got != "" {
		t.Errorf("Of(plain error) = %q, want empty", got)
	}
	e := Errorf("fix it", "bad %d", 3)
	if e.Error() != "bad 3" || Of(e) != "fix it" {
		t.Errorf("Errorf = %q / %q", e.Error(), Of(e))
	}
}
