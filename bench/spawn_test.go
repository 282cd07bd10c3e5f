package bench

import (
	"os/exec"
	"testing"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

// BenchmarkSpawn answers Process.start()/join(), Thread.start()/join() and
// os.fork(): what does one worker's whole life cost? One op = start a worker,
// get one verified result from it (the noop kernel), join it.
// model=exec-true is the kernel's own floor for a process: fork, exec and
// wait of /bin/true through the same spawner, no Go runtime start-up.
func BenchmarkSpawn(b *testing.B) {
	spec := workloads.Spec{Kernel: "noop"}
	answers, err := workloads.Answers(spec)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range model.All() {
		b.Run("model="+m.Name(), func(b *testing.B) { benchSpawn(b, m, spec, answers) })
	}
	b.Run("model=exec-true", func(b *testing.B) {
		atProcs(b)
		path, err := exec.LookPath("true")
		if err != nil {
			b.Skipf("no true(1) on PATH: %v", err)
		}
		mt := startMeter()
		for b.Loop() {
			c, err := proc.StartCmd(exec.Command(path))
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Close(); err != nil {
				b.Fatalf("%s: %v", path, err)
			}
		}
		mt.stop(b, b.N, model.Usage{})
	})
}

// benchSpawn times one worker's life under m, its one answer checked.
func benchSpawn(b *testing.B, m model.Model, spec workloads.Spec, answers []uint64) {
	atProcs(b)
	mt := startMeter()
	var arg uint64
	for b.Loop() {
		v, err := m.Spawn(spec, arg)
		if err != nil {
			b.Fatal(err)
		}
		if v != answers[arg] {
			b.Fatalf("spawned %s worker answered %#x for %d, want %#x", m.Name(), v, arg, answers[arg])
		}
		arg = (arg + 1) % workloads.ArgRange
	}
	mt.stop(b, b.N, model.Usage{})
}

// A spawned worker that answers wrong, dies or sends half a frame on its
// one task must fail BenchmarkSpawn (testing.Benchmark reports N=0 for a
// failed benchmark); the healthy run shows the harness itself passes.
func TestSpawnFailsOnBrokenWorker(t *testing.T) {
	spec := workloads.Spec{Kernel: "noop"}
	answers, err := workloads.Answers(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, fault := range []string{"checksum@1", "die@1", "truncate@1"} {
		r := testing.Benchmark(func(b *testing.B) { benchSpawn(b, model.Process{Fault: fault}, spec, answers) })
		if r.N != 0 {
			t.Errorf("spawn with a %q worker completed %d ops; it must fail", fault, r.N)
		}
	}
	r := testing.Benchmark(func(b *testing.B) { benchSpawn(b, model.Process{}, spec, answers) })
	if r.N == 0 {
		t.Error("spawn with a healthy worker failed")
	}
}
