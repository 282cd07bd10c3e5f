package bench

import (
	"testing"
	"time"

	"github.com/concbench/concbench/family/stop"
)

func init() { declareUnit("stop-ns", "better=lower") }

// BenchmarkStop answers terminate(), daemon threads and is_alive(): how long
// from asking a worker to stop until it has, confirmed, stopped?
//
// One op = start a worker and wait until it is busy (spinning the seeds'
// x ^= 1 loop) or blocked (asleep), stop it, and check that it is gone.
// stop-ns is the mean time from the stop request to the confirmed stop, the
// number this family is about; ns/op is the whole start+stop cycle. Each
// stop is timed with its own clock reads rather than with b.StopTimer around
// the start, which would cost more than a goroutine's stop itself.
//
//	model=goroutine  context cancel, seen between chunks of stop.PollIters
//	                 iterations (busy) or in a select (blocked); confirmed by
//	                 the join
//	model=thread     the same on a goroutine locked to its own thread; after
//	                 the join the thread must leave /proc/self/task
//	model=process    signal=term: SIGTERM, handled by the child (exit 143),
//	                 SIGKILL if it takes longer than stop.Grace (a failure
//	                 here); signal=kill: SIGKILL. Confirmed by the reap; the
//	                 wait status must match and /proc/<pid> must be gone
func BenchmarkStop(b *testing.B) {
	for _, state := range []stop.State{stop.Busy, stop.Blocked} {
		cases := []struct {
			name string
			o    stop.Options
		}{
			{"model=goroutine", stop.Options{Model: "goroutine"}},
			{"model=thread", stop.Options{Model: "thread"}},
			{"model=process", stop.Options{Model: "process", Signal: stop.Term}},
			{"model=process", stop.Options{Model: "process", Signal: stop.Kill}},
		}
		for _, c := range cases {
			c.o.State = state
			name := c.name + "/state=" + string(state)
			if c.o.Signal != "" {
				name += "/signal=" + string(c.o.Signal)
			}
			b.Run(name, func(b *testing.B) { benchStop(b, c.o) })
		}
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyStopRows())
}

func benchStop(b *testing.B, o stop.Options) {
	atProcs(b)
	var total time.Duration
	for b.Loop() {
		w, err := stop.Start(o)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		st, err := w.Stop()
		total += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if st.Killed != (o.Signal == stop.Kill) {
			b.Fatalf("%s %s worker: killed=%v after signal=%s", o.State, o.Model, st.Killed, o.Signal)
		}
		if err := w.Gone(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "stop-ns")
}

// A process that ignores SIGTERM is killed after stop.Grace: a stop that
// did not happen as asked, which must fail the benchmark, not count as a
// slow stop (testing.Benchmark reports N=0 for a failed benchmark).
func TestStopFailsOnIgnoredTerm(t *testing.T) {
	o := stop.Options{Model: "process", State: stop.Busy, Signal: stop.Term, IgnoreTerm: true}
	if r := testing.Benchmark(func(b *testing.B) { benchStop(b, o) }); r.N != 0 {
		t.Errorf("a worker that ignored SIGTERM was stopped %d times without a failure", r.N)
	}
}
