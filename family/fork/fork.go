//go:build linux

// Package fork shows what a big parent costs each new process, the cost
// Python's os.fork() (and multiprocessing's default "fork" start method on
// Linux) pays and Go's os/exec does not.
//
// A classic fork copies the parent's page tables (and takes a reference on
// every mapped page) so that the child starts as a copy-on-write twin: the
// bigger the parent's resident memory, the slower the fork. Go's os/exec
// (and so package proc) starts children with clone(CLONE_VFORK|CLONE_VM):
// the child borrows the parent's address space until it calls execve, so
// nothing is copied and the parent's size barely matters.
//
// A caller Touches n bytes to make the parent big (every page written, so
// resident), checks RSS, then calls Exit in a loop: each call is one real
// fork of this whole process, whose child exits at once, and its reaping.
package fork

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// Exit forks a copy of this process whose only act is exit(0), and reaps it.
// It returns an error unless the child was reaped with status 0.
//
// The child of a fork in a multithreaded Go program owns one thread, a copy
// of a runtime whose other threads are gone and whose locks may be held: it
// may run no Go code that could allocate, schedule, grow its stack or take a
// lock. So the fork is a raw clone(SIGCHLD) and the child does nothing but
// a raw exit_group (see rawFork). The child also holds copies of every open
// descriptor, including the write ends of other children's stdin pipes; it
// lives for microseconds, so at worst another child sees its EOF that much
// later.
func Exit() error {
	pid, errno := rawFork()
	if errno != 0 {
		return fmt.Errorf("fork: clone: %w", errno)
	}
	var ws syscall.WaitStatus
	for {
		got, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("fork: wait for child %d: %w", pid, err)
		}
		if got != pid {
			return fmt.Errorf("fork: waited for child %d, reaped %d", pid, got)
		}
		break
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		return fmt.Errorf("fork: child %d ended with wait status %#x, want exit 0", pid, uint32(ws))
	}
	return nil
}

// rawFork is the whole fork. Everything the child runs after clone returns
// is in this function and in syscall.RawSyscall, both nosplit (no stack
// check that could call into the runtime) and norace (no race detector
// calls): a compare, and exit_group.
//
//go:nosplit
//go:norace
func rawFork() (pid int, errno syscall.Errno) {
	r1, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	if r1 == 0 { // the child
		for {
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
		}
	}
	return int(r1), 0
}

// Touch allocates n bytes and writes every page, so that all of it is
// resident and mapped in the page tables. Keep the slice alive while it
// should count (runtime.KeepAlive), then drop it and call
// debug.FreeOSMemory to give the memory back.
func Touch(n int) []byte {
	b := make([]byte, n)
	page := os.Getpagesize()
	for i := 0; i < n; i += page {
		b[i] = byte(i/page) | 1
	}
	return b
}

// Resident is how many whole pages of b are resident in memory (mincore(2)),
// in bytes. A partial page at either end of b is not counted; slices from
// Touch are page-aligned.
func Resident(b []byte) (int64, error) {
	page := os.Getpagesize()
	skip := 0
	if len(b) > 0 {
		if off := int(uintptr(unsafe.Pointer(&b[0])) % uintptr(page)); off != 0 {
			skip = page - off
		}
	}
	if len(b) < skip+page {
		return 0, nil
	}
	whole := b[skip : skip+(len(b)-skip)/page*page]
	vec := make([]byte, len(whole)/page)
	_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&whole[0])), uintptr(len(whole)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return 0, fmt.Errorf("fork: mincore: %w", errno)
	}
	var n int64
	for _, v := range vec {
		if v&1 != 0 {
			n++
		}
	}
	return n * int64(page), nil
}

// RSS is this process's resident set size in bytes, from /proc/self/statm.
func RSS() (int64, error) {
	src, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, fmt.Errorf("fork: rss: %w", err)
	}
	f := strings.Fields(string(src))
	if len(f) < 2 {
		return 0, fmt.Errorf("fork: rss: /proc/self/statm: %q has no resident field", src)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("fork: rss: /proc/self/statm: %w", err)
	}
	return pages * int64(os.Getpagesize()), nil
}
