package bench

import (
	"os/exec"
	"testing"

	"github.com/concbench/concbench/workloads"
	"github.com/concbench/concbench/workloads/model"
	"github.com/concbench/concbench/workloads/proc"
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
		b.Run("model="+m.Name(), func(b *testing.B) {
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
		})
	}
	b.Run("model=exec-true", func(b *testing.B) {
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
