//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/proc"

	"github.com/concbench/concbench/family/busy"
)

func TestGILFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-seconds", "0"},
		{"-seconds", "-1"},
		{"-workers", "0"},
		{"-interval", "1ms"},
		{"-models", "goroutine,fiber"},
		{"-models", ","},
		{"extra"},
		{"-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"gil"}, args...), &stdout, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 || stdout.Len() != 0 {
			t.Errorf("gil %v: exit %d, stderr %q, stdout %q; want 2, one line, nothing", args, code, stderr.String(), stdout.String())
		}
	}
}

func TestGILSteps(t *testing.T) {
	steps, err := gilSteps("process, goroutine")
	if err != nil {
		t.Fatal(err)
	}
	want := []gilStep{{busy.Process, 0}, {busy.Goroutine, 1}, {busy.Goroutine, runtime.NumCPU()}}
	if fmt.Sprint(steps) != fmt.Sprint(want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
	all, _ := gilSteps("")
	if len(all) != len(busy.Models())+1 || all[0] != (gilStep{busy.Goroutine, 1}) {
		t.Errorf("default steps %v for models %v", all, busy.Models())
	}
}

func TestBar(t *testing.T) {
	for _, tc := range []struct {
		util, steal float64
		want        string
	}{
		{0, 0, "cpu1   [" + strings.Repeat(" ", 40) + "]   0%"},
		{0.5, 0, "cpu1   [" + strings.Repeat("#", 20) + strings.Repeat(" ", 20) + "]  50%"},
		{1, 0, "cpu1   [" + strings.Repeat("#", 40) + "] 100%"},
		{0.5, 0.1, "cpu1   [" + strings.Repeat("#", 20) + "!!!!" + strings.Repeat(" ", 16) + "]  50%  steal 10%"},
		{0.9, 0.5, "cpu1   [" + strings.Repeat("#", 36) + "!!!!]  90%  steal 50%"},
	} {
		if got := bar(1, tc.util, tc.steal); got != tc.want {
			t.Errorf("bar(%v, %v):\n%q\nwant\n%q", tc.util, tc.steal, got, tc.want)
		}
	}
}

// TestGILRun runs the live view on a pipe for two short in-process models
// (this test binary cannot be a child process: it serves no roles): one line
// per window, then a summary row for each, and CSV series when asked.
func TestGILRun(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	done := make(chan string)
	go func() {
		b, _ := bufio.NewReader(r).ReadString(0)
		done <- b
	}()
	code := gilRun(context.Background(), w, []gilStep{{busy.Goroutine, 1}, {busy.Thread, 0}},
		busy.Config{Workers: 2, Duration: 250 * time.Millisecond, Interval: 250 * time.Millisecond}, dir)
	w.Close()
	out := <-done
	r.Close()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"goroutine (GOMAXPROCS=1), 2 workers", "thread, 2 workers", "busy-cores", "t= 0.5"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("ANSI codes on a pipe:\n%q", out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	if len(files) != 2 {
		t.Errorf("saved %v, want 2 csv files", files)
	}
}

// TestGILInterrupt builds concbench, starts `concbench gil` on the models
// with the most processes (child processes; python's multiprocessing
// workers, which are grandchildren, when python3 is here), and while it
// samples either sends SIGINT to its process group, as Ctrl-C in a terminal
// does (it must exit 130 at once), or SIGKILLs concbench alone (a crash: its
// children must go by themselves). Either way every process that was
// running under it must be gone within 2 s.
func TestGILInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build concbench with")
	}
	bin := filepath.Join(t.TempDir(), "concbench")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	models := []string{busy.Process}
	if _, err := busy.Interpreter(busy.PythonProcess); err == nil {
		models = append(models, busy.PythonProcess)
	}
	for _, m := range models {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
			t.Run("model="+m+"/signal="+sig.String(), func(t *testing.T) {
				gilInterrupt(t, bin, m, sig)
			})
		}
	}
}

func gilInterrupt(t *testing.T, bin, m string, sig syscall.Signal) {
	// A TMPDIR of its own: after Ctrl-C it must be empty (the Python
	// script's copy removed); a SIGKILLed concbench cannot clean up, and
	// t.TempDir's cleanup takes what it left instead of /tmp keeping it.
	tmp := t.TempDir()
	cmd := exec.Command(bin, "gil", "-models", m, "-workers", "2", "-seconds", "60")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "t=") {
	}
	seen := proc.Tree(cmd.Process.Pid)[1:]
	want := map[string]int{busy.Process: 2, busy.PythonProcess: 3}[m]
	if len(seen) < want {
		t.Errorf("%d processes under concbench while it ran (%v), want at least %d", len(seen), seen, want)
	}
	if sig == syscall.SIGINT {
		syscall.Kill(-cmd.Process.Pid, sig) // the whole group, as a terminal does
	} else {
		syscall.Kill(cmd.Process.Pid, sig)
	}
	exited := make(chan error, 1)
	go func() {
		for lines.Scan() {
		}
		exited <- cmd.Wait()
	}()
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("concbench gil still running 10 s after %v", sig)
	}
	if ee, ok := err.(*exec.ExitError); sig == syscall.SIGINT && (!ok || ee.ExitCode() != exitInterrupted || !strings.Contains(stderr.String(), "interrupted")) {
		t.Errorf("exit: %v, want status %d; stderr: %q", err, exitInterrupted, stderr.String())
	}
	deadline := time.Now().Add(2 * time.Second)
	for _, pid := range seen {
		for !proc.Exited(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !proc.Exited(pid) {
			t.Errorf("process %d still alive after concbench gil got %v", pid, sig)
		}
	}
	if sig == syscall.SIGINT {
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("concbench gil left %d files in TMPDIR after Ctrl-C, e.g. %s", len(left), left[0].Name())
		}
	}
}
