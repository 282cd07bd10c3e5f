package proc_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/proc"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

// The test roles. Each writes what it got back on stdout, so a test can see
// that the options arrived.
func init() {
	proc.Register("test-echo-env", func() int {
		if err := proc.Ready(); err != nil {
			return 1
		}
		fmt.Print(os.Getenv("PROC_TEST_VALUE"))
		return 0
	})
	proc.Register("test-files", func() int {
		if err := proc.Ready(); err != nil {
			return 1
		}
		b, err := io.ReadAll(os.NewFile(3, "extra"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "read fd 3:", err)
			return 1
		}
		os.Stdout.Write(b)
		return 0
	})
	proc.Register("test-exit-early", func() int {
		fmt.Fprintln(os.Stderr, "test-exit-early: could not set up")
		return 7
	})
	proc.Register("test-hang", func() int {
		if os.Getenv("PROC_TEST_READY") != "" {
			proc.Ready()
		}
		time.Sleep(time.Hour)
		return 0
	})
	proc.Register("test-panic", func() int {
		for range 200 {
			go parkedForTest()
		}
		time.Sleep(10 * time.Millisecond) // let them park, so each has a stack
		panic("proc test: the cause, first line")
	})
	proc.Register("test-panic-after-ready", func() int {
		if err := proc.Ready(); err != nil {
			return 1
		}
		os.Stderr.WriteString(strings.Repeat("filler line\n", 1000))
		panic("proc test: late cause")
	})
}

func parkedForTest() { select {} }

func TestStartPassesOptions(t *testing.T) {
	before := leakcheck.Take()
	c, err := proc.Start("test-echo-env", proc.Options{Env: []string{"PROC_TEST_VALUE=forty-two"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(c.Out)
	if err != nil || string(out) != "forty-two" {
		t.Errorf("child printed %q, %v; want the environment's forty-two", out, err)
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c, err = proc.Start("test-files", proc.Options{Files: []*os.File{r}})
	r.Close()
	if err != nil {
		w.Close()
		t.Fatal(err)
	}
	w.WriteString("through fd 3")
	w.Close()
	out, err = io.ReadAll(c.Out)
	if err != nil || string(out) != "through fd 3" {
		t.Errorf("child read %q, %v from its fd 3", out, err)
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
	if err := leakcheck.Check(before); err != nil {
		t.Error(err)
	}
}

// TestStartFailsBeforeReady: a child that never says ready fails Start with
// its exit and its stderr, and leaves nothing behind.
func TestStartFailsBeforeReady(t *testing.T) {
	defer func(d time.Duration) { proc.ReadyTimeout = d }(proc.ReadyTimeout)
	proc.ReadyTimeout = 300 * time.Millisecond
	cases := []struct{ role, want string }{
		{"no-such-role", `unknown role "no-such-role"`},
		{"test-exit-early", "exit status 7; stderr: test-exit-early: could not set up"},
		{"test-hang", "not ready within 300ms (signal: killed)"},
	}
	for _, tc := range cases {
		t.Run(tc.role, func(t *testing.T) {
			before := leakcheck.Take()
			c, err := proc.Start(tc.role, proc.Options{})
			if err == nil {
				c.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.role) {
				t.Errorf("error %q, want one naming the role and containing %q", err, tc.want)
			}
			if err := leakcheck.Check(before); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestStderrKeepsHeadAndTail: a panic whose trace is far longer than what
// is kept still shows its first line (the cause) and the end of the stack.
func TestStderrKeepsHeadAndTail(t *testing.T) {
	c, err := proc.Start("test-panic", proc.Options{Env: []string{"GOTRACEBACK=all"}})
	if err == nil {
		c.Close()
		t.Fatal("Start succeeded for a child that panics")
	}
	msg := err.Error()
	for _, want := range []string{"panic: proc test: the cause, first line", "exit status 2", "bytes elided", "created by"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q", want)
		}
	}
	// The tail is the tail: the last goroutine's creation site.
	if i := strings.LastIndex(msg, "parkedForTest"); i < len(msg)-4096 {
		t.Errorf("the stack's tail is missing: last parkedForTest at %d of %d bytes", i, len(msg))
	}
	if len(msg) > 9000 {
		t.Errorf("error is %d bytes: the stderr kept is not bounded", len(msg))
	}

	c, err = proc.Start("test-panic-after-ready", proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, c.Out)
	err = c.Close()
	if err == nil || !strings.Contains(err.Error(), "filler line") || !strings.Contains(err.Error(), "panic: proc test: late cause") {
		t.Errorf("Close error %v, want the head (filler) and the tail (the panic)", err)
	}
}

// TestStatusChangesNothing: asking how a child ended neither kills nor
// reaps it.
func TestStatusChangesNothing(t *testing.T) {
	c, err := proc.Start("test-hang", proc.Options{Env: []string{"PROC_TEST_READY=1"}})
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Status(); s != "running" {
		t.Errorf("Status of a live child = %q, want running", s)
	}
	if err := syscall.Kill(c.Pid(), 0); err != nil {
		t.Errorf("the child is gone after Status: %v", err)
	}
	if err := c.Signal(syscall.SIGTERM, time.Second); err == nil || !strings.Contains(c.Status(), "signal: terminated") {
		t.Errorf("after SIGTERM: Close error %v, Status %q", err, c.Status())
	}
}

// TestTree: a child and its own child are in this process's tree, parent
// first, and each is Exited once killed, before and after it is reaped.
func TestTree(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 60 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sh := cmd.Process.Pid
	var tree []int
	for end := time.Now().Add(5 * time.Second); len(tree) < 2 && time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		tree = proc.Tree(sh)
	}
	if len(tree) != 2 || tree[0] != sh || !slices.Equal(proc.Children(sh), tree[1:]) ||
		!slices.Contains(proc.Children(os.Getpid()), sh) || !slices.Contains(proc.Tree(os.Getpid()), tree[1]) {
		t.Errorf("tree of the shell %d: %v, want the shell then its sleep", sh, tree)
	}
	if proc.Exited(sh) {
		t.Error("a running shell reads as exited")
	}
	for _, pid := range tree {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for end := time.Now().Add(5 * time.Second); !proc.Exited(sh) && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if !proc.Exited(sh) {
		t.Error("a killed shell, not yet reaped, reads as running")
	}
	cmd.Wait()
	if !proc.Exited(sh) || len(proc.Children(sh)) != 0 {
		t.Error("a reaped shell reads as running or with children")
	}
}

// ParseStat reads the state after the last ')' (a command name may hold
// both), takes X (dead) as ended like Z, and refuses a line without a
// state rather than guess one.
func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		line  string
		state proc.State // 0: an error
		ended bool
	}{
		{"123 (sh) S 1 123 123 0 -1", 'S', false},
		{"123 (sh) R 1", 'R', false},
		{"123 (sh) D 1", 'D', false},
		{"123 (sh) Z 1", 'Z', true},
		{"123 (sh) X 1", 'X', true},
		{"123 (a b) c) (d) T 1", 'T', false},
		{"123 (sh)\n", 0, false},
		{"123 sh S 1", 0, false},
		{"123 (sh) 5 1", 0, false},
		{"123 (sh) Sx 1", 0, false},
		{"", 0, false},
	} {
		s, err := proc.ParseStat([]byte(c.line))
		if c.state == 0 {
			if !errors.Is(err, proc.ErrStat) {
				t.Errorf("%q: state %q, err %v; want an ErrStat", c.line, s, err)
			}
			continue
		}
		if err != nil || s != c.state || s.Ended() != c.ended {
			t.Errorf("%q: state %q ended %v (%v); want %q ended %v", c.line, s, s.Ended(), err, c.state, c.ended)
		}
	}
}

// CPU is the process CPU clock: it keeps a thread's time after the thread
// has ended (getrusage does; a sum over /proc/<pid>/task does not), and a
// reaped pid is an error.
func TestCPU(t *testing.T) {
	// A locked goroutine's thread ends with it, unless it is the main
	// thread, which the runtime keeps.
	tid := os.Getpid()
	for tid == os.Getpid() {
		tids := make(chan int)
		go func() {
			runtime.LockOSThread() // never unlocked
			for end := time.Now().Add(30 * time.Millisecond); time.Now().Before(end); {
			}
			tids <- syscall.Gettid()
		}()
		tid = <-tids
	}
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", tid)); err != nil {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("thread %d of a finished locked goroutine still runs", tid)
		}
	}
	rusage := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	c1, err1 := proc.CPU(os.Getpid())
	r := rusage()
	c2, err2 := proc.CPU(os.Getpid())
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	const slack = time.Millisecond
	if c1 > r+slack || r > c2+slack {
		t.Errorf("CPU read %v and %v around getrusage's %v", c1, c2, r)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if d, err := proc.CPU(cmd.Process.Pid); err == nil {
		t.Errorf("CPU of reaped pid %d: %v, want an error", cmd.Process.Pid, d)
	}
}

// Exited takes a pid that was never there as exited.
func TestExitedGone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if !proc.Exited(cmd.Process.Pid) {
		t.Errorf("reaped pid %d reads as live", cmd.Process.Pid)
	}
}

// A live process has a count; a reaped one is an error.
func TestContextSwitches(t *testing.T) {
	cmd := exec.Command("sleep", "0.2")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n, err := proc.ContextSwitches(cmd.Process.Pid)
	cmd.Wait()
	if err != nil || n < 0 {
		t.Errorf("context switches of a sleep: %d, %v", n, err)
	}
	if n, err := proc.ContextSwitches(cmd.Process.Pid); err == nil {
		t.Errorf("context switches of reaped %d: %d, want an error", cmd.Process.Pid, n)
	}
}
