package bench

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/concbench/concbench/family/fork"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

// parentSizes is how much touched memory the parent holds.
var parentSizes = []struct {
	name string
	n    int
}{{"0B", 0}, {"256MiB", 256 << 20}, {"1GiB", 1 << 30}}

// BenchmarkSpawnParent answers what a big parent costs each new process:
// Python's os.fork() (and multiprocessing's fork start method) copies the
// parent's page tables, so its cost grows with the parent's memory.
//
// The parent holds touched=N bytes, every page written (and checked
// resident with mincore), for the whole sub-benchmark; the memory is given
// back before the next size. One op:
//
//	model=process    start a worker child (the process-worker config
//	                 line names the binary; exec'd through proc's
//	                 clone(CLONE_VFORK|CLONE_VM)), one verified noop round
//	                 trip, join: what the process model pays
//	model=exec-true  fork+exec+reap /bin/true through the same spawner
//	model=fork       a real fork of this whole process (raw clone without
//	                 CLONE_VM) whose child exits at once, reaped with exit 0:
//	                 the page-table copy that os.fork pays
func BenchmarkSpawnParent(b *testing.B) {
	spec := workloads.Spec{Kernel: "noop"}
	answers, err := workloads.Answers(spec)
	if err != nil {
		b.Fatal(err)
	}
	truePath, trueErr := exec.LookPath("true")
	models := []struct {
		name string
		op   func(arg uint64) error
	}{
		{"process", func(arg uint64) error {
			v, err := model.Process{}.Spawn(spec, arg)
			if err == nil && v != answers[arg] {
				err = fmt.Errorf("process worker answered %#x for %d, want %#x", v, arg, answers[arg])
			}
			return err
		}},
		{"exec-true", func(uint64) error {
			if trueErr != nil {
				return trueErr
			}
			c, err := proc.StartCmd(exec.Command(truePath))
			if err != nil {
				return err
			}
			if err := c.Close(); err != nil {
				return fmt.Errorf("%s: %w", truePath, err)
			}
			return nil
		}},
		{"fork", func(uint64) error { return fork.Exit() }},
	}
	for _, sz := range parentSizes {
		b.Run("touched="+sz.name, func(b *testing.B) {
			if avail := memAvailable(); avail > 0 && avail < 2*int64(sz.n) {
				b.Skipf("touched=%s: only %d bytes of memory available", sz.name, avail)
			}
			ballast := fork.Touch(sz.n)
			defer func() {
				runtime.KeepAlive(ballast)
				ballast = nil
				runtime.GC()
				debug.FreeOSMemory() // later benchmarks start from a small parent again
			}()
			if res, err := fork.Resident(ballast); err != nil {
				b.Fatal(err)
			} else if res < int64(sz.n)*9/10 {
				b.Fatalf("touched=%s: only %d bytes resident", sz.name, res)
			}
			for _, m := range models {
				b.Run("model="+m.name, func(b *testing.B) {
					atProcs(b)
					if m.name == "exec-true" && trueErr != nil {
						b.Skipf("no true(1) on PATH: %v", trueErr)
					}
					mt := startMeter()
					var arg uint64
					for b.Loop() {
						if err := m.op(arg); err != nil {
							b.Fatalf("touched=%s model=%s: %v", sz.name, m.name, err)
						}
						arg = (arg + 1) % workloads.ArgRange
					}
					mt.stop(b, b.N, model.Usage{})
				})
			}
		})
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyForkRows())
}

// memAvailable is MemAvailable from /proc/meminfo in bytes, or 0 if unknown.
func memAvailable() int64 {
	src, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(src), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
