package bench

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/concbench/concbench/workloads"
	"github.com/concbench/concbench/workloads/model"
	"github.com/concbench/concbench/workloads/poolmode"
)

// poolBatch is the iterable each map, imap or unordered call gets: the
// timed loop gathers this many items, then hands them to the pool in one
// call, as map(f, range(4096), chunksize) would. Fixed, so that a chunk of
// 512 leaves only 8 tasks to share among the workers: the price of a large
// chunk (idle workers at the end of a batch) is part of the picture.
const poolBatch = 4096

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
	batch := poolBatch
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
