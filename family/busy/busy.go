// Package busy runs the seed notes' GIL experiment under every execution
// model and measures it: one busy x = x ^ 1 loop per worker, spinning for a
// fixed time while package sampler watches every core.
//
// The seeds' claim is about cores, not speed: Python threads, however many,
// keep one core busy in total (the GIL lets one run at a time), while
// processes keep all of them busy. So a Result has both the per-core picture
// (busy cores, least and most busy core) and the work done (loop iterations
// per second), and the same experiment runs for every model:
//
//	goroutine                   plain goroutines (GOMAXPROCS decides how many run at once)
//	thread                      goroutines locked to their own OS threads
//	process                     children re-executing this binary in the "busyloop" role
//	python-thread               family/busy/busyloop.py --mode thread
//	python-process              family/busy/busyloop.py --mode process (multiprocessing)
//	python-freethreaded-thread  the thread mode under a free-threaded python3.13t or later
//
// GOMAXPROCS=1 is Go's closest analogue of the GIL: goroutines and even
// locked threads then share one core, because running Go code needs a P.
// Child processes are separate runtimes, so GOMAXPROCS in the parent does not
// limit them.
//
// A caller (BenchmarkBusyLoop, concbench gil) calls Run with a Config. Run
// starts the workers and waits until every one is spinning, then samples
// Duration worth of whole windows (plus the sampler's dropped first window),
// then stops the workers and collects their counts. Each worker times its own
// spinning, so the work rate does not include start-up or the way down.
//
// Every count is verified. Both loops are x = x + 1 (workloads.Busy, and
// busyloop.py's), so x counts every iteration the loop ran, from the
// worker's seed, and must equal the count the worker claims: a shortened
// loop (range(1) for range(CHUNK), or a Go chunk cut short) fails. A worker that did nothing, lost count
// or went missing fails the run, naming the worker.
//
// busy is one family: its workers are model's kinds (model.GoReady for the
// in-process ones, proc.Start for the busyloop role, the interpreter that
// model.Interpreter finds for the python ones), and it imports no other
// family, nor ipc, pool or report.
package busy

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/sampler"
	"github.com/concbench/concbench/workloads"
)

// The models, by their names in model (Config.Model is a string so that a
// flag or a benchmark name fills it directly).
const (
	Goroutine          = string(model.KindGoroutine)
	Thread             = string(model.KindThread)
	Process            = string(model.KindProcess)
	PythonThread       = string(model.KindPythonThread)
	PythonProcess      = string(model.KindPythonProcess)
	PythonFreeThreaded = string(model.KindPythonFreeThreaded)
)

// kinds are the models this experiment runs: every Go kind and the Python
// kinds busyloop.py runs (threads, multiprocessing, free-threaded threads).
func kinds() []model.Kind {
	return append(model.GoKinds(), model.KindPythonThread, model.KindPythonProcess, model.KindPythonFreeThreaded)
}

// Chunk is how many iterations a Go worker runs between looks at its stop
// flag: about 40 µs of work at the 1.7e9 iterations/s of one goroutine on
// the 2 vCPU Intel Xeon VM of docs/gil.md; busyloop.py's CHUNK is the
// same.
const Chunk = 1<<16 + 1

// DefaultDuration is the measured time of one run when Config.Duration is 0.
const DefaultDuration = time.Second

// Config is one run of the experiment.
type Config struct {
	Model    string
	Workers  int
	Duration time.Duration // measured time, rounded to whole windows; 0 means DefaultDuration
	Interval time.Duration // sampler window; 0 means sampler.DefaultInterval
	// GOMAXPROCS, when > 0, is set for the run and restored after it (only
	// in-process models feel it). 0 leaves it alone: a benchmark sets it
	// with -cpu.
	GOMAXPROCS int
	// Python is the interpreter for the python models; "" means the one
	// Interpreter finds.
	Python string
	// OnWindow sees each sampler window as it closes (for a live view).
	OnWindow func(cpus []int, w sampler.Window)

	fault string // tests only: "count" makes worker 0 misreport its count
}

// Count is what one worker did.
type Count struct {
	Iters   uint64
	Elapsed time.Duration // the worker's own spinning time
}

// Result is a run's measurements.
type Result struct {
	Model      string
	Workers    int
	GOMAXPROCS int
	Series     sampler.Series
	Counts     []Count
	// OwnCores is the CPU this experiment's own processes used while
	// sampled (this process and all its descendants, from proc.CPU),
	// in cores: unlike Series.BusyCores, blind to other load on the machine.
	OwnCores float64
	GIL      string // python models: "enabled" or "disabled", as the interpreter says
}

// Rate is the work rate: loop iterations per second, summed over workers
// (each over its own spinning time).
func (r Result) Rate() float64 {
	var rate float64
	for _, c := range r.Counts {
		if c.Elapsed > 0 {
			rate += float64(c.Iters) / c.Elapsed.Seconds()
		}
	}
	return rate
}

// AllModels lists every model the experiment knows, in the order reports
// show them, whether or not this machine can run it.
func AllModels() []string {
	var out []string
	for _, k := range kinds() {
		out = append(out, string(k))
	}
	return out
}

// Models lists the models this machine can run: the Go ones always, a
// python one when its interpreter is on PATH.
func Models() []string {
	var out []string
	for _, m := range AllModels() {
		if _, err := Interpreter(m); err == nil || !IsPython(m) {
			out = append(out, m)
		}
	}
	return out
}

// IsPython says whether a model runs the Python script.
func IsPython(m string) bool { return model.Kind(m).Python() }

// ErrNoPython says that a python model's interpreter is not on PATH.
var ErrNoPython = model.ErrNoPython

// Interpreter finds the interpreter a python model runs (see
// model.Interpreter). The error wraps ErrNoPython when there is none.
func Interpreter(m string) (string, error) { return model.Interpreter(model.Kind(m)) }

// crew is a set of spinning workers.
type crew interface {
	// stop tells every worker to stop and returns their verified counts.
	stop() ([]Count, error)
	// kill ends every worker at once (after an error or a cancel).
	kill()
}

// Run runs the experiment once. A cancelled ctx stops it early, kills the
// workers and returns ctx's error.
func Run(ctx context.Context, c Config) (Result, error) {
	if c.Workers < 1 {
		return Result{}, fmt.Errorf("busy: %d workers, want at least 1", c.Workers)
	}
	if c.Duration <= 0 {
		c.Duration = DefaultDuration
	}
	if c.Interval <= 0 {
		c.Interval = sampler.DefaultInterval
	}
	windows := max(1, int((c.Duration+c.Interval/2)/c.Interval))
	if c.GOMAXPROCS > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(c.GOMAXPROCS))
	}
	r := Result{Model: c.Model, Workers: c.Workers, GOMAXPROCS: runtime.GOMAXPROCS(0)}

	if err := model.Check("model", model.Kind(c.Model), kinds()); err != nil {
		return r, fmt.Errorf("busy: %w", err)
	}
	cr, gil, err := start(ctx, c)
	if err != nil {
		return r, fmt.Errorf("busy: model %s: %w", c.Model, err)
	}
	r.GIL = gil

	// OwnCores spans the kept windows, as BusyCores does: its baseline is
	// taken when the sampler drops its first window.
	var cpu0 map[int]uint64
	var t0 time.Time
	kept := make(chan struct{})
	onDrop := func() { cpu0, t0 = treeCPU(), time.Now(); close(kept) }
	s, err := sampler.Start(ctx, sampler.Options{Interval: c.Interval, Windows: windows, OnWindow: c.OnWindow, OnDrop: onDrop})
	if err != nil {
		cr.kill()
		return r, err
	}
	<-s.Done() // enough windows, or ctx ended
	select {
	case <-kept:
		r.OwnCores = ownCores(cpu0, treeCPU(), time.Since(t0))
	default: // stopped before the first window closed
	}
	r.Series, err = s.Stop()
	if ctx.Err() != nil || err != nil {
		cr.kill()
		return r, errors.Join(ctx.Err(), err)
	}
	if r.Counts, err = cr.stop(); err != nil {
		return r, fmt.Errorf("busy: model %s: %w", c.Model, err)
	}
	if len(r.Counts) != c.Workers {
		return r, fmt.Errorf("busy: model %s: %d workers reported, want %d", c.Model, len(r.Counts), c.Workers)
	}
	return r, nil
}

// step runs one chunk of the seeds' loop from x (workloads.Busy, whose
// every iteration adds 1 to x).
func step(x uint64) uint64 { return workloads.Busy(x, Chunk) }

// start starts c's workers, of a kind Run has checked: the one switch on
// the kind of model.
func start(ctx context.Context, c Config) (crew, string, error) {
	switch k := model.Kind(c.Model); {
	case k.InProcess():
		return startInProc(k, c.Workers, c.fault), "", nil
	case k.Python():
		py, err := startPython(ctx, c)
		if err != nil {
			return nil, "", err
		}
		return py, py.gil, nil
	}
	p, err := startProcesses(ctx, c.Workers, c.fault)
	if err != nil {
		return nil, "", err // not a typed nil in the interface
	}
	return p, "", nil
}

// verify checks a Go worker's count: x started at seed, and the loop
// adds 1 to it every iteration, so x-seed is what it really ran
// (verifyCounted checks that against the count).
func verify(worker int, seed, x, iters, chunk uint64) error {
	return verifyCounted(worker, x-seed, iters, chunk)
}
