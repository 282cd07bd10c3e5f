package bench

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/concbench/concbench/workloads"
	"github.com/concbench/concbench/workloads/model"
	"github.com/concbench/concbench/workloads/poolmode"
)

// poolBatchPerWorker sets the iterable each map, imap or unordered call
// gets: the timed loop gathers this many items per worker, then hands them
// to the pool in one call, as map(f, range(batch), chunksize) would. At
// chunk=512 that is 4 tasks per worker on any machine, so the price of a
// large chunk (fewer tasks to balance, idle workers at the end of a batch)
// is part of the picture and compares across machines.
const poolBatchPerWorker = 2048

// BenchmarkPool is the seeds' Pool(n): apply_async(...).get(), map, imap and
// imap_unordered with chunksize, on a pool of one worker per core under each
// model (see package poolmode). One op = one item, so chunk sizes compare
// per item: as chunk grows, the per-task overhead of the model is shared by
// more items, until the work itself (kernel=sha256) or the idle tail of a
// batch dominates and a larger chunk stops paying off. apply has no
// chunksize in Python, so it runs only at chunk=1. Every result is verified
// by the pool; every item must come back exactly once (count and sum of
// folds), in order for map and imap.
func BenchmarkPool(b *testing.B) {
	workers := runtime.NumCPU()
	for _, kernel := range []string{"noop", "sha256"} {
		spec := workloads.Spec{Kernel: kernel}
		for _, m := range model.All() {
			for _, mode := range poolmode.Modes() {
				for _, chunk := range []int{1, 8, 64, 512} {
					if mode == poolmode.Apply && chunk != 1 {
						continue
					}
					name := fmt.Sprintf("kernel=%s/model=%s/mode=%s/chunk=%d", kernel, m.Name(), mode, chunk)
					b.Run(name, func(b *testing.B) { benchPoolMode(b, m, spec, workers, mode, chunk) })
				}
			}
		}
	}
}

func benchPoolMode(b *testing.B, m model.Model, spec workloads.Spec, workers int, mode poolmode.Mode, chunk int) {
	answers, err := workloads.Answers(spec)
	if err != nil {
		b.Fatal(err)
	}
	p, err := model.StartPool(m, spec, workers, model.PoolOptions{Deliver: true})
	if err != nil {
		b.Fatal(err)
	}
	defer poolmode.Close(p)
	r, err := poolmode.New(p, workers)
	if err != nil {
		b.Fatal(err)
	}
	batch := poolBatchPerWorker * workers
	if mode == poolmode.Apply {
		batch = 1
	}
	var items, fold uint64
	yield := func(res model.Result) { items += uint64(res.N); fold += res.Fold }
	mt := startMeter()
	var seq uint64
	pending := 0
	for b.Loop() {
		if pending++; pending == batch {
			if err := r.Run(mode, seq, pending, chunk, yield); err != nil {
				b.Fatal(err)
			}
			seq += uint64(pending)
			pending = 0
		}
	}
	b.StartTimer()
	err = r.Run(mode, seq, pending, chunk, yield)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if err := poolmode.Close(p); err != nil {
		b.Fatal(err)
	}
	mt.stop(b, b.N, p.Usage())
	if want := model.Expected(answers, model.Task{Seq: 0, N: b.N}); items != uint64(b.N) || fold != want {
		b.Fatalf("%s pool %s chunk=%d: %d items came back with fold %#x, want %d with %#x", m.Name(), mode, chunk, items, fold, b.N, want)
	}
}

// A broken worker must fail the benchmark in every mode, not look fast
// (testing.Benchmark reports N=0 for a failed benchmark). The healthy run,
// one mode only to keep go test quick, shows the harness itself passes.
func TestPoolFailsOnBrokenWorker(t *testing.T) {
	spec := workloads.Spec{Kernel: "noop"}
	for _, mode := range poolmode.Modes() {
		for _, fault := range []string{"checksum", "die"} {
			r := testing.Benchmark(func(b *testing.B) {
				benchPoolMode(b, model.Process{Fault: fault}, spec, 2, mode, 8)
			})
			if r.N != 0 {
				t.Errorf("mode=%s: benchmark with a %q worker completed %d ops; it must fail", mode, fault, r.N)
			}
		}
	}
	r := testing.Benchmark(func(b *testing.B) { benchPoolMode(b, model.Process{}, spec, 2, poolmode.IMap, 8) })
	if r.N == 0 {
		t.Error("mode=imap: benchmark with healthy workers failed")
	}
}
