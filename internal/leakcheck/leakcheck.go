// Package leakcheck proves that a test or benchmark left nothing behind:
// no child processes, no extra open file descriptors, no goroutines.
//
// Take a Snapshot before, run, and call Check after. Goroutines are checked
// with go.uber.org/goleak, which waits for stragglers to finish; children and
// descriptors are read from /proc and given the same short grace period,
// since a reaped child's pipe ends close a moment after Wait returns.
package leakcheck

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/concbench/concbench/workloads/proc"
)

// Snapshot is what a process holds at one moment.
type Snapshot struct {
	Children []string // pids of live children
	FDs      int
	ignore   goleak.Option // the goroutines alive at the snapshot
}

// Take reads the current children and descriptor count.
func Take() Snapshot {
	return Snapshot{Children: Children(), FDs: countFDs(), ignore: goleak.IgnoreCurrent()}
}

// Children lists the pids of this process's live children (of every thread).
func Children() []string {
	var out []string
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		out = append(out, strings.Fields(string(b))...)
	}
	return out
}

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

// Main is the TestMain of a package whose tests start children: it serves
// the child roles (the test binary is also the child), runs the tests, and
// fails the binary if anything outlived them. setup, if not nil, runs after
// the roles are served and before the snapshot.
func Main(m *testing.M, setup func()) {
	proc.Serve()
	if setup != nil {
		setup()
	}
	before := Take()
	code := m.Run()
	if err := Check(before); err != nil {
		fmt.Fprintln(os.Stderr, "concbench:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
