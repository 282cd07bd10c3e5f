package bench

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/concbench/concbench/family/subproc"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

// subprocessSizes are the payloads of the cat round trips: a line, a page,
// one pipe's capacity, and well past both pipes' capacity.
var subprocessSizes = []struct {
	name string
	n    int
}{{"64B", 64}, {"4KiB", 4 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}}

// BenchmarkSubprocess answers subprocess.call and Popen(...).communicate(input):
// what does running an external command cost, and what does pushing bytes
// through one cost?
//
//	cmd=true/api=proc       one op = fork, exec and reap /bin/true through
//	                        proc.StartCmd (spawner thread, Pdeathsig, pipes),
//	                        exit status 0 checked: subprocess.call
//	cmd=true/api=os-exec    the same with exec.Command(path).Run(), what plain
//	                        Go code writes (no pipes, no spawner thread)
//	cmd=cat/child=spawn-per-op/size=N
//	                        one op = start cat, write N bytes to its stdin and
//	                        close it while reading its stdout to EOF, reap it
//	                        (exit 0): communicate(input)
//	cmd=cat/child=persistent/size=N
//	                        one op = N bytes to one long-lived cat and the
//	                        same N bytes back: the data cost without the spawn
//
// Every echo is compared byte for byte with what was sent; two payloads
// alternate so that a stale buffer cannot pass. SetBytes(N) counts the
// payload once (MB/s is payload per second; each byte crosses two pipes).
// cpu-ns/op includes the children's CPU time: the reaped cats' from
// getrusage, the live persistent cat's from /proc (its start-up excluded).
func BenchmarkSubprocess(b *testing.B) {
	truePath, trueErr := exec.LookPath("true")
	b.Run("cmd=true/api=proc", func(b *testing.B) {
		atProcs(b)
		if trueErr != nil {
			b.Skipf("no true(1) on PATH: %v", trueErr)
		}
		mt := startMeter()
		for b.Loop() {
			c, err := proc.StartCmd(exec.Command(truePath))
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Close(); err != nil {
				b.Fatalf("%s: %v", truePath, err)
			}
		}
		mt.stop(b, b.N, model.Usage{})
	})
	b.Run("cmd=true/api=os-exec", func(b *testing.B) {
		atProcs(b)
		if trueErr != nil {
			b.Skipf("no true(1) on PATH: %v", trueErr)
		}
		mt := startMeter()
		for b.Loop() {
			if err := exec.Command(truePath).Run(); err != nil {
				b.Fatalf("%s: %v", truePath, err)
			}
		}
		mt.stop(b, b.N, model.Usage{})
	})
	catPath, catErr := exec.LookPath("cat")
	for _, mode := range []string{"spawn-per-op", "persistent"} {
		for _, sz := range subprocessSizes {
			b.Run(fmt.Sprintf("cmd=cat/child=%s/size=%s", mode, sz.name), func(b *testing.B) {
				if catErr != nil {
					b.Skipf("no cat(1) on PATH: %v", catErr)
				}
				benchCat(b, func() *exec.Cmd { return exec.Command(catPath) }, mode == "persistent", sz.n)
			})
		}
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pySubprocessRows())
}

// benchCat runs one cat case; newCmd makes the filter (tests pass broken ones).
func benchCat(b *testing.B, newCmd func() *exec.Cmd, persistent bool, n int) {
	atProcs(b)
	payloads := [2][]byte{catPayload(n, 0), catPayload(n, 1)}
	out := make([]byte, n)
	b.SetBytes(int64(n))
	if !persistent {
		mt := startMeter()
		op := 0
		for b.Loop() {
			if err := catOp(nil, newCmd, payloads[op&1], out); err != nil {
				b.Fatalf("op %d: %v", op, err)
			}
			op++
		}
		mt.stop(b, b.N, model.Usage{}) // each cat is reaped: RUSAGE_CHILDREN has it
		return
	}
	c, err := proc.StartCmd(newCmd())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close() // reaps it if the loop fails
	// One untimed exchange first, so that cat has finished starting (exec,
	// dynamic loading) before the clock runs.
	if err := catOp(c, newCmd, payloads[1], out); err != nil {
		b.Fatalf("warm-up: %v", err)
	}
	// The live cat's CPU time and switches come from /proc, so that its
	// start-up is not charged to the round trips.
	cat0, err := procUsage(c.Pid())
	if err != nil {
		b.Fatal(err)
	}
	mt := startMeter()
	op := 0
	for b.Loop() {
		if err := catOp(c, newCmd, payloads[op&1], out); err != nil {
			b.Fatalf("op %d: %v", op, err)
		}
		op++
	}
	cat1, err := procUsage(c.Pid())
	if err != nil {
		b.Fatal(err)
	}
	mt.stop(b, b.N, model.Usage{CPUNanos: cat1.CPUNanos - cat0.CPUNanos, Ctxsw: cat1.Ctxsw - cat0.Ctxsw})
	if err := c.Close(); err != nil {
		b.Fatalf("%s: %v", c.Cmd.Path, err)
	}
}

// procUsage is a live process's CPU time and context switches, as proc
// reads them.
func procUsage(pid int) (model.Usage, error) {
	cpu, err := proc.CPU(pid)
	if err != nil {
		return model.Usage{}, err
	}
	n, err := proc.ContextSwitches(pid)
	return model.Usage{CPUNanos: int64(cpu), Ctxsw: n}, err
}

// catOp is one op: a round trip through the persistent c, or (c nil) a
// communicate() with a new child; out must equal in afterwards.
func catOp(c *proc.Child, newCmd func() *exec.Cmd, in, out []byte) error {
	if c != nil {
		if err := subproc.RoundTrip(c, in, out); err != nil {
			return err
		}
	} else {
		c, err := proc.StartCmd(newCmd())
		if err != nil {
			return err
		}
		got, err := subproc.Communicate(c, in, out)
		if cerr := c.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("%s: %w", c.Cmd.Path, cerr)
		}
		if err != nil {
			return err
		}
		if got != len(in) {
			return fmt.Errorf("%s echoed %d bytes of %d", c.Cmd.Path, got, len(in))
		}
	}
	if !bytes.Equal(out, in) {
		return fmt.Errorf("echo differs from what was sent at offset %d of %d", firstDiff(out, in), len(in))
	}
	return nil
}

// catPayload is n bytes that differ between seeds at every offset.
func catPayload(n int, seed uint64) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(workloads.Mix(uint64(i/8)) >> (8 * (i % 8)))
		if seed == 1 {
			p[i] = ^p[i]
		}
	}
	return p
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// A filter that corrupts, drops or adds bytes fails a Subprocess op with a
// message naming what broke, in both modes, and so fails the benchmark.
func TestSubprocessFailsOnBrokenEcho(t *testing.T) {
	for _, c := range []struct {
		cmd        []string
		persistent bool
		want       string
	}{
		{[]string{"tr", "a-z", "A-Z"}, false, "echo differs"},
		{[]string{"tr", "a-z", "A-Z"}, true, "echo differs"},
		{[]string{"head", "-c", "4095"}, false, "echoed 4095 bytes of 4096"},
		{[]string{"head", "-c", "4095"}, true, "read 4095 of 4096 bytes"},
		{[]string{"sh", "-c", "cat; echo x"}, false, "more output than expected"},
	} {
		t.Run(fmt.Sprintf("%s/persistent=%v", strings.Join(c.cmd, " "), c.persistent), func(t *testing.T) {
			path, err := exec.LookPath(c.cmd[0])
			if err != nil {
				t.Skipf("no %s on PATH: %v", c.cmd[0], err)
			}
			newCmd := func() *exec.Cmd { return exec.Command(path, c.cmd[1:]...) }
			in, out := catPayload(4096, 0), make([]byte, 4096)
			var child *proc.Child
			if c.persistent {
				if child, err = proc.StartCmd(newCmd()); err != nil {
					t.Fatal(err)
				}
				defer child.Close()
			}
			err = catOp(child, newCmd, in, out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			res := testing.Benchmark(func(b *testing.B) { benchCat(b, newCmd, c.persistent, 4096) })
			if res.N != 0 {
				t.Errorf("benchmark through %v passed %d ops", c.cmd, res.N)
			}
		})
	}
}
