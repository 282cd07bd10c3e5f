// Package subproc exchanges bytes with an external command over its stdin
// and stdout, as Python's Popen(...).communicate(input) does: the Go side of
// the seeds' subprocess section.
//
// A caller starts the command with proc.StartCmd (blocking pipes, Pdeathsig,
// the project's one fork path), then either
//
//   - Communicate: write all input, close stdin, read stdout to EOF, once per
//     child (subprocess's run-to-completion pattern), or
//   - RoundTrip: write input and read back exactly as many bytes, stdin left
//     open, many times over one long-lived filter such as cat.
//
// Both write and read at the same time once the input is larger than
// PIPE_BUF: a filter like cat answers while it reads, and a parent that
// writes everything before reading deadlocks as soon as both pipes are full
// (64 KiB each on Linux, one page if the user's pipe quota is spent). Up to
// PIPE_BUF bytes go into an empty pipe in one write that cannot block, so
// small inputs are written inline and cost no goroutine.
//
// A failed exchange kills the child, so that no writer is left blocked on a
// pipe nobody reads; the caller still reaps it with Close.
//
// subproc is one family: it needs only package proc (its children are
// external commands, so none of model's kinds), and imports no other family.
package subproc

import (
	"errors"
	"fmt"
	"io"

	"github.com/concbench/concbench/proc"
)

// InlineMax is the largest input written before reading, with no writer
// goroutine: PIPE_BUF on Linux, the size of a write to a pipe that is atomic.
const InlineMax = 4096

// ErrTooMuch says a child wrote more than the caller's buffer holds.
var ErrTooMuch = errors.New("more output than expected")

// Communicate writes input to c's stdin and closes it while it reads c's
// stdout to EOF into out, and returns how many bytes it read. More output
// than len(out) is ErrTooMuch.
func Communicate(c *proc.Child, input, out []byte) (int, error) {
	werr := make(chan error, 1)
	write := func() {
		_, err := c.In.Write(input)
		if cerr := c.In.Close(); err == nil {
			err = cerr
		}
		werr <- err
	}
	if len(input) <= InlineMax {
		write()
	} else {
		go write()
	}
	n, err := readToEOF(c, out)
	if err != nil {
		c.Kill() // unblocks the writer
	}
	if werr := <-werr; werr != nil && err == nil {
		err = fmt.Errorf("subproc: child %d: write %d bytes to stdin: %w", c.Pid(), len(input), werr)
	}
	return n, err
}

func readToEOF(c *proc.Child, out []byte) (int, error) {
	n := 0
	for n < len(out) {
		m, err := c.Out.Read(out[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("subproc: child %d: read stdout after %d bytes: %w", c.Pid(), n, err)
		}
	}
	var extra [1]byte
	m, err := c.Out.Read(extra[:])
	if m > 0 {
		return n, fmt.Errorf("subproc: child %d: %w: over %d bytes", c.Pid(), ErrTooMuch, n)
	}
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("subproc: child %d: read stdout after %d bytes: %w", c.Pid(), n, err)
	}
	return n, nil
}

// RoundTrip writes input to c's stdin and reads exactly len(input) bytes of
// its stdout into out (which must be that long), leaving stdin open.
func RoundTrip(c *proc.Child, input, out []byte) error {
	if len(out) != len(input) {
		return fmt.Errorf("subproc: round trip of %d bytes into a %d-byte buffer", len(input), len(out))
	}
	var werr chan error
	if len(input) <= InlineMax {
		if _, err := c.In.Write(input); err != nil {
			c.Kill()
			return fmt.Errorf("subproc: child %d: write %d bytes to stdin: %w (child %s)", c.Pid(), len(input), err, c.Status())
		}
	} else {
		werr = make(chan error, 1)
		go func() {
			_, err := c.In.Write(input)
			werr <- err
		}()
	}
	n, err := io.ReadFull(c.Out, out)
	if err != nil {
		c.Kill()
		err = fmt.Errorf("subproc: child %d: read %d of %d bytes from stdout: %w (child %s)", c.Pid(), n, len(out), err, c.Status())
	}
	if werr != nil {
		if e := <-werr; e != nil && err == nil {
			c.Kill()
			err = fmt.Errorf("subproc: child %d: write %d bytes to stdin: %w (child %s)", c.Pid(), len(input), e, c.Status())
		}
	}
	return err
}
