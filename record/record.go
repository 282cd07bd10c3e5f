package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/host"
	"github.com/concbench/concbench/internal/owned"
)

// Options say what to record and where. Zero values take the defaults of
// make bench.
type Options struct {
	Root      string // results root, default "results"; files go to Root/<host-id>/
	Go        string // the go command that builds the bench binary, default "go"
	Pkg       string // the benchmark package's directory, default "bench"
	Bin       string // a prebuilt bench binary instead of building one
	Bench     string // -bench pattern, default "." (see Select)
	Count     int    // default 10
	Benchtime string // default 1s
	CPU       string // -cpu list; "" runs BusyLoop at 1,ncpu and the rest as is
	Timeout   string // per pass, default 3h: a lost frame fails the run instead of hanging it
	Profile   bool   // the short profile of make report: the families whose ops are whole experiments narrowed (see profile)
	Reference bool   // append the kernel's reference figures when IPC or Spawn ran
	Stamp     string // the file's base name, default the UTC time at the start
	Times     string // the pass timings of the progress line's estimate, default <user cache dir>/concbench/pass-times.json

	Stdout io.Writer // the benchmark output as it comes, besides the file (nil: none)
	Stderr io.Writer // progress and the benchmarks' own stderr (nil: none)
}

func (o Options) withDefaults() Options {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Root, "results")
	def(&o.Go, "go")
	def(&o.Pkg, "bench")
	def(&o.Bench, ".")
	def(&o.Benchtime, "1s")
	def(&o.Timeout, "3h")
	def(&o.Stamp, time.Now().UTC().Format("20060102T150405Z"))
	def(&o.Times, timesFile())
	if o.Count == 0 {
		o.Count = 10
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o
}

// envSamplesDir is sampler.EnvSamplesDir, spelled out: package record
// imports nothing that tests with internal/leakcheck, which uses it.
const envSamplesDir = "CONCBENCH_SAMPLES_DIR"

// pass is one run of the bench binary: one family.
type pass struct {
	family string
	args   []string
	env    []string // added to the environment
	expect float64  // seconds, when known beforehand (see eta)
}

// Run records and returns the stored file's path. Any error means that
// nothing was stored and nothing of this run is left behind.
func Run(ctx context.Context, o Options) (string, error) {
	o = o.withDefaults()
	dir := filepath.Join(o.Root, host.ID())
	var err error
	if o.Bin != "" {
		if o.Bin, err = filepath.Abs(o.Bin); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := owned.RemoveStale(dir, tmpPrefix); err != nil {
		fmt.Fprintln(o.Stderr, "concbench: warning:", err)
	}
	work, err := owned.MkdirTemp(dir, tmpPrefix)
	if err == nil {
		work, err = filepath.Abs(work) // the bench binary runs in Pkg
	}
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	txt, samples := filepath.Join(work, "run.txt"), filepath.Join(work, "samples")
	if err := o.record(ctx, work, txt, samples); err != nil {
		return "", err
	}
	path, err := Store(dir, o.Stamp, txt, samples)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(o.Stderr, "concbench: stored %s\n", path)
	if s := strings.TrimSuffix(path, ".txt") + ".samples"; nonEmptyDir(s) {
		fmt.Fprintf(o.Stderr, "concbench: per-core samples in %s/\n", s)
	}
	return path, nil
}

// record runs every pass (and the reference) into txt.
func (o Options) record(ctx context.Context, work, txt, samples string) error {
	bin, env := o.Bin, []string(nil)
	if bin == "" {
		var err error
		if bin, env, err = o.build(ctx, work); err != nil {
			return err
		}
	}
	passes, err := o.plan(ctx, bin)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(txt, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return err
	}
	defer out.Close()
	// How the run was made, as config lines: a report of two machines
	// warns where they differ (docs/report.md).
	if _, err := fmt.Fprintf(out, "count: %d\nbenchtime: %s\nprofile: %t\n", o.Count, o.Benchtime, o.Profile); err != nil {
		return err
	}
	start, eta := time.Now(), newETA(passes, o.Times)
	if left := eta.left(-1); strings.HasPrefix(left, "about") {
		fmt.Fprintf(o.Stderr, "concbench: %d passes, %s\n", len(passes), left)
	} else {
		fmt.Fprintf(o.Stderr, "concbench: %d passes, none timed before on this machine\n", len(passes))
	}
	// What will skip and why, once for the run (the bench binary says it
	// at every start, so each pass is told not to: EnvDepsSaid).
	for _, line := range deps.Missing() {
		fmt.Fprintln(o.Stderr, "concbench: will skip:", line)
	}
	for i, p := range passes {
		fmt.Fprintf(o.Stderr, "concbench: [%d/%d] %s: %s\n", i+1, len(passes), p.family, strings.Join(slices.Concat(p.env, p.args), " "))
		t0 := time.Now()
		var got bytes.Buffer
		if err := o.runPass(ctx, bin, p, env, io.MultiWriter(&got, o.Stdout), samples); err != nil {
			return err
		}
		if err := o.rerunFewOps(ctx, bin, p, env, got.Bytes(), out, samples); err != nil {
			return err
		}
		took := time.Since(t0)
		eta.done(i, p, took)
		progress := fmt.Sprintf("total %s", time.Since(start).Round(time.Second))
		if left := eta.left(i); left != "" {
			progress += ", " + left
		}
		fmt.Fprintf(o.Stderr, "concbench: [%d/%d] %s done in %s (%s)\n", i+1, len(passes), p.family, took.Round(time.Second), progress)
	}
	if o.Reference && slices.ContainsFunc(passes, func(p pass) bool { return p.family == "BenchmarkIPC" || p.family == "BenchmarkSpawn" }) {
		o.appendReference(ctx, io.MultiWriter(out, o.Stdout))
	}
	if err := out.Sync(); err != nil {
		return err
	}
	return out.Close()
}

// plan lists the bench binary's families and makes one pass per family
// that -bench selects.
func (o Options) plan(ctx context.Context, bin string) ([]pass, error) {
	cmd := exec.CommandContext(ctx, bin, "-test.list", "^Benchmark")
	cmd.Dir = o.Pkg
	list, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("list benchmarks of %s: %w", bin, err)
	}
	picked, rest, err := Select(o.Bench, families(string(list)))
	if err != nil {
		return nil, err
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("flag -bench: %q selects no benchmark family", o.Bench)
	}
	ncpu := strconv.Itoa(host.This().NCPU)
	var passes []pass
	for _, f := range picked {
		cpu := o.CPU
		if f == "BenchmarkBusyLoop" && cpu == "" {
			// Go's nearest thing to a GIL is GOMAXPROCS=1, so BusyLoop
			// compares it with =ncpu unless -cpu says otherwise.
			cpu = "1," + ncpu
		}
		var pps []profilePass
		if o.Profile && rest == "" {
			pps = profile(f, host.This().NCPU)
		}
		if len(pps) == 0 {
			pps = []profilePass{{rest: rest}}
		}
		for _, pp := range pps {
			count, benchtime := o.Count, o.Benchtime
			if pp.count > 0 {
				count = min(count, pp.count)
			}
			if pp.benchtime != "" {
				benchtime = pp.benchtime
			}
			args := []string{"-test.run", "^$", "-test.bench", Pattern(f, pp.rest), "-test.count", strconv.Itoa(count),
				"-test.benchtime", benchtime, "-test.timeout", o.Timeout}
			if cpu != "" {
				args = append(args, "-test.cpu", cpu)
			}
			passes = append(passes, pass{family: f, args: args, env: pp.env, expect: pp.expect})
		}
	}
	return passes, nil
}

// runPass runs one pass with env (the worker's) added to the pass's own.
func (o Options) runPass(ctx context.Context, bin string, p pass, env []string, out io.Writer, samples string) error {
	cmd := exec.CommandContext(ctx, bin, p.args...)
	cmd.Dir = o.Pkg
	cmd.Env = slices.Concat(os.Environ(), p.env, env, []string{envSamplesDir + "=" + samples, deps.EnvSaid + "=1"})
	cmd.Stdout, cmd.Stderr = out, o.Stderr
	// An interrupt reaches the bench binary as SIGINT, so that it can remove
	// its private TMPDIR (internal/leakcheck); it is killed if it has not
	// ended 10 s later.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	// The bench binary dies with the recorder, even one killed with
	// SIGKILL; its own children have Pdeathsig too (package proc).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("%s: interrupted (%w); nothing stored", p.family, context.Cause(ctx))
	}
	if err != nil {
		return fmt.Errorf("%s: %w; nothing stored", p.family, err)
	}
	return nil
}

// appendReference runs the kernel's reference figures into out. They are a
// supplement: if they fail, the benchmarks are stored without them.
func (o Options) appendReference(ctx context.Context, out io.Writer) {
	fmt.Fprintf(o.Stderr, "concbench: kernel reference (perf bench sched pipe, /bin/true spawns), -count %d\n", o.Count)
	var buf bytes.Buffer
	err := Reference(ctx, &buf, RefOptions{Count: o.Count, Stderr: o.Stderr})
	if err != nil {
		fmt.Fprintf(o.Stderr, "concbench: reference failed, results stored without it: %v\n", err)
		return
	}
	out.Write(buf.Bytes())
}

// envWorker is model.EnvWorker, spelled out for the same reason as
// envSamplesDir.
const envWorker = "CONCBENCH_WORKER"

// workerPkg is the process model's static worker.
const workerPkg = "github.com/concbench/concbench/cmd/concbench-worker"

// build builds the bench binary and, at the same time, the process
// model's static worker, which every pass then gets in its environment:
// without it each pass would go build the worker as it starts (bench's
// worker_test.go), a fraction of a second each time, and on a cold cache
// the first pass would compile it, in its own configuration
// (CGO_ENABLED=0), after the bench binary instead of beside it. A worker
// that does not build is left to the passes, whose config line says what
// their workers ran from.
func (o Options) build(ctx context.Context, work string) (bin string, env []string, err error) {
	if os.Getenv(envWorker) != "" {
		bin, err = BuildBench(ctx, o.Go, o.Pkg, work, o.Stderr)
		return bin, nil, err
	}
	worker := filepath.Join(work, "concbench-worker")
	var werr error
	var wg sync.WaitGroup
	wg.Go(func() {
		cmd := exec.CommandContext(ctx, o.Go, "build", "-o", worker, workerPkg)
		cmd.Dir, cmd.Env = o.Pkg, append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			werr = fmt.Errorf("%w: %s", err, bytes.TrimSpace(out))
		}
	})
	bin, err = BuildBench(ctx, o.Go, o.Pkg, work, o.Stderr)
	wg.Wait()
	if err != nil {
		return "", nil, err
	}
	if werr != nil {
		fmt.Fprintf(o.Stderr, "concbench: warning: build %s: %v; each pass builds its own\n", workerPkg, werr)
		return bin, nil, nil
	}
	return bin, []string{envWorker + "=" + worker}, nil
}

// BuildBench builds the bench binary of pkg into dir with goCmd.
func BuildBench(ctx context.Context, goCmd, pkg, dir string, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, "bench.test")
	if !filepath.IsAbs(pkg) {
		pkg = "./" + filepath.Clean(pkg)
	}
	cmd := exec.CommandContext(ctx, goCmd, "test", "-c", "-o", bin, pkg)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s with %s: %w", pkg, goCmd, errors.Join(err, context.Cause(ctx)))
	}
	return bin, nil
}

// profilePass is one pass of a family in make report's short profile.
type profilePass struct {
	rest      string   // the sub-benchmark filter; "" runs the family whole
	count     int      // at most this many counts; 0: the run's -count
	benchtime string   // "": the run's -benchtime
	env       []string // added to the bench binary's environment
	expect    float64  // seconds it took on the reference machine (progress line's estimate)
}

// profile is how the short profile of make report runs a family: the
// points its summary rows and charts need, in passes small enough that
// every family fits in the profile's few minutes (docs/report.md has the
// times). It keeps -count 6 (the fewest samples with a 95% confidence
// interval) for the rows that answer the summary's questions and takes
// fewer counts, fewer sizes or fewer ops for the rest. A family not named
// here runs whole. go test matches a filter level by level and reports no
// row with fewer levels than the filter, so a row with a level more where
// the filter has its workers= (Scale's pipe=raw) stays out, and a level
// more after the filter's last (IPC's check=bare) stays in.
func profile(family string, n int) []profilePass {
	gtp, gtpWeb := "(goroutine|thread|process)$", "(goroutine|prefork|reuseport)$"
	ncpu, twice := strconv.Itoa(n), strconv.Itoa(2*n) // Scale's workers run 1, 2, 4 … 2×ncpu
	return map[string][]profilePass{
		"BenchmarkSampler":     {{expect: 0.2}},
		"BenchmarkCoroutine":   {{expect: 0.7}},
		"BenchmarkCounter":     {{expect: 4.2}},
		"BenchmarkLocal":       {{expect: 3.6}},
		"BenchmarkSpawn":       {{expect: 1.8}},
		"BenchmarkSpawnParent": {{benchtime: "5x", expect: 8}}, // every op is 1–70 ms: a fixed count, not a rerun after 10 ms
		"BenchmarkStop":        {{expect: 1.9}},
		"BenchmarkSubprocess":  {{expect: 2.2}},
		// a 0.2 s busy loop: 2 of the sampler's 100 ms windows per core
		"BenchmarkBusyLoop": {{rest: ".*/workers=" + ncpu + "$", count: 2, env: []string{"CONCBENCH_BUSY_SECONDS=0.2"}, expect: 7.5}},
		// Distributed's, Scale's and Web's ops are pipelined (put now,
		// checked after the loop), so b.Loop's ramp-up sees no time in
		// its first steps and runs at least 100 ops: rows whose op takes
		// a millisecond or more get a fixed number of ops instead.
		"BenchmarkDistributed":      {{rest: "queue=/hosts=1$/procs=1$/rtt=0$/task=square$", count: 3, benchtime: "1000x", expect: 4.9}},
		"BenchmarkManagerQueue":     {{count: 3, benchtime: "1000x", expect: 1.8}},
		"BenchmarkDistributedFault": {{rest: "queue=/fault=kill$", count: 1, benchtime: "1x", expect: 6.6}}, // an op is a whole run
		"BenchmarkIPC": {
			{rest: "pattern=/transport=/peer=" + gtp + "/size=(8B|64KiB)$", expect: 12},
			{rest: "pattern=/transport=/peer=python-process$/size=8B$", count: 3, expect: 1.2},
			// the coarse size sweep of the transports' break-even sizes
			{rest: "pattern=pingpong$/transport=/peer=(goroutine|process)$/size=(512B|8KiB|1MiB)$", count: 3, expect: 5},
		},
		"BenchmarkPool": {
			{rest: "kernel=noop$/model=" + gtp + "/mode=/chunk=(1|64)$", expect: 4.1},
			{rest: "kernel=noop$/model=python-/mode=(map|apply)$/chunk=(1|64)$", count: 2, benchtime: "5x", expect: 6},
			{rest: "kernel=sha256$/model=/mode=map$/chunk=64$", count: 2, benchtime: "5x", expect: 4}, // an op is ~130 ms
			{rest: "kernel=noop$/model=" + gtp + "/mode=map$/chunk=(8|512)$", count: 3, expect: 1.5},  // the chunk sweep's knee
		},
		"BenchmarkScale": {
			{rest: "kind=/kernel=(noop|sha256)$/model=/workers=(1|" + ncpu + "|" + twice + ")$", expect: 5.2},
			{rest: "kind=/kernel=sleep$/model=/workers=(1|" + twice + ")$", benchtime: "40x", expect: 8.6},
			{rest: "kind=/kernel=(busyloop|memwalk|fsync|tcp)$/model=" + gtp + "/workers=(1|" + ncpu + ")$", count: 1, expect: 4}, // the chart's other kernels
		},
		// three work sizes, 1 µs to 4 ms of Go work, at ncpu workers (the
		// answers' point; make bench sweeps every size at 1 and ncpu)
		"BenchmarkScaleWork": {
			{rest: "work=(8|512|32768)$/model=/workers=" + ncpu + "$", count: 3, expect: 9},
			{rest: "work=(8|512|32768)$/model=goroutine$/workers=1$", count: 3, expect: 1}, // a task's time, to say work sizes in
		},
		// conns=16 is the summary's point; gunicorn's start-up (~1 s)
		// makes its rows the dearest.
		"BenchmarkWeb": {
			{rest: "server=" + gtpWeb + "/workers=" + ncpu + "$/gomaxprocs=/path=/conns=16$", benchtime: "1000x", expect: 5.3},
			{rest: "server=" + gtpWeb + "/workers=" + ncpu + "$/gomaxprocs=/path=/conns=1$", count: 2, benchtime: "200x", expect: 2.5},
			{rest: "server=" + gtpWeb + "/workers=" + ncpu + "$/gomaxprocs=/path=/conns=256$", count: 1, benchtime: "2560x", expect: 2.2},
			{rest: "server=gunicorn-/workers=" + ncpu + "$/path=/conns=16$", count: 2, benchtime: "300x", expect: 3.8},
		},
		"BenchmarkWebOpen":      {{rest: "server=/workers=" + ncpu + "$", count: 2, benchtime: "50x", expect: 5}},     // 0.1 s at 500 req/s
		"BenchmarkWebCounter":   {{rest: "server=/workers=" + ncpu + "$", count: 1, benchtime: "1000x", expect: 4.5}}, // a fresh server per run
		"BenchmarkWebReference": {{count: 1, expect: 2.1}},                                                            // an op is a second of wrk and a second of ours
	}[family]
}
