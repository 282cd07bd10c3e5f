package busy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/concbench/concbench/proc"

	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/sampler"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

const short = 250 * time.Millisecond // one kept window (Config.Interval too)

// TestRun runs every model this machine has, once with one worker and once
// with two, for one window: each worker must have counted, been timed, and
// the run must have one window of every core.
func TestRun(t *testing.T) {
	for _, m := range Models() {
		for _, w := range []int{1, 2} {
			t.Run(fmt.Sprintf("model=%s/workers=%d", m, w), func(t *testing.T) {
				r, err := Run(context.Background(), Config{Model: m, Workers: w, Duration: short, Interval: short})
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Counts) != w || len(r.Series.Windows) != 1 || len(r.Series.CPUs) == 0 {
					t.Fatalf("%d counts, %d windows of %d cpus", len(r.Counts), len(r.Series.Windows), len(r.Series.CPUs))
				}
				for i, c := range r.Counts {
					if c.Iters == 0 || c.Elapsed < short {
						t.Errorf("worker %d: %d iterations in %v", i, c.Iters, c.Elapsed)
					}
				}
				if IsPython(m) != (r.GIL != "") {
					t.Errorf("GIL state %q for model %s", r.GIL, m)
				}
				t.Logf("busy cores %.2f, own cores %.2f, %.3g iters/s, gil %q", r.Series.BusyCores(), r.OwnCores, r.Rate(), r.GIL)
				// Neighbours on a shared machine can starve the workers, so
				// only the bounds that hold whatever else runs are checked.
				if r.OwnCores <= 0 || r.OwnCores > float64(w)+0.3 || r.Series.BusyCores() < r.OwnCores-0.2 {
					t.Errorf("own cores %.2f for %d workers", r.OwnCores, w)
				}
			})
		}
	}
}

// TestGOMAXPROCS: Config.GOMAXPROCS holds for the run and is restored.
func TestGOMAXPROCS(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	r, err := Run(context.Background(), Config{Model: Goroutine, Workers: 2, Duration: short, Interval: short, GOMAXPROCS: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.GOMAXPROCS != 1 || runtime.GOMAXPROCS(0) != before {
		t.Errorf("run at GOMAXPROCS %d (want 1), after: %d (want %d)", r.GOMAXPROCS, runtime.GOMAXPROCS(0), before)
	}
}

// TestFault: a worker that misreports its count fails the run, naming it.
func TestFault(t *testing.T) {
	for _, m := range []string{Goroutine, Thread, Process} {
		t.Run("model="+m, func(t *testing.T) {
			_, err := Run(context.Background(), Config{Model: m, Workers: 2, Duration: short, Interval: short, fault: "count"})
			if err == nil || !strings.Contains(err.Error(), "worker 0") || strings.Contains(err.Error(), "worker 1") {
				t.Fatalf("err = %v, want one naming worker 0 only", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	for _, tc := range []struct {
		seed, x, iters uint64
		bad            string
	}{
		{0, Chunk, Chunk, ""},
		{0, 2 * Chunk, 2 * Chunk, ""},
		{3, 3 + 3*Chunk, 3 * Chunk, ""},
		{0, 0, 0, "no iterations"},
		{0, Chunk + 1, Chunk + 1, "whole number"},
		// Two iterations skipped: the seeds' x ^ 1 could not tell.
		{0, Chunk - 2, Chunk, "disagree"},
		{5, 5 + 4*Chunk, 5 * Chunk, "disagree"},
		// Two chunks more than were spun.
		{0, Chunk, 3 * Chunk, "disagree"},
		{4, 4 + 4*Chunk, 6 * Chunk, "disagree"},
	} {
		err := verify(7, tc.seed, tc.x, tc.iters, Chunk)
		if (err == nil) != (tc.bad == "") || err != nil && !strings.Contains(err.Error(), tc.bad) || err != nil && !strings.Contains(err.Error(), "worker 7") {
			t.Errorf("verify(seed %d, x %d, iters %d) = %v, want %q", tc.seed, tc.x, tc.iters, err, tc.bad)
		}
	}
}

// TestPythonBroken runs fake interpreters that break the script's protocol
// in one way each: every one must fail the run with a message saying what
// broke, and leave nothing behind.
func TestPythonBroken(t *testing.T) {
	const ready = `echo "ready mode=thread workers=2 chunk=65537 gil=enabled"`
	const w0 = `echo "worker 0 iters=65537 x=65537 seconds=0.5"`
	const w1 = `echo "worker 1 iters=131074 x=131074 seconds=0.5"`
	const total = `echo "total iters=196611 seconds=0.5 rate=1"`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"ok", ready + "\nread l\n" + w0 + "\n" + w1 + "\n" + total, ""},
		{"no ready", "echo hello; read l", "want a ready line"},
		{"wrong workers", `echo "ready mode=thread workers=3 chunk=65537 gil=enabled"; read l`, "workers=3"},
		{"zero chunk", `echo "ready mode=thread workers=2 chunk=0 gil=enabled"; read l`, "chunk of at least 1"},
		{"wrong x", ready + "\nread l\n" + w0 + "\n" + `echo "worker 1 iters=131074 x=1 seconds=0.5"` + "\n" + total, "worker 1: the loop counted x = 1 "},
		// Two chunks claimed beyond the two spun.
		{"count off by two chunks", ready + "\nread l\n" + w0 + "\n" + `echo "worker 1 iters=262148 x=131074 seconds=0.5"` + "\n" + `echo "total iters=327685 seconds=0.5 rate=1"`, "worker 1: the loop counted x = 131074 iterations, the worker claims 262148"},
		// The seeds' x ^ 1 with the chunks counted above bit 0 (the old protocol).
		{"parity x", ready + "\nread l\n" + w0 + "\n" + `echo "worker 1 iters=131074 x=4 seconds=0.5"` + "\n" + total, "worker 1: the loop counted x = 4"},
		{"missing worker", ready + "\nread l\n" + w0 + "\n" + total, "worker 1: no report"},
		{"zero count", ready + "\nread l\n" + w0 + "\n" + `echo "worker 1 iters=0 x=0 seconds=0.5"` + "\n" + total, "worker 1: no iterations"},
		{"garbage", ready + "\nread l\n" + w0 + "\necho oops\n" + w1 + "\n" + total, `bad worker line "oops\n"`},
		{"dies", ready + "\nread l\n" + w0 + "\necho broken >&2; exit 3", "before its total line"},
		{"exit code", ready + "\nread l\n" + w0 + "\n" + w1 + "\n" + total + "\nexit 4", "exit status 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := filepath.Join(t.TempDir(), "python3")
			if err := os.WriteFile(fake, []byte("#!/bin/sh\n"+tc.body+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := Run(context.Background(), Config{Model: PythonThread, Workers: 2, Duration: short, Interval: short, Python: fake})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("good fake failed: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Run(context.Background(), Config{Model: PythonProcess, Workers: 1}); !errors.Is(err, ErrNoPython) {
		t.Errorf("no python3 on PATH: err = %v, want ErrNoPython", err)
	}
}

// A shortened loop in busyloop.py, range(1) for range(CHUNK), fails the run
// with the Go side's check, with or without the script's own check of its
// count: every iteration adds to x, so x falls short of the claimed count.
// (Before, x flipped bit 0 once per chunk and the script's chunk counter
// supplied the rest, so a one-iteration chunk passed as 65537.)
func TestPythonShortenedLoopFails(t *testing.T) {
	shorten := [2]string{"for _ in range(CHUNK):", "for _ in range(1):"}
	noSelfCheck := [2]string{"if n <= 0 or x != n:", "if n <= 0:"}
	cases := []struct {
		name  string
		swaps [][2]string
	}{
		{"range-1", [][2]string{shorten}},
		{"range-1-no-self-check", [][2]string{shorten, noSelfCheck}},
	}
	for _, m := range []string{PythonThread, PythonProcess} {
		if _, err := Interpreter(m); err != nil {
			t.Skip(err)
		}
		for _, c := range cases {
			t.Run("model="+m+"/"+c.name, func(t *testing.T) {
				plantBusyLoop(t, c.swaps)
				_, err := Run(context.Background(), Config{Model: m, Workers: 2, Duration: short, Interval: short})
				if err == nil || !strings.Contains(err.Error(), "count and loop disagree") {
					t.Fatalf("err = %v, want count and loop disagree", err)
				}
				t.Log(err)
			})
		}
	}
}

// plantBusyLoop makes the python models run busyloop.py with each swap's
// old text (which must occur exactly once) replaced by its new.
func plantBusyLoop(t *testing.T, swaps [][2]string) {
	t.Helper()
	src := string(busyLoopSrc)
	for _, s := range swaps {
		if n := strings.Count(src, s[0]); n != 1 {
			t.Fatalf("busyloop.py has %q %d times, want once", s[0], n)
		}
		src = strings.Replace(src, s[0], s[1], 1)
	}
	busyLoopPy = []byte(src)
	t.Cleanup(func() { busyLoopPy = busyLoopSrc })
}

// TestCancel cancels runs in mid-sampling: Run must return the context's
// error at once, and every process it started, grandchildren included
// (python's multiprocessing workers), must be gone.
func TestCancel(t *testing.T) {
	for _, m := range Models() {
		t.Run("model="+m, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var seen []int
			onWindow := func([]int, sampler.Window) {
				seen = proc.Tree(os.Getpid())[1:]
				cancel()
			}
			t0 := time.Now()
			_, err := Run(ctx, Config{Model: m, Workers: 2, Duration: time.Minute, OnWindow: onWindow})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(t0); d > 10*time.Second {
				t.Errorf("cancelled run took %v", d)
			}
			want := map[string]int{Process: 2, PythonThread: 1, PythonProcess: 3, PythonFreeThreaded: 1}[m]
			if len(seen) < want {
				t.Errorf("saw %d processes below the test while running (%v), want at least %d", len(seen), seen, want)
			}
			deadline := time.Now().Add(2 * time.Second)
			for _, pid := range seen {
				for !proc.Exited(pid) && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if !proc.Exited(pid) {
					t.Errorf("process %d still alive after the cancelled run", pid)
				}
			}
		})
	}
}
