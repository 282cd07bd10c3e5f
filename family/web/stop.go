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

// A server's processes are waited for as they stop for as long as they
// make progress, not for a fixed grace. A stop needs up to about 0.1 s of
// CPU per Python process (gunicorn's master and each worker tear their
// interpreter down), and on a machine whose cores are saturated a process
// gets a small share of one: the same stop then takes seconds of wall
// time, and a grace measured on a quiet machine (5 s) killed gunicorn in
// the middle of a clean stop. So the wait fails only when the processes
// are stuck or spinning:
//
//	stuck     none of them used CPU for StopStuck, and none was waiting for a
//	          core (a thread in state R) or for a disk (D) meanwhile
//	spinning  together they used StopCPU of CPU since the wait began
//
// Neither depends on how busy the machine is: a starved process is
// runnable, and CPU is counted, not wall time. Every server here bounds
// its own stop (gunicorn's master kills its workers after graceful_timeout
// and exits; redis-server and the Go servers exit at once), so a process
// that only wakes now and then while stopping cannot keep the wait going.
// (Not for a start: an idle server that never gets ready would wake now
// and then for ever; StartTimeout bounds that.)
const (
	// StopStuck is three times the longest sleep in a stopping server's
	// processes: a gthread worker's 1 s poll (gunicorn_conf.py wakes it at
	// once on SIGTERM; this holds without that too), gunicorn's master's
	// 0.1 s wait for its workers, redis-server's 0.1 s cron that acts on
	// SIGTERM.
	StopStuck = 3 * time.Second
	// StopCPU is over ten times what a stop costs.
	StopCPU = 5 * time.Second
)

// progress follows a set of processes, which may change from one look to
// the next (workers forked, processes gone).
type progress struct {
	cpu0    map[int]int64 // CPU of each when first seen, ns
	cpu     map[int]int64 // at the last look
	stirred time.Time     // the last look that saw progress
}

func newProgress() *progress {
	return &progress{cpu0: map[int]int64{}, cpu: map[int]int64{}, stirred: time.Now()}
}

// look takes a look at pids, the processes still there, and returns an
// error once they are stuck or spinning.
func (p *progress) look(pids []int) error {
	var used int64
	moved := false
	for _, pid := range pids {
		cpu, seen := p.cpu[pid]
		now := CPUNanos([]int{pid})
		if !seen {
			p.cpu0[pid], moved = now, true
		}
		moved = moved || now > cpu || waiting(pid)
		p.cpu[pid] = max(cpu, now) // the sum drops when a thread ends
		used += p.cpu[pid] - p.cpu0[pid]
	}
	if len(pids) == 0 || moved {
		p.stirred = time.Now()
	}
	switch {
	case time.Duration(used) >= StopCPU:
		return fmt.Errorf("processes %v spinning: %v of CPU", pids, time.Duration(used))
	case time.Since(p.stirred) >= StopStuck:
		return fmt.Errorf("processes %v stuck: no CPU used and none runnable for %v", pids, StopStuck)
	}
	return nil
}

// awaitStopped waits until every process in pids has exited (or is a
// zombie), for as long as they make progress.
func awaitStopped(pids []int) error {
	p := newProgress()
	for {
		var left []int
		for _, pid := range pids {
			if !proc.Exited(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if err := p.look(left); err != nil {
			return fmt.Errorf("asked to stop: %w", err)
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
