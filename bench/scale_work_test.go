package bench

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/concbench/concbench/family/py"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/workloads"
)

// workRounds are ScaleWork's task sizes, in rounds of the sha256-chain
// kernel (about 0.1 µs each in Go): powers of 4 from about 1 µs of work
// to about 4 ms. make report's profile runs every second one.
var workRounds = []int{8, 32, 128, 512, 2048, 8192, 32768}

// workWorkers are ScaleWork's worker counts: one, and one per core.
func workWorkers() []int {
	if n := runtime.NumCPU(); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// BenchmarkScaleWork answers the seeds' rule of thumb that a pool of
// processes pays only for tasks big enough: from what size of CPU-bound
// task does each model reach goroutines' throughput, and from what size do
// Python's processes beat its threads? One op = one task of work= rounds
// of SHA-256 (kernel sha256-chain), handed to a pool of workers and
// verified against the answer table, as in BenchmarkScale. The report
// turns the sweep into break-even sizes (report/answers.go).
func BenchmarkScaleWork(b *testing.B) {
	for _, n := range workRounds {
		spec := workloads.Spec{Kernel: workloads.ShaChain, Param: strconv.Itoa(n)}
		for _, m := range model.All() {
			for _, w := range workWorkers() {
				b.Run(fmt.Sprintf("work=%d/model=%s/workers=%d", n, m.Name(), w), func(b *testing.B) {
					benchPool(b, m, spec, w, 1)
				})
			}
		}
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyScaleWorkRows())
}

// pyScaleWorkRows: Scale's Python pools (Pool.imap_unordered and
// ThreadPoolExecutor.map) on the sha256-chain kernel at every work size.
func pyScaleWorkRows() []pyRow {
	var rows []pyRow
	for _, n := range workRounds {
		for _, m := range pyPoolKinds(model.KindPythonThread) {
			for _, w := range workWorkers() {
				rows = append(rows, pyRow{
					name: fmt.Sprintf("work=%d/model=%s/workers=%d", n, m.k, w), kind: m.k, family: "scale",
					params: []string{"kernel=" + workloads.ShaChain, fmt.Sprintf("work=%d", n), "pool=" + m.pool, fmt.Sprintf("workers=%d", w)},
					round:  64, check: checkWork(n),
				})
			}
		}
	}
	return rows
}

// checkWork is checkFold for the sha256-chain kernel at n rounds.
func checkWork(n int) func(b *testing.B, r py.Result) error {
	return func(b *testing.B, r py.Result) error {
		answers, err := workloads.Answers(workloads.Spec{Kernel: workloads.ShaChain, Param: strconv.Itoa(n)})
		if err != nil {
			return err
		}
		return r.Want("scale", "ops", b.N, "sum", py.Fold(answers, b.N))
	}
}

// A wrong answer at a work size must fail the row, in Go's process model
// and in Python's pools; the healthy rows pass.
func TestScaleWorkFailsOnWrongAnswer(t *testing.T) {
	spec := workloads.Spec{Kernel: workloads.ShaChain, Param: "32"}
	if r := testing.Benchmark(func(b *testing.B) { benchPool(b, faulty("checksum", 3), spec, 2, 1) }); r.N != 0 {
		t.Errorf("a process worker with a wrong checksum completed %d ops at work=32; it must fail", r.N)
	}
	if r := testing.Benchmark(func(b *testing.B) { benchPool(b, model.Process{}, spec, 2, 1) }); r.N == 0 {
		t.Error("the healthy process pool failed at work=32")
	}
	for _, row := range pyScaleWorkRows()[:2] {
		for _, fault := range []bool{true, false} {
			var kept *py.Driver
			r := testing.Benchmark(func(b *testing.B) { benchPy(b, row, &kept, fault) })
			if kept != nil {
				kept.Close()
			}
			if (r.N != 0) == fault {
				t.Errorf("%s with fault=%v: completed %d ops", row.name, fault, r.N)
			}
		}
	}
}
