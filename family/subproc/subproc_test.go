package subproc

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/proc"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

func start(t *testing.T, name string, args ...string) *proc.Child {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("no %s on PATH: %v", name, err)
	}
	c, err := proc.StartCmd(exec.Command(path, args...))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

// Sizes around PIPE_BUF and past both pipes' capacity, where a write-then-
// read parent would deadlock.
var sizes = []int{0, 1, InlineMax, InlineMax + 1, 64 << 10, 200 << 10, 1 << 20}

func TestCommunicateCat(t *testing.T) {
	for _, n := range sizes {
		c := start(t, "cat")
		in := payload(n, 1)
		out := make([]byte, n)
		got, err := Communicate(c, in, out)
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		if got != n || !bytes.Equal(out, in) {
			t.Errorf("size %d: cat echoed %d bytes, equal=%v", n, got, bytes.Equal(out[:got], in[:got]))
		}
		if err := c.Close(); err != nil {
			t.Fatalf("size %d: cat: %v", n, err)
		}
	}
}

func TestCommunicateTooMuch(t *testing.T) {
	for _, n := range []int{100, 300 << 10} {
		c := start(t, "cat")
		_, err := Communicate(c, payload(n, 2), make([]byte, n/2))
		if !errors.Is(err, ErrTooMuch) {
			t.Errorf("size %d into %d: err = %v, want ErrTooMuch", n, n/2, err)
		}
		c.Close() // killed: an error is expected
	}
}

func TestRoundTripPersistentCat(t *testing.T) {
	c := start(t, "cat")
	for i, n := range append(sizes, sizes...) {
		in := payload(n, byte(i))
		out := make([]byte, n)
		if err := RoundTrip(c, in, out); err != nil {
			t.Fatalf("round trip %d, size %d: %v", i, n, err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("round trip %d, size %d: cat echoed other bytes", i, n)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatalf("cat: %v", err)
	}
}

// A child that stops answering part way fails the round trip loudly, for a
// small (inline) and a large (concurrent) input, and is not left behind.
func TestRoundTripChildQuits(t *testing.T) {
	for _, n := range []int{100, 300 << 10} {
		c := start(t, "head", "-c", "10")
		err := RoundTrip(c, payload(n, 3), make([]byte, n))
		if err == nil || !strings.Contains(err.Error(), "of "+fmt.Sprint(n)+" bytes") && !strings.Contains(err.Error(), "write") {
			t.Errorf("size %d through head -c 10: err = %v, want a short read or failed write", n, err)
		}
		c.Close()
	}
}

func TestRoundTripBadBuffer(t *testing.T) {
	c := start(t, "cat")
	defer c.Close()
	if err := RoundTrip(c, make([]byte, 8), make([]byte, 4)); err == nil {
		t.Error("round trip of 8 bytes into 4: no error")
	}
}
