package bench

import (
	"fmt"
	"testing"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/pool"
	"github.com/concbench/concbench/workloads"
)

// BenchmarkScale answers the seeds' first question: for CPU-bound and
// IO-bound work, how does throughput grow with workers under each model?
// One op = one task, handed to a pool of workers and verified against the
// answer table. kernel=noop is the per-task overhead of the model itself.
func BenchmarkScale(b *testing.B) {
	echo, err := workloads.StartEcho()
	if err != nil {
		b.Fatal(err)
	}
	defer echo.Close()
	for _, kind := range []workloads.Kind{workloads.CPU, workloads.IO} {
		for _, kernel := range workloads.Names(kind) {
			for _, m := range model.All() {
				for _, w := range workerCounts() {
					name := fmt.Sprintf("kind=%s/kernel=%s/model=%s/workers=%d", kind, kernel, m.Name(), w)
					b.Run(name, func(b *testing.B) {
						spec := workloads.Spec{Kernel: kernel}
						switch kernel {
						case "tcp":
							spec.Param = echo.Addr()
						case "fsync":
							spec.Param = b.TempDir()
						}
						benchPool(b, m, spec, w, 1)
					})
				}
			}
		}
	}
}

// benchPool times tasks of chunk items through a pool of w workers. The
// drain after the loop is timed too, so every op counted is an op done.
func benchPool(b *testing.B, m model.Model, spec workloads.Spec, w, chunk int) {
	atProcs(b)
	p, err := pool.Start(m, spec, w, pool.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	mt := startMeter()
	var seq uint64
	for b.Loop() {
		if err := p.Submit(seq, chunk); err != nil {
			b.Fatal(err)
		}
		seq += uint64(chunk)
	}
	b.StartTimer()
	err = p.Wait()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	mt.stop(b, b.N, p.Usage())
}

// A broken worker must make the benchmark fail, not look fast. The pool's
// own tests check the messages; this checks that benchPool turns each fault
// into a failed benchmark (testing.Benchmark reports N=0 for a failed one).
func TestScaleFailsOnBrokenWorker(t *testing.T) {
	for _, fault := range []string{"checksum", "die", "truncate"} {
		t.Run("fault="+fault, func(t *testing.T) {
			r := testing.Benchmark(func(b *testing.B) {
				benchPool(b, model.Process{Fault: fault}, workloads.Spec{Kernel: "noop"}, 2, 1)
			})
			if r.N != 0 {
				t.Errorf("benchmark with a %q worker completed %d ops; it must fail", fault, r.N)
			}
		})
	}
	r := testing.Benchmark(func(b *testing.B) {
		benchPool(b, model.Process{}, workloads.Spec{Kernel: "noop"}, 2, 1)
	})
	if r.N == 0 {
		t.Error("benchmark with healthy workers failed")
	}
}
