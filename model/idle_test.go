package model

import (
	"slices"
	"testing"
	"time"

	"github.com/concbench/concbench/workloads"
)

// An idle process worker must cost nothing in Group.Usage: start-up,
// including whatever the worker's runtime does while it waits for its
// first task, is excluded. A worker's Go runtime does keep working after
// it has answered: sysmon wakes every 20 µs to 10 ms for the first 10 ms of
// any blocking read (it leaves a P held by a read alone that long), about
// 60 wake-ups and 0.5–1 ms of CPU on a 2 vCPU VM. One op here is 200 ms of
// idling, then one noop task; the median of five must stay within a
// small bound of what the task and the final usage reading cost alone.
func TestIdleWorkerUsageIsExcluded(t *testing.T) {
	const trials = 5
	cpu := make([]int64, trials)
	ctxsw := make([]int64, trials)
	for i := range trials {
		in, out := make(chan Task), make(chan Result, 1)
		g, err := Process{}.Start(workloads.Spec{Kernel: "noop"}, 1, in, out)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		in <- Task{Seq: 1, N: 1}
		r := <-out
		close(in)
		if err := g.Wait(); err != nil || r.Err != nil {
			t.Fatal(err, r.Err)
		}
		u := g.Usage()
		cpu[i], ctxsw[i] = u.CPUNanos, u.Ctxsw
	}
	slices.Sort(cpu)
	slices.Sort(ctxsw)
	t.Logf("one task after 200 ms idle: cpu %v ns, ctxsw %v (sorted)", cpu, ctxsw)
	if c, s := cpu[trials/2], ctxsw[trials/2]; c > 200_000 || s > 12 {
		t.Errorf("median usage of an idle worker and one noop task: %d ns CPU, %d context switches; want <= 200 µs and <= 12", c, s)
	}
}
