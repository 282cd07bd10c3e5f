package record

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/internal/host"
)

// RefOptions say how much of the kernel's reference to run.
type RefOptions struct {
	Count  int // rounds, default 5
	Loops  int // round trips per perf run, default 100000
	Spawns int // /bin/true spawns per round, default 2000
	// Ours also runs our pipe ping-pong and the process model's no-op task
	// (with the bench binary Bin in Dir), interleaved with perf, and ends
	// with their ratios to perf.
	Ours     bool
	Bin, Dir string
	Stderr   io.Writer
}

// Our rows that the reference is the floor of: one op of each is one round
// trip over two pipes between two processes, like one perf op.
const (
	ourPingPong = "IPC/pattern=pingpong/transport=pipe-raw/peer=process/size=8B$"
	ourTask     = "Scale/kind=cpu/kernel=noop/model=process/workers=1$"
)

// Reference writes the kernel-level reference figures in benchfmt, to sit
// beside concbench's own:
//
//	BenchmarkReference/tool=perf-sched-pipe/peer=process   perf bench sched pipe
//	BenchmarkReference/tool=perf-sched-pipe/peer=thread    perf bench sched pipe -T
//	BenchmarkReference/tool=spawn-true/via=bash            fork+exec+wait of /bin/true, timed inside bash
//
// The output starts with config lines like a go test -bench run (cpu,
// ncpu, kernel, host-id, commit), so that it files with ours. Without a
// perf that runs, the perf rows are replaced by one "# skip" line saying
// why, and the rest still runs: a missing tool is not an error.
func Reference(ctx context.Context, w io.Writer, o RefOptions) error {
	if o.Count == 0 {
		o.Count = 5
	}
	if o.Loops == 0 {
		o.Loops = 100000
	}
	if o.Spawns == 0 {
		o.Spawns = 2000
	}
	for _, l := range configLines(ctx) {
		fmt.Fprintln(w, l)
	}
	r := &refRun{RefOptions: o, w: w, perf: perfRuns(ctx, w)}
	if r.perf || o.Ours {
		for i := 0; i < o.Count; i++ {
			if err := r.round(ctx); err != nil {
				return err
			}
		}
	}
	for i := 0; i < o.Count; i++ {
		ns, err := spawnTrue(ctx, o.Spawns)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "BenchmarkReference/tool=spawn-true/via=bash \t %d \t %.0f ns/op\n", o.Spawns, ns)
	}
	r.ratios()
	return nil
}

type refRun struct {
	RefOptions
	w                io.Writer
	perf             bool
	perfNS, pp, task []float64
}

// round is perf, ours, perf -T: drift on a noisy machine hits both alike.
func (r *refRun) round(ctx context.Context) error {
	if r.perf {
		ns, err := perfPipe(ctx, r.Loops)
		if err != nil {
			return err
		}
		r.perfNS = append(r.perfNS, ns)
		fmt.Fprintf(r.w, "BenchmarkReference/tool=perf-sched-pipe/peer=process \t %d \t %.1f ns/op\n", r.Loops, ns)
	}
	if r.Ours {
		for _, o := range []struct {
			pattern string
			into    *[]float64
		}{{ourPingPong, &r.pp}, {ourTask, &r.task}} {
			line, ns, err := r.runOurs(ctx, o.pattern)
			if err != nil {
				return err
			}
			fmt.Fprintln(r.w, line)
			*o.into = append(*o.into, ns)
		}
	}
	if r.perf {
		ns, err := perfPipe(ctx, r.Loops, "-T")
		if err != nil {
			return err
		}
		fmt.Fprintf(r.w, "BenchmarkReference/tool=perf-sched-pipe/peer=thread \t %d \t %.1f ns/op\n", r.Loops, ns)
	}
	return nil
}

func (r *refRun) ratios() {
	switch {
	case len(r.pp) == 0:
	case len(r.perfNS) == 0:
		fmt.Fprintln(r.w, "# skip: no perf figures, so no ratio")
	default:
		p, o, t := median(r.perfNS), median(r.pp), median(r.task)
		fmt.Fprintf(r.w, "# ratio: pipe-raw process pingpong 8B / perf bench sched pipe = %.0f / %.0f ns = %.2fx (target <= 1.30x)\n", o, p, o/p)
		fmt.Fprintf(r.w, "# ratio: process model no-op task / perf bench sched pipe = %.0f / %.0f ns = %.2fx (target <= 1.50x)\n", t, p, t/p)
	}
}

// perfRuns says whether perf bench sched pipe runs here (Debian's perf
// wrapper may be there without the tools for this kernel); if not, it
// writes the "# skip" line.
func perfRuns(ctx context.Context, w io.Writer) bool {
	if _, err := exec.LookPath("perf"); err != nil {
		fmt.Fprintln(w, "# skip: perf not installed (Debian: apt-get install linux-perf, or make deps); no perf-sched-pipe reference")
		return false
	}
	if out, err := exec.CommandContext(ctx, "perf", "bench", "sched", "pipe", "-l", "1").CombinedOutput(); err != nil {
		why, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		if why == "" {
			why = err.Error()
		}
		fmt.Fprintln(w, "# skip: perf bench sched pipe does not run here:", why)
		return false
	}
	return true
}

// perfPipe runs perf bench sched pipe once and returns ns per round trip.
func perfPipe(ctx context.Context, loops int, extra ...string) (float64, error) {
	args := append([]string{"bench", "sched", "pipe", "-l", strconv.Itoa(loops)}, extra...)
	out, err := exec.CommandContext(ctx, "perf", args...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("perf %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.Contains(l, "usecs/op") {
			if us, err := strconv.ParseFloat(f[0], 64); err == nil {
				return us * 1000, nil
			}
		}
	}
	return 0, fmt.Errorf("perf %s printed no usecs/op: %s", strings.Join(args, " "), bytes.TrimSpace(out))
}

// spawnTrue times spawns fork+exec+waits of /bin/true from bash, inside
// bash (so bash's own start is not counted), and returns ns per spawn.
func spawnTrue(ctx context.Context, spawns int) (float64, error) {
	const script = `s=$EPOCHREALTIME; for ((j = 0; j < $1; j++)); do /bin/true; done; echo "$s $EPOCHREALTIME"`
	out, err := exec.CommandContext(ctx, "bash", "-c", script, "bash", strconv.Itoa(spawns)).Output()
	if err != nil {
		return 0, fmt.Errorf("/bin/true spawns from bash: %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return 0, fmt.Errorf("bash printed %q, want two $EPOCHREALTIME stamps", out)
	}
	t0, err0 := strconv.ParseFloat(f[0], 64)
	t1, err1 := strconv.ParseFloat(f[1], 64)
	if err0 != nil || err1 != nil || t1 < t0 {
		return 0, fmt.Errorf("bash printed %q, want two increasing $EPOCHREALTIME stamps", out)
	}
	return (t1 - t0) * 1e9 / float64(spawns), nil
}

// runOurs runs one of our benchmarks once and returns its result line and
// its ns/op.
func (r *refRun) runOurs(ctx context.Context, pattern string) (string, float64, error) {
	cmd := exec.CommandContext(ctx, r.Bin, "-test.run", "^$", "-test.bench", pattern, "-test.count", "1")
	cmd.Dir, cmd.Stderr = r.Dir, r.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", 0, fmt.Errorf("benchmark %s: %w", pattern, err)
	}
	prefix, _, _ := strings.Cut(pattern, "/")
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "Benchmark"+prefix+"/") {
			continue
		}
		if i := slices.Index(f, "ns/op"); i > 0 {
			if ns, err := strconv.ParseFloat(f[i-1], 64); err == nil {
				return sc.Text(), ns, nil
			}
		}
	}
	return "", 0, fmt.Errorf("benchmark %s printed no ns/op result", pattern)
}

// configLines identify the machine and the run, as a go test -bench run's
// do (goos, goarch, pkg, cpu) with the bench binary's own (ncpu, kernel,
// host-id, commit).
func configLines(ctx context.Context) []string {
	m := host.This()
	lines := []string{"goos: " + runtime.GOOS, "goarch: " + runtime.GOARCH,
		"pkg: github.com/concbench/concbench/scripts/reference"}
	if m.CPU != "" {
		lines = append(lines, "cpu: "+m.CPU)
	}
	lines = append(lines, "ncpu: "+strconv.Itoa(m.NCPU))
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		lines = append(lines, "kernel: "+unix.ByteSliceToString(u.Release[:]))
	}
	lines = append(lines, "host-id: "+m.ID())
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		lines = append(lines, "commit: "+strings.TrimSpace(string(out)))
	}
	return lines
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
