package model

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/workloads"
)

// TestProcessParentPipesOnPoller: the process model's parent waits on its
// workers through Go's poller unless a row asks for raw pipes. A raw
// blocking read holds a P, so with more IO-bound workers than Ps the
// parent, not the processes, set the pace of the IO-bound line; the
// default must be the poller, and pipe=raw must stay raw.
func TestProcessParentPipesOnPoller(t *testing.T) {
	for _, c := range []struct {
		pipe     string
		nonblock bool
	}{{"", true}, {PipePoller, true}, {PipeRaw, false}} {
		w, err := Process{Pipe: c.pipe}.startWorker(workloads.Spec{Kernel: "noop"})
		if err != nil {
			t.Fatalf("pipe %q: %v", c.pipe, err)
		}
		ends := map[string]*os.File{"stdin": w.c.In, "stdout": w.c.Out}
		for end, f := range ends {
			if got := nonblocking(t, f); got != c.nonblock {
				t.Errorf("pipe %q: the parent's end of the worker's %s is non-blocking = %v, want %v", c.pipe, end, got, c.nonblock)
			}
		}
		if err := w.c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// nonblocking reads f's O_NONBLOCK without f.Fd, which would clear it.
func nonblocking(t *testing.T, f *os.File) bool {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	var ferr error
	if err := rc.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0) }); err != nil || ferr != nil {
		t.Fatal(err, ferr)
	}
	return flags&unix.O_NONBLOCK != 0
}
