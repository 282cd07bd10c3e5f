package model

import (
	"bufio"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPythonCommand: the interpreter as given, no bytecode, its own process
// group, PYTHON_GIL=0 for the free-threaded kind only, and ErrNoPython when
// none is found.
func TestPythonCommand(t *testing.T) {
	for _, c := range []struct {
		k   Kind
		gil bool
	}{{KindPythonThread, false}, {KindPythonProcess, false}, {KindPythonFreeThreaded, true}} {
		cmd, err := PythonCommand(c.k, "/no/such/python3t", "-c", "pass")
		if err != nil {
			t.Fatalf("%s: %v", c.k, err)
		}
		if !slices.Equal(cmd.Args, []string{"/no/such/python3t", "-c", "pass"}) {
			t.Errorf("%s: args %q", c.k, cmd.Args)
		}
		if !slices.Contains(cmd.Env, "PYTHONDONTWRITEBYTECODE=1") {
			t.Errorf("%s: env lacks PYTHONDONTWRITEBYTECODE=1", c.k)
		}
		if got := slices.Contains(cmd.Env, "PYTHON_GIL=0"); got != c.gil {
			t.Errorf("%s: PYTHON_GIL=0 in env is %v, want %v", c.k, got, c.gil)
		}
		if cmd.SysProcAttr == nil || !cmd.SysProcAttr.Setpgid {
			t.Errorf("%s: not in a process group of its own", c.k)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := PythonCommand(KindPythonThread, ""); !errors.Is(err, ErrNoPython) {
		t.Errorf("with no python on PATH: got %v, want ErrNoPython", err)
	}
}

// TestKillGroup: KillGroup takes the interpreter's own children with it,
// not the interpreter alone. A shell stands in for python: it starts a
// sleep in the background, says its pid and waits.
func TestKillGroup(t *testing.T) {
	cmd, err := PythonCommand(KindPythonThread, "/bin/sh", "-c", "sleep 60 & echo $!; wait")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	KillGroup(cmd.Process.Pid)
	cmd.Wait()
	if err != nil {
		t.Fatalf("read the sleep's pid: %v", err)
	}
	sleep, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("sleep's pid %q: %v", line, err)
	}
	// Orphaned, the sleep is reaped by init; until then it is a zombie.
	stat := "/proc/" + strconv.Itoa(sleep) + "/stat"
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil || strings.Contains(string(b), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(sleep, syscall.SIGKILL)
			t.Fatalf("the interpreter's child %d outlived KillGroup: %s", sleep, b)
		}
	}
}
