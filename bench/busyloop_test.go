package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/family/busy"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/sampler"
)

func init() {
	declareUnit("busy-cores", "better=higher")
	declareUnit("own-cores", "better=higher")
	declareUnit("core-util-min-%", "better=higher")
	declareUnit("core-util-max-%", "better=higher")
	declareUnit("steal-%", "better=lower")
	declareUnit("iters/s", "better=higher")
	declareUnit("sampler-core-%", "better=lower")
}

// EnvBusySeconds overrides the measured time of one busy-loop run (the
// sampler adds one dropped 100 ms window before it). Default: 1 s, which
// keeps -benchtime 1x at about 1.1 s per sub-benchmark.
const EnvBusySeconds = "CONCBENCH_BUSY_SECONDS"

// BenchmarkBusyLoop is the seeds' GIL experiment: one busy loop per worker
// (x = x ^ 1 in Go; x = x + 1 in busyloop.py, whose x counts the
// iterations it ran), spinning for a fixed time while every core is sampled. It asks
// the seeds' question, "how many cores does each model actually use?", and
// the one behind it, "and how much more work gets done?". Run it with
// -cpu 1,<ncpu>: at GOMAXPROCS=1 goroutines and even locked threads share one
// core (Go's closest analogue of the GIL), child processes do not care. The
// seeds' own Python experiment runs beside it as model=python-thread and
// model=python-process (python-freethreaded-thread too when a python3.13t or
// later is on PATH; no python3: those sub-benchmarks skip).
//
// One op = one whole run of the experiment (about 1.25 s). Metrics:
// busy-cores (the whole machine's summed core utilisation, as top shows
// it), own-cores (the CPU only this experiment's processes used: on a shared
// machine the difference is the neighbours), core-util-min-% and
// core-util-max-% (the least and most busy core), steal-% (time the
// hypervisor gave away: a disturbed run, not a slow model) and iters/s (loop
// iterations per second over all workers). Every worker's count is verified
// (see package busy). With CONCBENCH_SAMPLES_DIR set, each run's per-core
// series is saved as CSV there (see package sampler).
func BenchmarkBusyLoop(b *testing.B) {
	d, err := busyDuration()
	if err != nil {
		b.Fatal(err)
	}
	var models []string // a python row without python3 shows as skipped; the free-threaded one only where it exists
	for _, m := range busy.AllModels() {
		if _, err := busy.Interpreter(m); m != busy.PythonFreeThreaded || err == nil {
			models = append(models, m)
		}
	}
	workers := []int{1}
	if n := runtime.NumCPU(); n > 1 {
		workers = append(workers, n) // the seeds' one loop per core
	}
	for _, m := range models {
		for _, w := range workers {
			b.Run(fmt.Sprintf("model=%s/workers=%d", m, w), func(b *testing.B) {
				benchBusy(b, busy.Config{Model: m, Workers: w, Duration: d})
			})
		}
	}
}

func busyDuration() (time.Duration, error) {
	s, ok := os.LookupEnv(EnvBusySeconds)
	if !ok {
		return busy.DefaultDuration, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 3600 {
		return 0, fmt.Errorf("%s=%q: want seconds, more than 0 and at most 3600", EnvBusySeconds, s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

func benchBusy(b *testing.B, c busy.Config) {
	atProcs(b)
	if busy.IsPython(c.Model) {
		if _, err := busy.Interpreter(c.Model); err != nil {
			b.Skipf("%v: the Python side of the experiment is skipped", err)
		}
	}
	var runs []busy.Result
	for b.Loop() {
		r, err := busy.Run(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		runs = append(runs, r)
	}
	var all sampler.Series
	var own, rate float64
	for _, r := range runs {
		var err error
		if all, err = all.Append(r.Series); err != nil {
			b.Fatal(err)
		}
		own += r.OwnCores / float64(len(runs))
		rate += r.Rate() / float64(len(runs))
		if r.GIL == "enabled" && c.Model == busy.PythonFreeThreaded {
			b.Logf("%s: this interpreter runs with the GIL enabled", c.Model)
		}
	}
	lo, hi := all.CoreUtilRange()
	b.ReportMetric(all.BusyCores(), "busy-cores")
	b.ReportMetric(own, "own-cores")
	b.ReportMetric(lo, "core-util-min-%")
	b.ReportMetric(hi, "core-util-max-%")
	b.ReportMetric(all.StealPct(), "steal-%")
	b.ReportMetric(rate, "iters/s")
	if dir := sampler.SamplesDir(); dir != "" {
		name := fmt.Sprintf("%s/gomaxprocs=%d", b.Name(), runtime.GOMAXPROCS(0))
		for _, r := range runs {
			if _, err := sampler.SaveCSV(dir, name, r.Series); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSampler is the sampler's own cost. One op = one sample of every
// core: read the counters (gopsutil cpu.Times, i.e. /proc/stat) and compute
// the window since the previous read. sampler-core-% is the CPU that costs
// at the default ten samples a second, in percent of one core.
func BenchmarkSampler(b *testing.B) {
	atProcs(b)
	prev, err := sampler.Read()
	if err != nil {
		b.Fatal(err)
	}
	var w sampler.Window
	mt := startMeter()
	for b.Loop() {
		cur, err := sampler.Read()
		if err != nil {
			b.Fatal(err)
		}
		if w, err = cur.Since(prev); err != nil {
			b.Fatal(err)
		}
		prev = cur
	}
	cpu, _ := rusage(syscall.RUSAGE_SELF)
	mt.stop(b, b.N, model.Usage{})
	if len(w.Util) != len(prev.CPUs) || len(w.Util) == 0 {
		b.Fatalf("a sample of %d cores, but %d cpus read", len(w.Util), len(prev.CPUs))
	}
	b.ReportMetric(100*float64(cpu-mt.cpu)/float64(b.N)/float64(sampler.DefaultInterval), "sampler-core-%")
}
