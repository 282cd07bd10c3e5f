package model_test

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/model"
)

func TestKinds(t *testing.T) {
	all := model.Kinds()
	if got := append(model.GoKinds(), model.PythonKinds()...); len(got) != len(all) {
		t.Errorf("Go kinds and Python kinds %v do not cover all kinds %v", got, all)
	}
	for _, tc := range []struct {
		k                 model.Kind
		inProcess, python bool
	}{
		{model.KindGoroutine, true, false},
		{model.KindThread, true, false},
		{model.KindProcess, false, false},
		{model.KindPythonThread, false, true},
		{model.KindPythonFreeThreaded, false, true},
		{"fiber", false, false},
	} {
		if tc.k.InProcess() != tc.inProcess || tc.k.Python() != tc.python {
			t.Errorf("%s: InProcess %v Python %v, want %v %v", tc.k, tc.k.InProcess(), tc.k.Python(), tc.inProcess, tc.python)
		}
	}
	if err := model.Check("peer", model.KindThread, model.GoKinds()); err != nil {
		t.Error(err)
	}
	err := model.Check("peer", model.KindPythonThread, model.GoKinds())
	if err == nil || err.Error() != `unknown peer "python-thread" (have goroutine, thread, process)` {
		t.Errorf("Check of an unsupported kind: %v", err)
	}
}

// TestGoThreadEndsWithWorker: a thread-kind worker runs on a thread of its
// own that it never gives back, so the thread leaves /proc/self/task once
// the worker returns; GoReady returns only after ready. Three workers run
// at once, so at least two are off the main thread (which the runtime parks
// instead of ending).
func TestGoThreadEndsWithWorker(t *testing.T) {
	const n = 3
	tids := make([]int, n)
	release := make(chan struct{})
	var done sync.WaitGroup
	end := sync.OnceFunc(func() { close(release); done.Wait() })
	defer end()
	for i := range n {
		done.Add(1)
		readied := false
		model.GoReady(model.KindThread, func(ready func()) {
			defer done.Done()
			tid := syscall.Gettid()
			time.Sleep(time.Millisecond) // a chance to migrate, were it not locked
			if syscall.Gettid() != tid {
				tid = -1
			}
			tids[i], readied = tid, true
			ready()
			<-release
		})
		if !readied {
			t.Fatal("GoReady returned before the worker called ready")
		}
	}
	var paths []string
	for _, tid := range tids {
		if tid < 0 {
			t.Fatal("a thread worker moved to another thread")
		}
		if tid == os.Getpid() {
			continue
		}
		paths = append(paths, "/proc/self/task/"+strconv.Itoa(tid))
		if _, err := os.Stat(paths[len(paths)-1]); err != nil {
			t.Fatalf("a worker's thread is not listed while it runs: %v", err)
		}
	}
	if len(paths) < n-1 || tids[0] == tids[1] || tids[1] == tids[2] || tids[0] == tids[2] {
		t.Fatalf("thread workers ran on threads %v: want one each", tids)
	}
	end()
	for _, path := range paths {
		for deadline := time.Now().Add(time.Second); ; time.Sleep(time.Millisecond) {
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still alive a second after its worker returned: it was unlocked", path)
			}
		}
	}
}

func TestGoRefusesOtherKinds(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `"process"`) {
			t.Errorf("Go(process) recovered %v, want a panic naming the kind", r)
		}
	}()
	model.Go(model.KindProcess, func() {})
}

func TestInterpreterError(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := model.Interpreter(model.KindPythonFreeThreaded)
	if !errors.Is(err, model.ErrNoPython) || !strings.Contains(err.Error(), "python3.13t, python3.14t") || !strings.Contains(err.Error(), "model=python-freethreaded-thread skip") {
		t.Errorf("no interpreter on PATH: %v", err)
	}
	if _, err := model.Interpreter(model.KindThread); err == nil {
		t.Error("Interpreter(thread) found an interpreter")
	}
}
