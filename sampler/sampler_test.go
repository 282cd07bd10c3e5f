package sampler

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/workloads"
)

func snap(t *testing.T, ts ...cpu.TimesStat) Snapshot {
	t.Helper()
	s, err := fromTimes(time.Time{}, ts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSince checks the arithmetic of one window against hand-made counters
// (seconds, as gopsutil returns them).
func TestSince(t *testing.T) {
	base := cpu.TimesStat{CPU: "cpu3", User: 10, System: 5, Idle: 100, Iowait: 1, Steal: 2}
	for _, tc := range []struct {
		name        string
		next        cpu.TimesStat
		util, steal float64
	}{
		{"idle", cpu.TimesStat{CPU: "cpu3", User: 10, System: 5, Idle: 100.25, Iowait: 1, Steal: 2}, 0, 0},
		{"all user", cpu.TimesStat{CPU: "cpu3", User: 10.25, System: 5, Idle: 100, Iowait: 1, Steal: 2}, 1, 0},
		{"user+system+irq half", cpu.TimesStat{CPU: "cpu3", User: 10.05, System: 5.05, Irq: 0.01, Softirq: 0.01, Nice: 0.005, Idle: 100.125, Iowait: 1, Steal: 2}, 0.5, 0},
		{"iowait is idle", cpu.TimesStat{CPU: "cpu3", User: 10.125, System: 5, Idle: 100, Iowait: 1.125, Steal: 2}, 0.5, 0},
		// util is of the time the core was not stolen: 0.125 busy of 0.1875.
		{"steal kept apart", cpu.TimesStat{CPU: "cpu3", User: 10.125, System: 5, Idle: 100.0625, Iowait: 1, Steal: 2.0625}, 0.125 / 0.1875, 0.25},
		// A loop that ran whenever the hypervisor let it is fully busy:
		// 1% steal must not read as 0.99.
		{"steal is not idle", cpu.TimesStat{CPU: "cpu3", User: 10.99, System: 5, Idle: 100, Iowait: 1, Steal: 2.01}, 1, 0.01},
		{"all stolen", cpu.TimesStat{CPU: "cpu3", User: 10, System: 5, Idle: 100, Iowait: 1, Steal: 3}, 0, 1},
		// The kernel counts guest time inside user: counting it again would
		// make a core more than fully busy.
		{"guest not counted twice", cpu.TimesStat{CPU: "cpu3", User: 10.25, Guest: 0.25, System: 5, Idle: 100, Iowait: 1, Steal: 2}, 1, 0},
		{"iowait steps back", cpu.TimesStat{CPU: "cpu3", User: 10.25, System: 5, Idle: 100, Iowait: 0.99, Steal: 2}, 1, 0},
		{"no tick", base, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := snap(t, tc.next).Since(snap(t, base))
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(w.Util[0]-tc.util) > 1e-9 || math.Abs(w.Steal[0]-tc.steal) > 1e-9 {
				t.Errorf("util %.4f steal %.4f, want %.4f %.4f", w.Util[0], w.Steal[0], tc.util, tc.steal)
			}
		})
	}
}

func TestSnapshotErrors(t *testing.T) {
	if _, err := fromTimes(time.Time{}, nil); err == nil {
		t.Error("no cores: no error")
	}
	if _, err := fromTimes(time.Time{}, []cpu.TimesStat{{CPU: "cpu-total"}}); err == nil {
		t.Error("cpu-total accepted as a core")
	}
	a := snap(t, cpu.TimesStat{CPU: "cpu0"}, cpu.TimesStat{CPU: "cpu1"})
	b := snap(t, cpu.TimesStat{CPU: "cpu0"})
	if _, err := b.Since(a); err == nil || !strings.Contains(err.Error(), "cpu count changed") {
		t.Errorf("hotplug: err = %v", err)
	}
	c := snap(t, cpu.TimesStat{CPU: "cpu0"}, cpu.TimesStat{CPU: "cpu2"})
	if _, err := c.Since(a); err == nil || !strings.Contains(err.Error(), "cpu list changed") {
		t.Errorf("renumbered: err = %v", err)
	}
}

// twoCores is a series of two windows on cpu0 and cpu1: one core full and
// one idle, then both half busy with cpu1 losing 10% to steal.
var twoCores = Series{Interval: DefaultInterval, CPUs: []int{0, 1}, Windows: []Window{
	{Start: 250 * time.Millisecond, End: 500 * time.Millisecond, Util: []float64{1, 0}, Steal: []float64{0, 0}},
	{Start: 500 * time.Millisecond, End: 750 * time.Millisecond, Util: []float64{0.5, 0.5}, Steal: []float64{0, 0.1}},
}}

func TestSeriesSummary(t *testing.T) {
	if got := twoCores.BusyCores(); math.Abs(got-1) > 1e-9 {
		t.Errorf("busy cores %v, want 1", got)
	}
	lo, hi := twoCores.CoreUtilRange()
	if math.Abs(lo-25) > 1e-9 || math.Abs(hi-75) > 1e-9 {
		t.Errorf("core util range %v..%v, want 25..75", lo, hi)
	}
	if got := twoCores.StealPct(); math.Abs(got-2.5) > 1e-9 {
		t.Errorf("steal %v%%, want 2.5", got)
	}
	if m := twoCores.CoreMean(); m[0] != 0.75 || m[1] != 0.25 {
		t.Errorf("core means %v", m)
	}
	var empty Series
	if empty.BusyCores() != 0 || empty.StealPct() != 0 {
		t.Error("empty series not zero")
	}
	both, err := twoCores.Append(twoCores)
	if err != nil || len(both.Windows) != 4 || len(twoCores.Windows) != 2 || both.BusyCores() != twoCores.BusyCores() {
		t.Errorf("append: %d windows (source %d), err %v", len(both.Windows), len(twoCores.Windows), err)
	}
	if _, err := twoCores.Append(Series{CPUs: []int{0}}); err == nil {
		t.Error("append of other cores: no error")
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := twoCores.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	want := "t_ms,cpu,util_pct,steal_pct\n250,0,100.0,0.0\n250,1,0.0,0.0\n500,0,50.0,0.0\n500,1,50.0,10.0\n"
	if buf.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", buf.String(), want)
	}
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 3; i++ {
		p, err := SaveCSV(filepath.Join(dir, "sub"), "BenchmarkBusyLoop/model=go routine/workers=2", twoCores)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, filepath.Base(p))
	}
	wantNames := []string{"BenchmarkBusyLoop_model=go-routine_workers=2.csv", "BenchmarkBusyLoop_model=go-routine_workers=2-1.csv", "BenchmarkBusyLoop_model=go-routine_workers=2-2.csv"}
	if strings.Join(paths, " ") != strings.Join(wantNames, " ") {
		t.Errorf("saved as %v, want %v", paths, wantNames)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "sub", wantNames[0]))
	if string(got) != want {
		t.Errorf("saved file differs from WriteCSV output")
	}
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure samples n windows (plus the dropped first one) while load runs.
func measure(t *testing.T, n int) Series {
	t.Helper()
	s, err := Start(context.Background(), Options{Windows: n})
	if err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	series, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(series.Windows) != n {
		t.Fatalf("kept %d windows, want %d", len(series.Windows), n)
	}
	return series
}

// TestLive loads exactly one core (a locked thread spinning the seeds' loop)
// and checks that the sampler sees it: 0.7 to 1.3 busy cores while it
// spins, and under 0.15 busy cores in the idle windows just before and just
// after.
//
// The sampler sees the whole machine, as top does, so other load (other
// tenants, or other packages' tests that go test runs in parallel) adds to
// what it rightly reports. So an attempt is judged only when both idle
// windows were quiet and the spinner got its core (this process used at
// least 0.85 cores, from getrusage); a spinning reading over 1.3 is blamed
// on other load, and retried, only when it exceeds this process's own use by
// more than 0.3 cores. Up to 4 attempts are made; with none judged the test
// skips, naming the readings. One check holds whatever the load and is made
// every time: the machine is never less busy than this process alone was.
// (The arithmetic itself is checked without a live machine by TestSince.)
func TestLive(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: live sampling takes seconds")
	}
	before := leakcheck.Take()
	const windows = 4 // 1 s at the default interval
	var log []string
	for attempt := 1; attempt <= 4; attempt++ {
		idle1 := measure(t, 2).BusyCores()

		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			x, rounds := uint64(0), uint64(0)
			for !stop.Load() {
				x = workloads.Busy(x, 1<<16)
				rounds++
			}
			if x != rounds<<16 { // the loop counts its iterations
				t.Errorf("busy loop: x = %d after %d rounds of %d", x, rounds, 1<<16)
			}
		}()
		cpu0, t0 := cpuNow(), time.Now()
		spin := measure(t, windows)
		own := float64(cpuNow()-cpu0) / float64(time.Since(t0))
		stop.Store(true)
		wg.Wait()
		idle2 := measure(t, 2).BusyCores()

		busy := spin.BusyCores()
		lo, hi := spin.CoreUtilRange()
		line := fmt.Sprintf("attempt %d: idle %.2f, spinning %.2f (cores %.0f%%..%.0f%%, steal %.1f%%), idle %.2f busy cores; this process alone %.2f cores",
			attempt, idle1, busy, lo, hi, spin.StealPct(), idle2, own)
		log = append(log, line)
		t.Log(line)
		if busy < own-0.15 {
			t.Fatalf("sampler saw %.2f busy cores while this process alone used %.2f", busy, own)
		}
		if hi > 100 || lo < 0 || busy > float64(len(spin.CPUs)) {
			t.Fatalf("impossible reading: %s", line)
		}
		if idle1 >= 0.15 || idle2 >= 0.15 || own < 0.85 {
			continue // other load, or the spinner was starved: says nothing
		}
		if busy > 1.3 && busy-own > 0.3 {
			continue // other load while spinning
		}
		if busy < 0.7 || busy > 1.3 {
			t.Fatalf("one spinning core on a quiet machine read as %.2f busy cores, want 0.7..1.3: %s", busy, line)
		}
		if err := leakcheck.Check(before); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Skipf("the machine was never quiet enough to judge (other load):\n%s", strings.Join(log, "\n"))
}

// TestCost checks what sampling costs at the default interval, with a
// bound tight enough that a sampler ten times as costly fails: counted as
// below, a sample costs 0.064-0.086% of one core at the default interval on
// the 2 vCPU Intel Xeon VM of docs/gil.md, so the bound is 0.2%. Sampling 100 times as fast (every 1 ms) for
// 0.5 s makes the cost measurable with getrusage; the whole process's CPU
// time (timer wake-ups, scheduling) is charged to the sampler, so this is an
// upper bound. A race-enabled build checks the same with the bound scaled
// by raceSlowdown.
func TestCost(t *testing.T) {
	const fast = DefaultInterval / 100
	cpu0 := cpuNow()
	s, err := Start(context.Background(), Options{Interval: fast})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	series, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	used := cpuNow() - cpu0
	n := len(series.Windows) + 1 // the dropped first window was sampled too
	if n < 20 {
		t.Fatalf("only %d samples in 0.5 s at %v", n, fast)
	}
	perSample := used / time.Duration(n)
	pct := 100 * float64(perSample) / float64(DefaultInterval)
	bound := costBound * raceSlowdown
	t.Logf("%d samples, %v CPU: %v per sample = %.4f%% of one core at %v (bound %.2f%%)", n, used, perSample, pct, DefaultInterval, bound)
	if pct >= bound {
		t.Errorf("sampling costs %.3f%% of one core at %v, want < %.2f%%", pct, DefaultInterval, bound)
	}
}

// A 1 s run (BusyLoop's default) must give at least 10 windows of every
// core: a busy-cores figure from 4 windows moved in steps of a tenth of a
// core per window.
func TestWindowsPerSecond(t *testing.T) {
	if n := time.Second / DefaultInterval; n < 10 {
		t.Errorf("DefaultInterval %v: %d windows in a 1 s run, want at least 10", DefaultInterval, n)
	}
}

// costBound is TestCost's bound, in percent of one core at DefaultInterval.
const costBound = 0.2

// TestReadCost is the sampler's own work per sample, without the timer and
// scheduling TestCost includes: Read and Since in a tight loop on a locked
// thread, timed with getrusage(RUSAGE_THREAD). 7-13 µs per sample here,
// 0.007-0.013% of one core at the default interval; the bound, 0.05%,
// fails a sampler whose reading costs ten times as much.
func TestReadCost(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	cpu0 := threadCPU()
	for range n {
		cur, err := Read()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cur.Since(prev); err != nil {
			t.Fatal(err)
		}
		prev = cur
	}
	perSample := (threadCPU() - cpu0) / n
	pct := 100 * float64(perSample) / float64(DefaultInterval)
	bound := readBound * raceSlowdown
	t.Logf("%v CPU per sample = %.4f%% of one core at %v (bound %.3f%%)", perSample, pct, DefaultInterval, bound)
	if pct >= bound {
		t.Errorf("a sample costs %.4f%% of one core at %v, want < %.3f%%", pct, DefaultInterval, bound)
	}
}

// readBound is TestReadCost's bound, in percent of one core at
// DefaultInterval.
const readBound = 0.05

// TestStopEarly: Stop before the first window closes returns an empty
// series and no error, and a cancelled context ends the sampler.
func TestStopEarly(t *testing.T) {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Stop(); err != nil || len(got.Windows) != 0 || len(got.CPUs) != runtime.NumCPU() {
		t.Errorf("early stop: %d windows, %d cpus (NumCPU %d), err %v", len(got.Windows), len(got.CPUs), runtime.NumCPU(), err)
	}
	s.Stop() // twice is fine
	ctx, cancel := context.WithCancel(context.Background())
	s, err = Start(ctx, Options{Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-s.Done():
	case <-time.After(time.Second):
		t.Fatal("sampler still running a second after its context ended")
	}
}

// TestAgreesWithRusage checks the sampler against a source it does not
// read: this process's own CPU time. A goroutine locked to its thread and
// pinned to one core spins for half a second; getrusage(RUSAGE_THREAD) says
// how much of that time the thread ran, and the sampler must see that core
// at least that busy (it may see more: a neighbour can use the core too,
// and steal is not the core's own time). Over the same window the sampler's
// busy cores summed must cover the whole process's CPU time. A sampler that
// lost or mislabelled the core, misparsed a field or counted the wrong ones
// reads the pinned core low and fails. Done once on the last core and once
// on the first.
func TestAgreesWithRusage(t *testing.T) {
	n := runtime.NumCPU()
	for _, core := range []int{n - 1, 0} {
		var stop atomic.Bool
		var wg sync.WaitGroup
		type usage struct{ thread, proc time.Duration }
		start, end := make(chan usage), make(chan usage)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var set unix.CPUSet
			set.Set(core)
			if err := unix.SchedSetaffinity(0, &set); err != nil {
				start <- usage{-1, 0}
				return
			}
			start <- usage{threadCPU(), cpuNow()}
			x := uint64(0)
			for !stop.Load() {
				x = workloads.Busy(x, 1<<14)
			}
			end <- usage{threadCPU(), cpuNow()}
		}()
		u0 := <-start
		if u0.thread < 0 {
			wg.Wait()
			t.Skipf("cannot pin a thread to cpu%d", core)
		}
		s0, err := Read()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		s1, err := Read()
		stop.Store(true)
		u1 := <-end
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		w, err := s1.Since(s0)
		if err != nil {
			t.Fatal(err)
		}
		span := s1.At.Sub(s0.At).Seconds()
		ran := (u1.thread - u0.thread).Seconds() / span
		procCores := (u1.proc - u0.proc).Seconds() / span
		got, all := -1.0, 0.0
		for i, id := range s1.CPUs {
			all += w.Util[i]
			if id == core {
				got = w.Util[i]
			}
		}
		// About 50 ticks of 100 Hz per core in the half second; a read can
		// fall either side of a tick, and the thread's own start and end
		// are a few ms outside the reads.
		const tol = 0.1
		t.Logf("cpu%d: sampler %.3f busy, pinned thread ran %.3f; all cores %.3f, this process %.3f cores", core, got, ran, all, procCores)
		if got < ran-tol {
			t.Errorf("cpu%d: sampler says %.3f busy while a thread pinned there ran %.3f of the time", core, got, ran)
		}
		if all < procCores-tol*float64(n) {
			t.Errorf("sampler says %.3f busy cores in all while this process alone used %.3f", all, procCores)
		}
	}
}

// threadCPU is the calling thread's CPU time (getrusage RUSAGE_THREAD).
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
