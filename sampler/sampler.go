// Package sampler measures how busy each CPU core is, window by window, from
// the kernel's per-core time counters (gopsutil v4 cpu.Times(true), which
// reads /proc/stat on Linux).
//
// It is how concbench watches the seeds' GIL experiment the way the seeds
// watch it with top: one busy x ^= 1 loop per core, then "how many cores are
// actually busy?" A model that uses all cores shows busy-cores near the core
// count; Python threads under the GIL show about one busy core in total,
// spread thinly over all of them.
//
// # How a caller uses it
//
// Start a Sampler, run the thing to watch, Stop it and read the Series:
//
//	s, err := sampler.Start(ctx, sampler.Options{})   // 100 ms windows
//	... run the workload ...
//	series, err := s.Stop()
//	series.BusyCores()          // mean over windows of the summed core utilisation (steal excluded)
//	series.CoreUtilRange()      // least and most busy core, % (each core's mean)
//	series.StealPct()           // mean steal time, % of a core
//	series.WriteCSV(w)          // t_ms,cpu,util_pct,steal_pct for a heatmap
//
// Options.Windows makes the sampler stop by itself after that many kept
// windows (Done is closed), so the measured time is a whole number of windows;
// Options.OnWindow sees each window as it closes (the live view draws bars
// from it). Read and Snapshot.Since are the single step underneath, exported
// so that its cost can be benchmarked.
//
// # What counts as busy
//
// A window is the difference of two reads of the counters. Per core:
//
//	busy  = user + nice + system + irq + softirq
//	total = busy + idle + iowait + steal
//	util  = busy / (total - steal)        steal% = steal / total
//
// guest and guest_nice are left out of both sums because the kernel already
// counts them inside user and nice; iowait is idle time (the core could have
// run something else). steal is kept apart: it is time the hypervisor gave
// this virtual core's turn to another guest, a noisy-neighbour signal, not
// work done here, so a high steal% says the run was disturbed rather than
// that the workload was slow. util is of the time the core was this guest's
// to use: a loop that spun whenever it could reads 1.0, not 1 - steal (with
// busy / total, 1% steal made two spinning Python processes read 1.98 busy
// cores). The denominator is the counters' own total, not the wall clock, so
// a late tick does not inflate a window.
//
// # Resolution
//
// The counters tick at USER_HZ, 100 Hz: a tick charges a whole 10 ms to
// whatever the core was doing at that moment. A 100 ms window holds 10
// ticks per core, so one core's util in one window is a multiple of about
// 0.1; a 1 s run keeps 10 windows of every core, and the mean over them
// moves in steps of about 0.01 per core (0.02 busy cores on 2 cores).
//
// # Why windows are dropped
//
// The first window is always discarded: it spans the start of whatever is
// being watched (threads being created, an interpreter importing its
// modules), which is not the steady state the question is about. The last,
// partial window at Stop is discarded too: at 100 Hz ticks a short window is
// mostly rounding.
//
// # What it costs
//
// One sample (read /proc/stat, parse every core, take the difference) is
// benchmarked by BenchmarkSampler in package bench. TestReadCost times the
// same step on a locked thread with getrusage(RUSAGE_THREAD): 7-13 µs of CPU
// per sample on a 2 vCPU Intel Xeon VM (a shared machine), 0.007-0.013% of
// one core at the default ten samples a second; it fails at 0.05%. TestCost
// bounds the whole cost from above with getrusage around a sampler running
// 100 times as fast, charging the whole process's CPU (timer wake-ups,
// scheduling) to the sampler: 64-86 µs per sample there, 0.064-0.086% of one
// core at the default interval; it fails at 0.2%. Either bound fails a
// sampler ten times as costly.
//
// # Time series for pictures
//
// When the environment variable CONCBENCH_SAMPLES_DIR names a directory,
// SaveCSV (called by the busy-loop benchmark and concbench gil) writes each
// run's series there as <sanitised run name>.csv, never overwriting a file
// that exists (a -1, -2 ... suffix is added instead). The reporter draws its
// per-core heatmap from these files.
//
// # Why it lives here
//
// The package is top level (github.com/concbench/concbench/sampler) rather
// than bench/sampler because bench holds only _test.go files by design, and
// more than the benchmarks use it: the live view (concbench gil) and the
// experiment runner (family/busy) import it too. It depends on nothing in
// concbench but the leaf internal/fileerr (its file:line error), so
// anything that wants per-core figures can use it.
package sampler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
)

// DefaultInterval is the window length when Options.Interval is zero: 10
// ticks of the 100 Hz counters per core, so that a 1 s run keeps 10 windows
// of every core (see Resolution in the package comment).
const DefaultInterval = 100 * time.Millisecond

// EnvSamplesDir names the directory SaveCSV writes to (see SamplesDir).
const EnvSamplesDir = "CONCBENCH_SAMPLES_DIR"

// Snapshot is one read of every core's counters.
type Snapshot struct {
	At    time.Time
	CPUs  []int // CPU ids, in the kernel's order
	busy  []float64
	steal []float64
	total []float64
}

// Read reads the counters of every core now.
func Read() (Snapshot, error) {
	ts, err := cpu.Times(true)
	at := time.Now()
	if err != nil {
		return Snapshot{}, fmt.Errorf("sampler: read cpu times: %w", err)
	}
	return fromTimes(at, ts)
}

// fromTimes turns gopsutil's per-core times into a Snapshot (see the
// package comment for which fields count as busy).
func fromTimes(at time.Time, ts []cpu.TimesStat) (Snapshot, error) {
	if len(ts) == 0 {
		// cpu.Times hides a failed read of /proc/stat behind an empty list.
		return Snapshot{}, errors.New("sampler: read cpu times: no per-cpu lines (is /proc mounted?)")
	}
	s := Snapshot{At: at, CPUs: make([]int, len(ts)), busy: make([]float64, len(ts)),
		steal: make([]float64, len(ts)), total: make([]float64, len(ts))}
	for i, t := range ts {
		id, err := strconv.Atoi(strings.TrimPrefix(t.CPU, "cpu"))
		if err != nil || !strings.HasPrefix(t.CPU, "cpu") {
			return Snapshot{}, fmt.Errorf("sampler: read cpu times: bad cpu name %q", t.CPU)
		}
		s.CPUs[i] = id
		s.busy[i] = t.User + t.Nice + t.System + t.Irq + t.Softirq
		s.steal[i] = t.Steal
		s.total[i] = s.busy[i] + t.Idle + t.Iowait + t.Steal
	}
	return s, nil
}

// Window is the utilisation of every core between two reads, in the order
// of Series.CPUs: Util is busy time as a fraction of the time the core was
// not stolen, Steal the stolen fraction of all its time (both 0..1).
type Window struct {
	Start, End time.Duration // since the sampler started
	Util       []float64
	Steal      []float64
}

// Since returns the window from prev to s.
func (s Snapshot) Since(prev Snapshot) (Window, error) {
	if len(s.CPUs) != len(prev.CPUs) {
		return Window{}, fmt.Errorf("sampler: cpu count changed from %d to %d (hotplug?)", len(prev.CPUs), len(s.CPUs))
	}
	w := Window{Util: make([]float64, len(s.CPUs)), Steal: make([]float64, len(s.CPUs))}
	for i := range s.CPUs {
		if s.CPUs[i] != prev.CPUs[i] {
			return Window{}, fmt.Errorf("sampler: cpu list changed (cpu%d became cpu%d)", prev.CPUs[i], s.CPUs[i])
		}
		total := s.total[i] - prev.total[i]
		steal := s.steal[i] - prev.steal[i]
		if total <= 0 {
			continue // no tick on this core in the window: nothing to say
		}
		w.Steal[i] = clamp01(steal / total)
		if own := total - steal; own > 0 {
			w.Util[i] = clamp01((s.busy[i] - prev.busy[i]) / own)
		}
	}
	return w, nil
}

// clamp01 also absorbs counters that step backwards (the kernel allows it
// for iowait, and so a total can briefly disagree with its parts).
func clamp01(x float64) float64 { return math.Min(1, math.Max(0, x)) }

// Options configures a Sampler. The zero value samples DefaultInterval
// windows until Stop.
type Options struct {
	Interval time.Duration
	// Windows, when > 0, is how many windows to keep; the sampler then stops
	// by itself and closes Done.
	Windows int
	// OnWindow, when set, is called from the sampler's goroutine with the
	// CPU ids and each kept window as it closes. It must return quickly:
	// the next window is being measured meanwhile.
	OnWindow func(cpus []int, w Window)
	// OnDrop, when set, is called from the sampler's goroutine as the first
	// window, the dropped one, closes: the moment the kept windows begin,
	// for a caller that measures something else over the same span.
	OnDrop func()
}

// Sampler samples in a goroutine of its own until Stop.
type Sampler struct {
	opt    Options
	start  time.Time
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	series Series
	err    error
}

// Start takes the first read and starts sampling. The sampler also stops
// when ctx is done.
func Start(ctx context.Context, opt Options) (*Sampler, error) {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	first, err := Read()
	if err != nil {
		return nil, err
	}
	s := &Sampler{opt: opt, start: first.At, stop: make(chan struct{}), done: make(chan struct{}),
		series: Series{Interval: opt.Interval, CPUs: first.CPUs}}
	go s.run(ctx, first)
	return s, nil
}

func (s *Sampler) run(ctx context.Context, prev Snapshot) {
	defer close(s.done)
	t := time.NewTicker(s.opt.Interval)
	defer t.Stop()
	for dropped := false; ; {
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-t.C:
		}
		cur, err := Read()
		if err == nil {
			var w Window
			if w, err = cur.Since(prev); err == nil {
				w.Start, w.End = prev.At.Sub(s.start), cur.At.Sub(s.start)
				if dropped {
					s.series.Windows = append(s.series.Windows, w)
					if s.opt.OnWindow != nil {
						s.opt.OnWindow(s.series.CPUs, w)
					}
				}
				if !dropped && s.opt.OnDrop != nil {
					s.opt.OnDrop()
				}
				dropped = true
			}
		}
		if err != nil {
			s.err = err
			return
		}
		prev = cur
		if s.opt.Windows > 0 && len(s.series.Windows) >= s.opt.Windows {
			return
		}
	}
}

// Done is closed when the sampler has stopped by itself: it kept
// Options.Windows windows, its context ended, or a read failed.
func (s *Sampler) Done() <-chan struct{} { return s.done }

// Stop ends sampling (the partial window in progress is not kept) and
// returns the series, with the error of a failed read if there was one.
func (s *Sampler) Stop() (Series, error) {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return s.series, s.err
}

// Series is what a sampler saw: kept windows, each with every core.
type Series struct {
	Interval time.Duration
	CPUs     []int // CPU ids; Window.Util[i] is CPU CPUs[i]
	Windows  []Window
}

// Append adds the windows of t (same cores) after those of s: the series of
// several runs of one experiment, for their summary.
func (s Series) Append(t Series) (Series, error) {
	if len(s.CPUs) == 0 {
		return t, nil
	}
	if fmt.Sprint(s.CPUs) != fmt.Sprint(t.CPUs) {
		return s, fmt.Errorf("sampler: append series of cpus %v to %v", t.CPUs, s.CPUs)
	}
	s.Windows = append(s.Windows[:len(s.Windows):len(s.Windows)], t.Windows...)
	return s, nil
}

// BusyCores is the mean over windows of the sum of every core's
// utilisation: how many cores' worth of work the machine did (2.0 = two
// cores fully busy, whichever cores they were). Each core's utilisation is
// of its time not stolen by the hypervisor; StealPct says how much was.
func (s Series) BusyCores() float64 {
	if len(s.Windows) == 0 {
		return 0
	}
	var sum float64
	for _, w := range s.Windows {
		for _, u := range w.Util {
			sum += u
		}
	}
	return sum / float64(len(s.Windows))
}

// CoreMean is each core's mean utilisation over the windows, as a
// fraction, keyed by CPU id.
func (s Series) CoreMean() map[int]float64 {
	out := make(map[int]float64, len(s.CPUs))
	if len(s.Windows) == 0 {
		return out
	}
	for i, id := range s.CPUs {
		var sum float64
		for _, w := range s.Windows {
			sum += w.Util[i]
		}
		out[id] = sum / float64(len(s.Windows))
	}
	return out
}

// CoreUtilRange is the least and the most busy core, in percent of one
// core, each core taken as its mean over the windows. Python threads under
// the GIL give min ≈ max ≈ 100/ncpu: every core used a little, none fully.
func (s Series) CoreUtilRange() (minPct, maxPct float64) {
	m := s.CoreMean()
	if len(m) == 0 {
		return 0, 0
	}
	minPct, maxPct = math.Inf(1), math.Inf(-1)
	for _, u := range m {
		minPct, maxPct = math.Min(minPct, 100*u), math.Max(maxPct, 100*u)
	}
	return minPct, maxPct
}

// StealPct is the mean steal time per core, in percent of one core.
func (s Series) StealPct() float64 {
	if len(s.Windows) == 0 || len(s.CPUs) == 0 {
		return 0
	}
	var sum float64
	for _, w := range s.Windows {
		for _, v := range w.Steal {
			sum += v
		}
	}
	return 100 * sum / float64(len(s.Windows)*len(s.CPUs))
}

// SamplesDir is the directory named by CONCBENCH_SAMPLES_DIR, or "" when
// time series are not wanted.
func SamplesDir() string { return os.Getenv(EnvSamplesDir) }

// SaveCSV writes s as CSV into dir, in a file named after run (a benchmark
// name like BenchmarkBusyLoop/model=thread/workers=2), sanitised to
// letters, digits, '=', '-', '.' and '_'. It creates dir if needed and never
// replaces an existing file: the name gets a -1, -2 ... suffix instead.
func SaveCSV(dir, run string, s Series) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("sampler: samples dir: %w", err)
	}
	base := Sanitize(run)
	for n := 0; ; n++ {
		name := base
		if n > 0 {
			name += "-" + strconv.Itoa(n)
		}
		path := filepath.Join(dir, name+".csv")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("sampler: save %s: %w", path, err)
		}
		err = s.WriteCSV(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("sampler: save %s: %w", path, err)
		}
		return path, nil
	}
}

// Sanitize turns a run name into a file name: '/' becomes '_' and anything
// but letters, digits, '=', '-', '.' and '_' becomes '-'.
func Sanitize(run string) string {
	var b strings.Builder
	for _, r := range run {
		switch {
		case r == '/':
			b.WriteByte('_')
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '=', r == '-', r == '.', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "run"
	}
	return b.String()
}
