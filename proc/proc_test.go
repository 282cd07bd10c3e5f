package proc_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
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
