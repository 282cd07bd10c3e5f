package web

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// CPUNanos is the CPU time the processes have used so far, in
// nanoseconds: the sum over their threads of the scheduler's own count
// (/proc/<pid>/task/<tid>/schedstat, first field), which is exact where
// /proc/<pid>/stat counts clock ticks.
func CPUNanos(pids []int) int64 {
	var sum int64
	for _, pid := range pids {
		stats, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
		for _, st := range stats {
			b, err := os.ReadFile(st)
			if err != nil {
				continue // the thread has just ended
			}
			f, _, _ := bytes.Cut(b, []byte(" "))
			n, _ := strconv.ParseInt(string(f), 10, 64)
			sum += n
		}
	}
	return sum
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

// Running says whether pid is a live (not zombie) process.
func Running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name's closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// isReset says whether err is a connection reset by the peer.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
