package bench

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/concbench/concbench/family/pool"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/workloads"
)

func init() { declareUnit("ns/item", "better=lower") }

// poolBatchPerWorker sets the iterable each op hands the pool: one op is one
// map(f, range(batch), chunksize) call (or batch apply_async().get() calls)
// over poolBatchPerWorker items per worker. At chunk=512 that is 2 tasks per
// worker on any machine, so the price of a large chunk (fewer tasks to
// balance, idle workers at the end of a batch) is part of the picture and
// compares across machines.
//
// Why an op is a batch and not an item: with one op per item the items would
// only run when a batch filled, so b.Loop's ramp would see near-free
// iterations and overshoot; a whole call per op keeps every op's cost real.
// ns/item (ns/op divided by the batch) is the figure to compare.
const poolBatchPerWorker = 1024

// BenchmarkPool is the seeds' Pool(n): apply_async(...).get(), map, imap and
// imap_unordered with chunksize, on a pool of one worker per core under each
// model (see package poolmode). One op = one call over a batch of items (see
// poolBatchPerWorker); ns/item compares chunk sizes per item: as chunk grows,
// the per-task overhead of the model is shared by more items, until the work
// itself (kernel=sha256) or the idle tail of a batch dominates and a larger
// chunk stops paying off. apply has no chunksize in Python, so it runs only
// at chunk=1. Every result is verified by the pool; every item must come back
// exactly once (count and sum of folds), in order for map and imap.
func BenchmarkPool(b *testing.B) {
	workers := runtime.NumCPU()
	for _, kernel := range []string{"noop", "sha256"} {
		spec := workloads.Spec{Kernel: kernel}
		for _, m := range model.All() {
			for _, mode := range pool.Modes() {
				for _, chunk := range []int{1, 8, 64, 512} {
					if mode == pool.Apply && chunk != 1 {
						continue
					}
					name := fmt.Sprintf("kernel=%s/model=%s/mode=%s/chunk=%d", kernel, m.Name(), mode, chunk)
					b.Run(name, func(b *testing.B) { benchPoolMode(b, m, spec, workers, mode, chunk) })
				}
			}
		}
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyPoolRows())
}

func benchPoolMode(b *testing.B, m model.Model, spec workloads.Spec, workers int, mode pool.Mode, chunk int) {
	atProcs(b)
	answers, err := workloads.Answers(spec)
	if err != nil {
		b.Fatal(err)
	}
	p, err := pool.Start(m, spec, workers, pool.Options{Deliver: true})
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close(p)
	r, err := pool.New(p, workers)
	if err != nil {
		b.Fatal(err)
	}
	batch := poolBatchPerWorker * workers
	var items, fold uint64
	yield := func(res model.Result) { items += uint64(res.N); fold += res.Fold }
	mt := startMeter()
	var seq uint64
	for b.Loop() {
		if err := r.Run(mode, seq, batch, chunk, yield); err != nil {
			b.Fatal(err)
		}
		seq += uint64(batch)
	}
	if err := pool.Close(p); err != nil {
		b.Fatal(err)
	}
	total := b.N * batch
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(total), "ns/item")
	mt.stop(b, b.N, p.Usage())
	if want := model.Expected(answers, model.Task{Seq: 0, N: total}); items != uint64(total) || fold != want {
		b.Fatalf("%s pool %s chunk=%d: %d items came back with fold %#x, want %d with %#x", m.Name(), mode, chunk, items, fold, total, want)
	}
}

// A broken worker must fail the benchmark in every mode, not look fast
// (testing.Benchmark reports N=0 for a failed benchmark). The healthy run,
// one mode only to keep go test quick, shows the harness itself passes.
func TestPoolFailsOnBrokenWorker(t *testing.T) {
	spec := workloads.Spec{Kernel: "noop"}
	for _, mode := range pool.Modes() {
		for _, fault := range faults {
			r := testing.Benchmark(func(b *testing.B) {
				benchPoolMode(b, faulty(fault, 3), spec, 2, mode, 8)
			})
			if r.N != 0 {
				t.Errorf("mode=%s: benchmark with a %q worker completed %d ops; it must fail", mode, fault, r.N)
			}
		}
	}
	r := testing.Benchmark(func(b *testing.B) { benchPoolMode(b, model.Process{}, spec, 2, pool.IMap, 8) })
	if r.N == 0 {
		t.Error("mode=imap: benchmark with healthy workers failed")
	}
}
