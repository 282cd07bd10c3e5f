package bench

import (
	"fmt"
	"testing"

	"github.com/concbench/concbench/family/local"
	"github.com/concbench/concbench/model"
)

// mtNoChildren is the child usage of a family that starts no processes.
var mtNoChildren model.Usage

// BenchmarkLocal is the seeds' threading.local(): what it costs each worker
// to reach its own state, passed explicitly, captured in a closure, looked
// up in a shared map under a mutex, or in a sync.Map (see package local).
// One op = one lookup-and-update. Every worker's final state is checked
// against the ops it was given; a wrong or lost update fails the run.
func BenchmarkLocal(b *testing.B) {
	for _, v := range local.Variants() {
		for _, w := range workerCounts() {
			b.Run(fmt.Sprintf("state=%s/workers=%d", v.Name, w), func(b *testing.B) {
				benchLocal(b, v, w)
			})
		}
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyLocalRows())
}

func benchLocal(b *testing.B, v local.Variant, workers int) {
	atProcs(b)
	r := local.Start(v, workers)
	finished := false
	defer func() {
		if !finished {
			r.Finish()
		}
	}()
	mt := startMeter()
	runInRounds(b, r.Add)
	ops, err := r.Finish()
	finished = true
	mt.stop(b, b.N, mtNoChildren)
	if err != nil {
		b.Fatal(err)
	}
	if ops != uint64(b.N) {
		b.Fatalf("local %s: %d ops made, want %d", v.Name, ops, b.N)
	}
}

// lossy reaches each worker's state explicitly but loses every 1000th
// update: the benchmark must fail on it, and pass on the real explicit
// store (testing.Benchmark reports N=0 for a failed benchmark).
type lossy struct{ states []local.State }

func (l *lossy) Work(w, n int) {
	s := &l.states[w]
	for i := 1; i <= n; i++ {
		if i%1000 != 0 {
			s.N++
			s.Sum += uint64(w) + 1
		}
	}
}
func (l *lossy) State(w int) *local.State { return &l.states[w] }

func TestLocalFailsOnLostUpdate(t *testing.T) {
	broken := local.Variant{Name: "lossy", New: func(w int) local.Store { return &lossy{make([]local.State, w)} }}
	if r := testing.Benchmark(func(b *testing.B) { benchLocal(b, broken, 2) }); r.N != 0 {
		t.Errorf("state=lossy: benchmark completed %d ops; lost updates must fail it", r.N)
	}
	if r := testing.Benchmark(func(b *testing.B) { benchLocal(b, local.Variants()[0], 2) }); r.N == 0 {
		t.Errorf("state=%s: benchmark failed", local.Variants()[0].Name)
	}
}
