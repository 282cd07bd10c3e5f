// Package leakcheck proves that a test or benchmark left nothing behind:
// no child processes, no extra open file descriptors, no goroutines, and
// (for a whole test binary, see Main) no temporary files. Main also
// removes what killed test binaries left: their temporary directories and
// the network hosts of package netns.
//
// Take a Snapshot before, run, and call Check after. Goroutines are checked
// with go.uber.org/goleak, which waits for stragglers to finish; children and
// descriptors are read from /proc and given the same short grace period,
// since a reaped child's pipe ends close a moment after Wait returns.
//
// Threads are not counted: the Go runtime keeps idle threads for reuse,
// so their number says nothing, and the threads that concbench itself
// makes are locked to a goroutine for life (the runtime ends the thread
// with it), so a thread left running is a goroutine left running, which
// goleak reports.
package leakcheck

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/concbench/concbench/internal/netns"
	"github.com/concbench/concbench/internal/owned"
	"github.com/concbench/concbench/proc"
)

// Snapshot is what a process holds at one moment.
type Snapshot struct {
	Children []int // pids of live children
	FDs      int
	ignore   goleak.Option // the goroutines alive at the snapshot
}

// Take reads the current children and descriptor count.
func Take() Snapshot {
	return Snapshot{Children: Children(), FDs: countFDs(), ignore: goleak.IgnoreCurrent()}
}

// Children lists the pids of this process's live children (of every thread).
func Children() []int { return proc.Children(os.Getpid()) }

func countFDs() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents) - 1 // minus the descriptor ReadDir itself had open
}

// Check compares now with before (goroutines alive at the snapshot are not
// counted), allowing up to a second for things to wind
// down, and returns an error naming what leaked.
func Check(before Snapshot, goleakOpts ...goleak.Option) error {
	var now Snapshot
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		now = Take()
		if len(now.Children) <= len(before.Children) && now.FDs <= before.FDs || time.Now().After(deadline) {
			break
		}
	}
	var problems []string
	if len(now.Children) > len(before.Children) {
		problems = append(problems, fmt.Sprintf("child processes left: %v (before: %v)", now.Children, before.Children))
	}
	if now.FDs > before.FDs {
		problems = append(problems, fmt.Sprintf("file descriptors: %d open, %d before", now.FDs, before.FDs))
	}
	goleakOpts = append(goleakOpts, before.ignore, goleak.IgnoreTopFunction(proc.Spawner))
	if err := goleak.Find(goleakOpts...); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return fmt.Errorf("leak: %s", strings.Join(problems, "; "))
	}
	return nil
}

// tempPrefix names a test binary's private TMPDIR:
// $TMPDIR/concbench-test-<pid>-<random>.
const tempPrefix = "concbench-test-"

// Main is the TestMain of a package whose tests start children: it serves
// the child roles (the test binary is also the child), runs the tests, and
// fails the binary if anything outlived them. setup, if not nil, runs after
// the roles are served and before the snapshot.
//
// The run gets a temporary directory of its own as TMPDIR (children
// inherit it), and anything left in it at the end (a kernel's scratch
// file, a script's copy) fails the binary too; the directory is removed,
// and one left by a binary that was killed is removed by the next. A run of
// every test also fails when a helper role (Helper) was never used.
func Main(m *testing.M, setup func()) {
	proc.Serve()
	// A test binary killed with SIGKILL (or by the OOM killer) cannot
	// remove its directory; the next one removes those whose owner is dead.
	if err := owned.RemoveStale(os.TempDir(), tempPrefix); err != nil {
		fmt.Fprintln(os.Stderr, "concbench: warning:", err)
	}
	// So can the Distributed family's hosts (namespaces, bridge, veths,
	// a /24), which are the whole machine's: any binary removes those of a
	// dead run (a no-op without root).
	if err := netns.RemoveStale(); err != nil {
		fmt.Fprintln(os.Stderr, "concbench: warning:", err)
	}
	tmp, err := owned.MkdirTemp(os.TempDir(), tempPrefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench: temporary directory:", err)
		os.Exit(2)
	}
	removeOnSignal(tmp)
	orig, had := os.LookupEnv("TMPDIR")
	os.Setenv("TMPDIR", tmp)
	if setup != nil {
		setup()
	}
	before := Take()
	code := m.Run()
	errs := []error{Check(before)}
	if code == 0 {
		errs = append(errs, unusedHelpers())
	}
	if had {
		os.Setenv("TMPDIR", orig)
	} else {
		os.Unsetenv("TMPDIR")
	}
	errs = append(errs, TempLeft(tmp))
	os.RemoveAll(tmp)
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "concbench:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// removeOnSignal removes dir when Ctrl-C (SIGINT) or SIGTERM ends the
// binary, then dies of that signal as it would have: an interrupted
// recording leaves no concbench-test-NNN behind. (SIGKILL cannot be
// caught; RemoveStale in the next binary covers it.)
func removeOnSignal(dir string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		os.RemoveAll(dir)
		signal.Reset(s)
		syscall.Kill(os.Getpid(), s.(syscall.Signal))
	}()
}

// TempLeft returns an error naming what is left in dir, or nil if it is
// empty.
func TempLeft(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("leak check: temporary directory: %w", err)
	}
	if len(ents) == 0 {
		return nil
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return fmt.Errorf("leak: temporary files left in %s: %s", dir, strings.Join(names, ", "))
}
