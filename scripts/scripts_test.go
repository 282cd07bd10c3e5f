// Package scripts holds the shell scripts behind the Makefile, thin
// wrappers of cmd/concbench; this file tests them as make runs them.
package scripts

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/host"
)

// bench starts scripts/bench.sh storing under root, in a process group of
// its own (as make's is in a terminal).
func bench(root string, args ...string) (*exec.Cmd, *output) {
	cmd := exec.Command("./bench.sh", append([]string{"-results", root}, args...)...)
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second // a child left holding the output must not hold Wait
	return cmd, out
}

// output is a bytes.Buffer that a test may read while the command writes.
type output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

func stored(t *testing.T, root string) []string {
	ents, err := os.ReadDir(filepath.Join(root, host.ID()))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// Two `make bench BENCH=Coroutine COUNT=1 BENCHTIME=10ms` at once: both
// exit 0 and both files are whole (3 of 3 tries lost one run before).
func TestTwoRecordingsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the bench binary twice")
	}
	root := t.TempDir()
	var wg sync.WaitGroup
	outs := make([]*output, 2)
	errs := make([]error, 2)
	for i := range outs {
		cmd, out := bench(root, "-bench", "Coroutine", "-count", "1", "-benchtime", "10ms")
		outs[i] = out
		wg.Go(func() { errs[i] = cmd.Run() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, outs[i])
		}
	}
	names := stored(t, root)
	if len(names) != 2 {
		t.Fatalf("stored %q, want two files", names)
	}
	var results []int
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(root, host.ID(), n))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, strings.Count(string(b), "\nBenchmarkCoroutine/"))
		if !strings.Contains(string(b), "host-id: "+host.ID()+"\n") {
			t.Errorf("%s: no host-id line of this machine", n)
		}
	}
	if results[0] == 0 || results[0] != results[1] {
		t.Errorf("result lines per file %v, want the same non-zero count in both", results)
	}
}

// Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
// stores nothing, leaves nothing (in results or in TMPDIR, where the bench
// binary keeps its private folder) and no process.
func TestInterruptStoresNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the bench binary")
	}
	root, tmp := t.TempDir(), t.TempDir()
	cmd, out := bench(root, "-bench", "Coroutine", "-count", "5", "-benchtime", "2s")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The first result line means the bench binary is running.
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), "\nBenchmarkCoroutine/"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
			t.Fatalf("no result line within 2 minutes:\n%s", out)
		}
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	err := cmd.Wait()
	if err == nil {
		t.Errorf("interrupted run exited 0:\n%s", out)
	}
	if names := stored(t, root); len(names) != 0 {
		t.Errorf("interrupted run left %q", names)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("interrupted run left %v in TMPDIR", left)
	}
	if err := syscall.Kill(-cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("processes of the interrupted run still there (kill -0: %v)", err)
	}
}

// A recorder killed with SIGKILL takes its bench binary with it, and the
// next recording removes the dead one's working folder: it finds only its
// own file in the host folder.
func TestKilledRecorder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds concbench")
	}
	root, dir := t.TempDir(), t.TempDir()
	fake, pidFile := filepath.Join(dir, "bench.test"), filepath.Join(dir, "pid")
	src := `#!/bin/bash
case " $* " in *" -test.list "*) echo BenchmarkFake; exit 0 ;; esac
echo "BenchmarkFake 1 1 ns/op"
[ -n "$FAKE_HANG" ] && { echo $$ > ` + pidFile + `; exec sleep 60; }
exit 0
`
	if err := os.WriteFile(fake, []byte(src), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd, out := bench(root, "-bin", fake, "-pkg", dir)
	cmd.Env = append(os.Environ(), "FAKE_HANG=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	for deadline := time.Now().Add(2 * time.Minute); pid == 0; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		if pid == 0 && time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
			t.Fatalf("the fake bench binary never ran:\n%s", out)
		}
	}
	cmd.Process.Kill() // the recorder only (bench.sh exec'd it), as the OOM killer would
	cmd.Wait()
	for deadline := time.Now().Add(2 * time.Second); syscall.Kill(pid, 0) == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("bench binary %d outlived its killed recorder", pid)
		}
	}
	if names := stored(t, root); len(names) != 1 || !strings.HasPrefix(names[0], ".record-") {
		t.Fatalf("after SIGKILL the host folder holds %q, want the dead recorder's working folder", names)
	}
	next, out := bench(root, "-bin", fake, "-pkg", dir)
	if err := next.Run(); err != nil {
		t.Fatalf("next recording: %v\n%s", err, out)
	}
	if names := stored(t, root); len(names) != 1 || !strings.HasSuffix(names[0], ".txt") {
		t.Errorf("after the next recording the host folder holds %q, want its file alone", names)
	}
}
