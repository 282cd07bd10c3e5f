package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"

	"github.com/concbench/concbench/internal/floor"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

// BenchmarkSpawn answers Process.start()/join(), Thread.start()/join() and
// os.fork(): what does one worker's whole life cost? One op = start a worker,
// get one verified result from it (the noop kernel), join it.
//
// Beside the three models, the floors a process spawn cannot go below, and
// one familiar program:
//
//	model=floor-kernel  fork+exec+wait (syscall.ForkExec, Wait4) of a static
//	                    binary with no libc whose _start exits with argc;
//	                    the exit status is checked against the argc sent
//	model=floor-go      model=process's own parent code, protocol and check,
//	                    with the worker a minimal static Go program
//	                    (internal/floor/goworker): the Go runtime's floor
//	model=floor-kernel-proc  the kernel floor through proc.StartCmd: what
//	                    the suite's spawner adds (pipes, the stderr memfd,
//	                    the hop to the spawner thread, a pidfd wait)
//	model=exec-true     /bin/true through proc.StartCmd: a dynamically
//	                    linked C program (ld.so, libc start-up) plus the
//	                    suite's spawner (pipes, stderr, the spawner thread);
//	                    a familiar figure, not a floor
//
// model=process runs the worker binary the config line process-worker
// names (see worker_test.go).
func BenchmarkSpawn(b *testing.B) {
	spec := workloads.Spec{Kernel: "noop"}
	answers, err := workloads.Answers(spec)
	if err != nil {
		b.Fatal(err)
	}
	var perOp ratio
	for _, m := range model.All() {
		b.Run("model="+m.Name(), func(b *testing.B) {
			benchSpawn(b, m, spec, answers)
			if m.Name() == "process" {
				keep(&perOp.num, b)
			}
		})
	}
	kernel, gofloor, kernelErr, goErr := floors()
	defer kernel.Close()
	defer gofloor.Close()
	b.Run("model=floor-go", func(b *testing.B) {
		if goErr != nil {
			b.Skip("no Go floor: ", goErr)
		}
		benchSpawn(b, model.Process{Bin: gofloor.Path}, spec, answers)
		keep(&perOp.den, b)
	})
	b.Run("model=floor-kernel", func(b *testing.B) {
		if kernelErr != nil {
			b.Skip("no kernel floor: ", kernelErr)
		}
		benchExitArgc(b, kernel, false)
	})
	b.Run("model=floor-kernel-proc", func(b *testing.B) {
		if kernelErr != nil {
			b.Skip("no kernel floor: ", kernelErr)
		}
		benchExitArgc(b, kernel, true)
	})
	b.Run("model=exec-true", benchExecTrue)
	perOp.print("Spawn process / floor-go", 1.3)
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pySpawnRows())
}

// ratio collects ns/op of two rows over every count of a run (runs of
// one op, the probe and -benchtime 1x, are left out) and prints their
// medians' ratio as a comment line, as scripts/reference.sh does.
type ratio struct{ num, den []float64 }

// keep appends b's ns/op to *to; call it after b's loop.
func keep(to *[]float64, b *testing.B) {
	if b.N > 1 && !b.Failed() {
		*to = append(*to, float64(b.Elapsed())/float64(b.N))
	}
}

func (r *ratio) print(what string, target float64) {
	if len(r.num) == 0 || len(r.den) == 0 {
		return
	}
	n, d := median(r.num), median(r.den)
	fmt.Printf("# ratio: %s = %.0f / %.0f ns = %.2fx (target <= %.2fx; medians of %d and %d runs)\n", what, n, d, n/d, target, len(r.num), len(r.den))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
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

// benchExitArgc forks, execs and reaps bin with 1 to 8 arguments and
// checks that it exited with that count: directly (syscall.ForkExec and
// Wait4), or through the suite's spawner (proc.StartCmd and Close).
func benchExitArgc(b *testing.B, bin *floor.Binary, viaProc bool) {
	atProcs(b)
	argv := make([]string, 8)
	for i := range argv {
		argv[i] = "x"
	}
	run := forkWait
	if viaProc {
		run = startClose
	}
	mt := startMeter()
	var n int
	for b.Loop() {
		n = n%len(argv) + 1
		status, err := run(bin.Path, argv[:n])
		if err != nil {
			b.Fatalf("%s: %v", bin.Name, err)
		}
		if status != n {
			b.Fatalf("%s with argc %d: exit status %d, want %d", bin.Name, n, status, n)
		}
	}
	mt.stop(b, b.N, model.Usage{})
}

// forkWait runs path with argv and returns its exit status (-1 for a
// signal).
func forkWait(path string, argv []string) (int, error) {
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{})
	if err != nil {
		return 0, err
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		return 0, fmt.Errorf("wait: %w", err)
	}
	return ws.ExitStatus(), nil
}

// startClose is forkWait through proc.StartCmd; a non-zero exit is the
// answer here, not an error.
func startClose(path string, argv []string) (int, error) {
	c, err := proc.StartCmd(exec.Command(path, argv[1:]...))
	if err != nil {
		return 0, err
	}
	var exit *exec.ExitError
	if err := c.Close(); err != nil && !errors.As(err, &exit) {
		return 0, err
	}
	return c.Cmd.ProcessState.ExitCode(), nil
}

func benchExecTrue(b *testing.B) {
	atProcs(b)
	path, err := exec.LookPath("true")
	if err != nil {
		b.Skipf("no true(1) on PATH: %v", err)
	}
	argv := []string{path}
	mt := startMeter()
	for b.Loop() {
		if status, err := startClose(path, argv); err != nil || status != 0 {
			b.Fatalf("%s: exit status %d, %v", path, status, err)
		}
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
	for _, fault := range faults {
		r := testing.Benchmark(func(b *testing.B) { benchSpawn(b, faulty(fault, 1), spec, answers) })
		if r.N != 0 {
			t.Errorf("spawn with a %q worker completed %d ops; it must fail", fault, r.N)
		}
	}
	r := testing.Benchmark(func(b *testing.B) { benchSpawn(b, model.Process{}, spec, answers) })
	if r.N == 0 {
		t.Error("spawn with a healthy worker failed")
	}
}

// The floor rows must fail when the work is not done: the kernel floor on
// a binary that exits 0 whatever argc is (/bin/true), the Go floor when its
// answers do not match the table (here the table is off by one). Healthy
// floors pass.
func TestSpawnFloorsFail(t *testing.T) {
	kernel, gofloor, kernelErr, goErr := floors()
	defer kernel.Close()
	defer gofloor.Close()
	if kernelErr != nil || goErr != nil {
		t.Skipf("floors not built (kernel: %v; go: %v)", kernelErr, goErr)
	}
	spec := workloads.Spec{Kernel: "noop"}
	answers, err := workloads.Answers(spec)
	if err != nil {
		t.Fatal(err)
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) on PATH")
	}
	notArgc, err := floor.Open(truePath, "true(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer notArgc.Close()
	wrong := make([]uint64, len(answers))
	for i, a := range answers {
		wrong[i] = a + 1
	}
	for _, c := range []struct {
		name string
		f    func(b *testing.B)
		ok   bool
	}{
		{"floor-kernel", func(b *testing.B) { benchExitArgc(b, kernel, false) }, true},
		{"floor-kernel/bin=true", func(b *testing.B) { benchExitArgc(b, notArgc, false) }, false},
		{"floor-kernel-proc", func(b *testing.B) { benchExitArgc(b, kernel, true) }, true},
		{"floor-kernel-proc/bin=true", func(b *testing.B) { benchExitArgc(b, notArgc, true) }, false},
		{"floor-go", func(b *testing.B) { benchSpawn(b, model.Process{Bin: gofloor.Path}, spec, answers) }, true},
		{"floor-go/answers=wrong", func(b *testing.B) { benchSpawn(b, model.Process{Bin: gofloor.Path}, spec, wrong) }, false},
	} {
		if r := testing.Benchmark(c.f); (r.N > 0) != c.ok {
			t.Errorf("%s: %d ops done; want success %v", c.name, r.N, c.ok)
		}
	}
}

// model=process must run the small static worker, not this test binary:
// the child's /proc/PID/exe is the worker built for this run, which is
// statically linked.
func TestProcessRunsStaticWorker(t *testing.T) {
	if worker == nil {
		if _, err := exec.LookPath("go"); err != nil {
			t.Skipf("no go command to build the worker, and no %s: %s", model.EnvWorker, workerWhy)
		}
		t.Fatalf("worker not built: %s", workerWhy)
	}
	if !worker.Static {
		t.Errorf("worker %s is dynamically linked", worker.Name)
	}
	in, out := make(chan model.Task), make(chan model.Result, 1)
	g, err := model.Process{}.Start(workloads.Spec{Kernel: "noop"}, 1, in, out)
	if err != nil {
		t.Fatal(err)
	}
	kids := proc.Children(os.Getpid())
	if len(kids) != 1 {
		t.Errorf("%d children, want 1: %v", len(kids), kids)
	} else if exe := fmt.Sprintf("/proc/%d/exe", kids[0]); !worker.SameFile(exe) {
		link, _ := os.Readlink(exe)
		t.Errorf("process worker runs %s, not %s", link, worker.Name)
	}
	close(in)
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}
