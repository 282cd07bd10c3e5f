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
	"syscall"
	"time"

	"github.com/concbench/concbench/internal/host"
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
}

// Run records and returns the stored file's path. Any error means that
// nothing was stored and nothing of this run is left behind.
func Run(ctx context.Context, o Options) (string, error) {
	o = o.withDefaults()
	dir := filepath.Join(o.Root, host.ID())
	var err error
	if o.Bin != "" {
		if o.Bin, err = filepath.Abs(o.Bin); err != nil {
			return "", fmt.Errorf("record: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("record: %w", err)
	}
	if err := RemoveStale(dir, tmpPrefix); err != nil {
		fmt.Fprintln(o.Stderr, "concbench: warning:", err)
	}
	work, err := MkdirOwned(dir, tmpPrefix)
	if err == nil {
		work, err = filepath.Abs(work) // the bench binary runs in Pkg
	}
	if err != nil {
		return "", fmt.Errorf("record: %w", err)
	}
	defer os.RemoveAll(work)
	txt, samples := filepath.Join(work, "run.txt"), filepath.Join(work, "samples")
	if err := o.record(ctx, work, txt, samples); err != nil {
		return "", err
	}
	path, err := Store(dir, o.Stamp, txt, samples)
	if err != nil {
		return "", fmt.Errorf("record: %w", err)
	}
	fmt.Fprintf(o.Stderr, "concbench: stored %s\n", path)
	if s := strings.TrimSuffix(path, ".txt") + ".samples"; nonEmptyDir(s) {
		fmt.Fprintf(o.Stderr, "concbench: per-core samples in %s/\n", s)
	}
	return path, nil
}

// record runs every pass (and the reference) into txt.
func (o Options) record(ctx context.Context, work, txt, samples string) error {
	bin := o.Bin
	if bin == "" {
		var err error
		if bin, err = BuildBench(ctx, o.Go, o.Pkg, work, o.Stderr); err != nil {
			return err
		}
	}
	passes, err := o.plan(ctx, bin)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(txt, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	defer out.Close()
	start := time.Now()
	for i, p := range passes {
		fmt.Fprintf(o.Stderr, "concbench: [%d/%d] %s: %s\n", i+1, len(passes), p.family, strings.Join(p.args, " "))
		t0 := time.Now()
		if err := o.runPass(ctx, bin, p, io.MultiWriter(out, o.Stdout), samples); err != nil {
			return err
		}
		fmt.Fprintf(o.Stderr, "concbench: [%d/%d] %s done in %s (total %s)\n", i+1, len(passes), p.family,
			time.Since(t0).Round(time.Second), time.Since(start).Round(time.Second))
	}
	if o.Reference && slices.ContainsFunc(passes, func(p pass) bool { return p.family == "BenchmarkIPC" || p.family == "BenchmarkSpawn" }) {
		o.appendReference(ctx, io.MultiWriter(out, o.Stdout))
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("record: %w", err)
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
		return nil, fmt.Errorf("record: list benchmarks of %s: %w", bin, err)
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
		pattern, count, cpu := Pattern(f, rest), o.Count, o.CPU
		if o.Profile && rest == "" {
			if p, ok := profile(f, ncpu); ok {
				pattern, count = Pattern(f, p.rest), min(count, p.count)
			}
		}
		if f == "BenchmarkBusyLoop" && cpu == "" {
			// Go's nearest thing to a GIL is GOMAXPROCS=1, so BusyLoop
			// compares it with =ncpu unless -cpu says otherwise.
			cpu = "1," + ncpu
		}
		args := []string{"-test.run", "^$", "-test.bench", pattern, "-test.count", strconv.Itoa(count),
			"-test.benchtime", o.Benchtime, "-test.timeout", o.Timeout}
		if cpu != "" {
			args = append(args, "-test.cpu", cpu)
		}
		passes = append(passes, pass{f, args})
	}
	return passes, nil
}

func (o Options) runPass(ctx context.Context, bin string, p pass, out io.Writer, samples string) error {
	cmd := exec.CommandContext(ctx, bin, p.args...)
	cmd.Dir = o.Pkg
	cmd.Env = append(os.Environ(), envSamplesDir+"="+samples)
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
		return fmt.Errorf("record: %s: interrupted (%w); nothing stored", p.family, context.Cause(ctx))
	}
	if err != nil {
		return fmt.Errorf("record: %s: %w; nothing stored", p.family, err)
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

// BuildBench builds the bench binary of pkg into dir with goCmd.
func BuildBench(ctx context.Context, goCmd, pkg, dir string, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, "bench.test")
	if !filepath.IsAbs(pkg) {
		pkg = "./" + filepath.Clean(pkg)
	}
	cmd := exec.CommandContext(ctx, goCmd, "test", "-c", "-o", bin, pkg)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("record: build %s with %s: %w", pkg, goCmd, errors.Join(err, context.Cause(ctx)))
	}
	return bin, nil
}

// profileFamily is how make report's short profile narrows one family.
type profileFamily struct {
	rest  string // the sub-benchmark filter
	count int    // at most this many counts
}

// profile narrows, in the short profile, the families whose every op is a
// whole experiment (a second of busy loop, hosts brought up, a server under
// load): the points their summary row and charts need, at workers=ncpu,
// and fewer counts for the slowest. Every other family runs whole.
func profile(family, ncpu string) (profileFamily, bool) {
	p, ok := map[string]profileFamily{
		"BenchmarkBusyLoop":         {".*/workers=" + ncpu + "$", 2},
		"BenchmarkDistributed":      {"queue=/hosts=1$/procs=1$/rtt=0$", 6},
		"BenchmarkDistributedFault": {"queue=/fault=kill$", 2},
		"BenchmarkWeb":              {"server=/workers=" + ncpu + "$", 6},
		"BenchmarkWebOpen":          {"server=/workers=" + ncpu + "$", 2},
		"BenchmarkWebCounter":       {"server=/workers=" + ncpu + "$", 2},
		"BenchmarkWebReference":     {"", 2},
	}[family]
	return p, ok
}
