package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The process tree and its processes as /proc shows them, for the
// families that measure or clean up a whole tree (the busy loop's CPU, a
// server's workers, a Python master's manager) and for the tests that
// check nothing of it is left. proc is the one package that reads
// /proc/<pid>.

// Children lists pid's live children, those of every one of its threads
// (/proc/<pid>/task/*/children: a child belongs to the thread that forked
// it).
func Children(pid int) []int {
	var out []int
	files, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, f := range files {
		b, _ := os.ReadFile(f) // a thread that ended has no file: no children
		for _, s := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(s); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// Tree lists pid and its descendants, parents before their children.
func Tree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, Children(out[i])...)
	}
	return out
}

// State is a process's state letter, /proc/<pid>/stat's third field: R
// running, S sleeping, D in uninterruptible sleep, Z zombie (exited, not
// yet reaped), X dead (being reaped), T stopped, ...
type State byte

// Ended says whether a process in state s has exited: Z or X. Its
// resources are gone; only its parent's reaping is left.
func (s State) Ended() bool { return s == 'Z' || s == 'X' }

// ErrStat is wrapped by ParseStat's errors: a line that does not have the
// shape of /proc/<pid>/stat.
var ErrStat = errors.New("malformed /proc/<pid>/stat line")

// ParseStat reads the state from the text of /proc/<pid>/stat:
// "pid (comm) state ...". comm is the command name, which may hold
// spaces and ')', so the state is the field after the last ')'.
func ParseStat(b []byte) (State, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: no ')' after the command name", ErrStat)
	}
	f := bytes.Fields(b[i+1:])
	if len(f) == 0 || len(f[0]) != 1 || f[0][0] < 'A' || f[0][0] > 'Z' {
		return 0, fmt.Errorf("%w: no state letter after the command name", ErrStat)
	}
	return State(f[0][0]), nil
}

// ReadState reads pid's state; a pid that is gone (reaped) is an error
// wrapping os.ErrNotExist.
func ReadState(pid int) (State, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("proc: state of %d: %w", pid, err)
	}
	s, err := ParseStat(b)
	if err != nil {
		return 0, fmt.Errorf("proc: state of %d: %w", pid, err)
	}
	return s, nil
}

// Exited says whether pid has exited: it is gone, or a zombie (Z) or dead
// (X) not yet reaped. A stat line it cannot read as one counts as a live
// process: a check that waits for the end then names it rather than
// passing over it.
func Exited(pid int) bool {
	s, err := ReadState(pid)
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	return err == nil && s.Ended()
}

// CPU is the CPU time (user and system) that process pid has used so far,
// all its threads', those that ended included: the kernel's process CPU
// clock, read with clock_gettime. It is the one way concbench reads
// another process's CPU time, because it is exact to the nanosecond
// (/proc/<pid>/stat counts 10 ms clock ticks, more than a short run's
// whole server time), it keeps the time of threads that ended (summing
// /proc/<pid>/task/*/schedstat loses them), and it is one system call
// per process. A process measuring itself with its context switches (a
// worker answering a usage frame) uses getrusage(RUSAGE_SELF) instead.
// A reaped pid is an error.
func CPU(pid int) (time.Duration, error) {
	var ts unix.Timespec
	// The clock id of a process's CPU clock, the kernel's
	// MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED).
	if err := unix.ClockGettime(int32(^pid<<3|2), &ts); err != nil {
		return 0, fmt.Errorf("proc: cpu of process %d: %w", pid, err)
	}
	return time.Duration(ts.Nano()), nil
}

// ContextSwitches is the number of context switches (voluntary and not)
// of pid's live threads so far, summed from /proc/<pid>/task/*/status; a
// thread that ended takes its count with it. A process reading its own
// uses getrusage(RUSAGE_SELF), which keeps them.
func ContextSwitches(pid int) (int64, error) {
	files, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/status")
	if err == nil && len(files) == 0 {
		err = os.ErrNotExist
	}
	if err != nil {
		return 0, fmt.Errorf("proc: context switches of %d: %w", pid, err)
	}
	var sum int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread has just ended
		}
		n, err := parseSwitches(b)
		if err != nil {
			return 0, fmt.Errorf("proc: context switches of %d: %s: %w", pid, f, err)
		}
		sum += n
	}
	return sum, nil
}

// parseSwitches adds the voluntary_ctxt_switches and
// nonvoluntary_ctxt_switches lines of a status file.
func parseSwitches(status []byte) (int64, error) {
	var sum int64
	seen := 0
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasSuffix(k, "ctxt_switches") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", k, err)
		}
		sum += n
		seen++
	}
	if seen != 2 {
		return 0, fmt.Errorf("%d ctxt_switches lines, want 2", seen)
	}
	return sum, nil
}
