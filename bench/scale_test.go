package bench

import (
	"fmt"
	"testing"

	"github.com/concbench/concbench/family/pool"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/workloads"
)

// BenchmarkScale answers the seeds' first question: for CPU-bound and
// IO-bound work, how does throughput grow with workers under each model?
// One op = one task, handed to a pool of workers and verified against the
// answer table. kernel=noop is the per-task overhead of the model itself.
// The process model's pipe=raw rows are its parent waiting in raw read(2)
// instead of on the poller (see scaleModels).
func BenchmarkScale(b *testing.B) {
	echo, err := workloads.StartEcho()
	if err != nil {
		b.Fatal(err)
	}
	defer echo.Close()
	for _, kind := range []workloads.Kind{workloads.CPU, workloads.IO} {
		for _, kernel := range workloads.Names(kind) {
			if kernel == workloads.ShaChain {
				continue // its size is a key: BenchmarkScaleWork
			}
			for _, m := range scaleModels(kind, kernel) {
				for _, w := range workerCounts() {
					name := fmt.Sprintf("kind=%s/kernel=%s/model=%s/workers=%d", kind, kernel, m.name, w)
					b.Run(name, func(b *testing.B) {
						spec := workloads.Spec{Kernel: kernel}
						switch kernel {
						case "tcp":
							spec.Param = echo.Addr()
						case "fsync":
							spec.Param = b.TempDir()
						}
						benchPool(b, m.Model, spec, w, 1)
					})
				}
			}
		}
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyScaleRows())
}

// scaleModel is a model and its name in the benchmark path.
type scaleModel struct {
	model.Model
	name string
}

// scaleModels is every model, and where the parent's pipe handling
// changes the answer (the per-task overhead, noop, and IO-bound kernels,
// whose workers outnumber GOMAXPROCS while they wait) the process model
// twice: model=process is the default, the parent's pipe ends on Go's
// poller; model=process/pipe=raw has them raw and blocking, each waiting
// read(2) holding a P.
func scaleModels(kind workloads.Kind, kernel string) []scaleModel {
	var out []scaleModel
	for _, m := range model.All() {
		out = append(out, scaleModel{m, m.Name()})
	}
	if kind == workloads.IO || kernel == "noop" {
		out = append(out, scaleModel{model.Process{Pipe: model.PipeRaw}, "process/pipe=" + model.PipeRaw})
	}
	return out
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
	for _, fault := range faults {
		t.Run("fault="+fault, func(t *testing.T) {
			r := testing.Benchmark(func(b *testing.B) {
				benchPool(b, faulty(fault, 3), workloads.Spec{Kernel: "noop"}, 2, 1)
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
