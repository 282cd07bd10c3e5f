package web

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/concbench/concbench/proc"
)

// CPUNanos is the CPU time the processes have used so far, in
// nanoseconds: the sum of proc.CPU, each one's process CPU clock (exact,
// and it keeps the time of threads that ended). A process that has been
// reaped adds nothing.
func CPUNanos(pids []int) int64 {
	var sum time.Duration
	for _, pid := range pids {
		if d, err := proc.CPU(pid); err == nil {
			sum += d
		}
	}
	return int64(sum)
}

// AwaitGone waits until none of pids is running (gone from /proc, or a
// zombie whose parent is about to reap it) and names those still there
// after timeout.
func AwaitGone(pids []int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var left []int
		for _, pid := range pids {
			if Running(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server processes still running %v after stop: %v", timeout, left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Running says whether pid is a live process: not gone, not a zombie or
// dead one (proc.Exited).
func Running(pid int) bool { return !proc.Exited(pid) }

// isReset says whether err is a connection reset by the peer.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
