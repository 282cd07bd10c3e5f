package bench

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/concbench/concbench/family/counter"
)

func init() { declareUnit("lost-updates", "better=lower assume=exact") }

// counterRound is how many ops the timed loop gathers before handing them
// to the workers in one round: large enough that waking and joining the
// team is a few percent of a round, small enough for -benchtime 1x.
const counterRound = 1 << 18

// BenchmarkCounter is the seeds' balance example: workers update one shared
// counter under each synchronisation scheme (see package counter). One op
// = one update: an increment, except under sync=rwmutex, where 9 ops in 10
// read the counter under RLock and 1 increments it under Lock. lost-updates
// is increments made minus the final count for the whole run: it must be 0
// for every scheme but sync=unsynced, or the benchmark fails.
func BenchmarkCounter(b *testing.B) {
	for _, v := range counter.Variants() {
		for _, w := range workerCounts() {
			b.Run(fmt.Sprintf("sync=%s/workers=%d", v.Name, w), func(b *testing.B) {
				benchCounter(b, v, w)
			})
		}
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyCounterRows())
}

// runInRounds hands b.N ops to a team of workers in rounds of counterRound,
// so the workers run many updates per hand-off. The last partial round runs
// after the loop with the timer on, so every op counted was done.
func runInRounds(b *testing.B, add func(n int)) {
	pending := 0
	for b.Loop() {
		if pending++; pending == counterRound {
			add(pending)
			pending = 0
		}
	}
	b.StartTimer()
	add(pending)
	b.StopTimer()
}

func benchCounter(b *testing.B, v counter.Variant, workers int) {
	atProcs(b)
	r := counter.Start(v, workers)
	finished := false
	defer func() {
		if !finished {
			r.Finish()
		}
	}()
	mt := startMeter()
	runInRounds(b, r.Add)
	ops, intended, final := r.Finish()
	finished = true
	mt.stop(b, b.N, mtNoChildren)
	if ops != uint64(b.N) {
		b.Fatalf("counter %s: %d updates made, want %d (one per op)", v.Name, ops, b.N)
	}
	lost, err := counter.Check(v, intended, final)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(lost), "lost-updates")
}

// dropper claims to be synchronised but skips every 1000th increment, as a
// broken lock would: the benchmark must fail on it, and pass on the real
// mutex (testing.Benchmark reports N=0 for a failed benchmark).
type dropper struct{ v atomic.Uint64 }

func (c *dropper) Work(_, n int) uint64 {
	for i := 1; i <= n; i++ {
		if i%1000 != 0 {
			c.v.Add(1)
		}
	}
	return uint64(n)
}
func (c *dropper) Total() uint64 { return c.v.Load() }
func (c *dropper) Close()        {}

func TestCounterFailsOnLostUpdate(t *testing.T) {
	broken := counter.Variant{Name: "broken-lock", Synced: true, New: func(int) counter.Counter { return &dropper{} }}
	if r := testing.Benchmark(func(b *testing.B) { benchCounter(b, broken, 2) }); r.N != 0 {
		t.Errorf("sync=broken-lock: benchmark completed %d ops; a synchronised variant that loses updates must fail", r.N)
	}
	v, err := counter.ByName("mutex")
	if err != nil {
		t.Fatal(err)
	}
	if r := testing.Benchmark(func(b *testing.B) { benchCounter(b, v, 2) }); r.N == 0 {
		t.Error("sync=mutex: benchmark failed")
	}
}
