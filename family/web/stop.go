package web

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/concbench/concbench/proc"
)

// A server is stopped by asking its processes to exit and waiting for as
// long as they make progress, not for a fixed grace. A stop needs about
// 0.1 s of CPU per Python process (gunicorn's master and each worker tear
// their interpreter down), and on a machine whose cores are saturated a
// process gets a small share of one: the same stop then takes seconds of
// wall time, and a grace measured on a quiet machine (5 s) killed gunicorn
// in the middle of a clean stop. So the wait fails, and the processes are
// killed, only when they are stuck or spinning:
//
//	stuck     none of them used CPU for StopStuck, and none was waiting
//	          for a core (state R) or for a disk (D) meanwhile
//	spinning  together they used StopCPU of CPU since they were asked
//
// Neither depends on how busy the machine is: a starved process is
// runnable, and CPU is counted, not wall time.
const (
	// StopStuck is three times the longest sleep in a stopping server's
	// processes: a gthread worker's 1 s poll (gunicorn_conf.py wakes it
	// at once; this holds without that too), a gunicorn master's 0.1 s
	// wait for its workers, redis-server's 0.1 s cron that acts on
	// SIGTERM.
	StopStuck = 3 * time.Second
	// StopCPU is over ten times what a stop costs: the processes close
	// their sockets and exit.
	StopCPU = 5 * time.Second
)

// stopWatch follows a set of stopping processes.
type stopWatch struct {
	pids    []int
	cpu0    map[int]int64 // CPU of each when asked, ns
	cpu     map[int]int64 // at the last look
	stirred time.Time     // the last look that saw progress
}

func newStopWatch(pids []int) *stopWatch {
	w := &stopWatch{pids: pids, cpu0: map[int]int64{}, cpu: map[int]int64{}, stirred: time.Now()}
	for _, pid := range pids {
		w.cpu0[pid] = CPUNanos([]int{pid})
		w.cpu[pid] = w.cpu0[pid]
	}
	return w
}

// look returns the processes still there, and an error once they are stuck
// or spinning.
func (w *stopWatch) look() ([]int, error) {
	var left []int
	var used int64
	moved := false
	for _, pid := range w.pids {
		if proc.Exited(pid) {
			continue
		}
		left = append(left, pid)
		cpu := max(w.cpu[pid], CPUNanos([]int{pid})) // 0 once it is gone
		moved = moved || cpu > w.cpu[pid] || waiting(pid)
		w.cpu[pid] = cpu
		used += cpu - w.cpu0[pid]
	}
	if len(left) == 0 || moved {
		w.stirred = time.Now()
	}
	switch {
	case len(left) == 0:
		return nil, nil
	case time.Duration(used) >= StopCPU:
		return left, fmt.Errorf("processes %v spinning: %v of CPU since asked to stop", left, time.Duration(used))
	case time.Since(w.stirred) >= StopStuck:
		return left, fmt.Errorf("processes %v stuck: no CPU used and none runnable for %v after asked to stop", left, StopStuck)
	}
	return left, nil
}

// awaitStopped waits until every process in pids has exited (or is a
// zombie), for as long as they make progress.
func awaitStopped(pids []int) error {
	w := newStopWatch(pids)
	for {
		left, err := w.look()
		if len(left) == 0 || err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waiting says whether one of pid's threads is runnable (waiting for a
// core, or on one: state R) or waiting for a disk (D).
func waiting(pid int) bool {
	stats, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/stat")
	for _, f := range stats {
		b, _ := os.ReadFile(f)           // a thread that has just ended: no file
		i := bytes.LastIndexByte(b, ')') // the command name may hold anything
		if i >= 0 && i+2 < len(b) && (b[i+2] == 'R' || b[i+2] == 'D') {
			return true
		}
	}
	return false
}
