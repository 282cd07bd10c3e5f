package fileerr

import (
	"errors"
	"io"
	"testing"
)

func TestError(t *testing.T) {
	for _, c := range []struct {
		e    *Error
		want string
	}{
		{&Error{File: "a.txt", Line: 3, Err: errors.New("bad")}, "a.txt:3: bad"},
		{&Error{File: "a.txt", Err: errors.New("empty")}, "a.txt: empty"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	if e := (&Error{File: "x", Line: 1, Err: io.ErrUnexpectedEOF}); !errors.Is(e, io.ErrUnexpectedEOF) {
		t.Errorf("%v does not unwrap to its cause", e)
	}
}
