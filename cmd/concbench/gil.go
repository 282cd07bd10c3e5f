//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/family/busy"
	"github.com/concbench/concbench/sampler"
)

// exitInterrupted is the exit status after Ctrl-C or SIGTERM (128+SIGINT,
// as shells report it).
const exitInterrupted = 130

// gilStep is one run of the live view: a model, and GOMAXPROCS for the
// in-process ones (0: leave it).
type gilStep struct {
	model      string
	gomaxprocs int
}

func runGIL(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gil", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: concbench gil [flags]

Runs the seeds' GIL experiment (one busy x ^= 1 loop per worker) under each
model in turn: goroutines at GOMAXPROCS=1 and at %d, locked threads, child
processes, then the seeds' Python threads and processes (when python3 is on
PATH). Draws every core's utilisation while each runs, then a summary table.
Ctrl-C stops at once, leaving no process behind (exit status 130).

flags:
`, runtime.NumCPU())
		fs.PrintDefaults()
	}
	seconds := fs.Float64("seconds", 3, "measured `seconds` per model (after one dropped warm-up window)")
	workers := fs.Int("workers", runtime.NumCPU(), "busy loops per model (the seeds run one per core)")
	models := fs.String("models", "", "comma-separated `models` to run (default all: "+strings.Join(allGILModels(), ",")+")")
	interval := fs.Duration("interval", sampler.DefaultInterval, "sampling window")
	samples := fs.String("samples", sampler.SamplesDir(), "`dir`ectory to save each run's per-core series as CSV (default $"+sampler.EnvSamplesDir+"; empty: none)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case !(*seconds > 0 && *seconds <= 3600):
		return fmt.Errorf("-seconds %v: want more than 0, at most 3600", *seconds)
	case *workers < 1 || *workers > 4096:
		return fmt.Errorf("-workers %d: want 1 to 4096", *workers)
	case *interval < 10*time.Millisecond:
		return fmt.Errorf("-interval %v: want at least 10ms (the kernel's counters tick at 100 Hz)", *interval)
	}
	steps, err := gilSteps(*models)
	if err != nil {
		return fmt.Errorf("-models: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := gilRun(ctx, stdout, steps, busy.Config{
		Workers:  *workers,
		Duration: time.Duration(*seconds * float64(time.Second)),
		Interval: *interval,
	}, *samples)
	if code != 0 {
		return &exitError{code, nil} // gilRun has said why on stderr
	}
	return nil
}

// allGILModels is every model the live view knows, in the order it runs
// them (the Go ones first, GOMAXPROCS=1 before the rest).
func allGILModels() []string {
	return busy.AllModels()
}

// gilSteps turns -models into runs: goroutine runs twice, at GOMAXPROCS=1
// (Go's GIL) and at the core count. The default is every model this machine
// has; a python model named explicitly without its interpreter is an error
// later, when it runs.
func gilSteps(list string) ([]gilStep, error) {
	want := busy.Models()
	if list != "" {
		want = nil
		known := strings.Join(allGILModels(), ",")
		for _, m := range strings.Split(list, ",") {
			m = strings.TrimSpace(m)
			if !strings.Contains(","+known+",", ","+m+",") || m == "" {
				return nil, fmt.Errorf("unknown model %q (have %s)", m, known)
			}
			want = append(want, m)
		}
	}
	var steps []gilStep
	for _, m := range want {
		if m == busy.Goroutine {
			steps = append(steps, gilStep{m, 1}, gilStep{m, runtime.NumCPU()})
		} else {
			steps = append(steps, gilStep{m, 0})
		}
	}
	return steps, nil
}

// gilRun runs the steps in turn, drawing bars on w, then the summary.
func gilRun(ctx context.Context, w io.Writer, steps []gilStep, base busy.Config, samples string) int {
	bars := &coreBars{w: w, tty: isTerminal(w)}
	var results []busy.Result
	var skipped []string
	code := 0
	for _, st := range steps {
		c := base
		c.Model, c.GOMAXPROCS = st.model, st.gomaxprocs
		c.OnWindow = bars.draw
		if busy.IsPython(st.model) {
			if _, err := busy.Interpreter(st.model); err != nil {
				skipped = append(skipped, fmt.Sprintf("%s: skipped: %v", st.model, err))
				fmt.Fprintf(w, "\n%s\n", skipped[len(skipped)-1])
				continue
			}
		}
		label := st.model
		if st.gomaxprocs > 0 {
			label += fmt.Sprintf(" (GOMAXPROCS=%d)", st.gomaxprocs)
		}
		fmt.Fprintf(w, "\n%s, %d workers, %v\n", label, c.Workers, c.Duration)
		bars.reset()
		r, err := busy.Run(ctx, c)
		if ctx.Err() != nil {
			fmt.Fprintln(os.Stderr, "concbench gil: interrupted; every worker stopped")
			code = exitInterrupted
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "concbench gil: %v\n", err)
			code = 1
			continue
		}
		results = append(results, r)
		if samples != "" {
			name := fmt.Sprintf("gil/model=%s/workers=%d/gomaxprocs=%d", r.Model, r.Workers, r.GOMAXPROCS)
			if _, err := sampler.SaveCSV(samples, name, r.Series); err != nil {
				fmt.Fprintf(os.Stderr, "concbench gil: -samples: %v\n", err)
				code = 1
			}
		}
	}
	if len(results) > 0 {
		fmt.Fprintln(w)
		writeGILSummary(w, results)
	}
	return code
}

// writeGILSummary prints one row per run.
func writeGILSummary(w io.Writer, rs []busy.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tgomaxprocs\tworkers\tbusy-cores\town-cores\tcore-util-%\tsteal-%\titers/s\t")
	for _, r := range rs {
		lo, hi := r.Series.CoreUtilRange()
		gmp := "-" // a child process's runtime is not limited by ours
		if !busy.IsPython(r.Model) && r.Model != busy.Process {
			gmp = fmt.Sprint(r.GOMAXPROCS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.0f..%.0f\t%.1f\t%.3g\t\n", r.Model, gmp, r.Workers,
			r.Series.BusyCores(), r.OwnCores, lo, hi, r.Series.StealPct(), r.Rate())
	}
	tw.Flush()
	fmt.Fprintln(w, "\nbusy-cores: the whole machine, as top shows it; own-cores: this experiment's processes only;")
	fmt.Fprintln(w, "core-util-%: least..most busy core; iters/s: x ^= 1 loop trips per second, all workers.")
}

// coreBars draws one bar per core. On a terminal each window redraws the
// bars in place; elsewhere (a pipe, a log) it prints one line per window.
type coreBars struct {
	w     io.Writer
	tty   bool
	drawn int // lines drawn for the current run
}

func (c *coreBars) reset() { c.drawn = 0 }

const barWidth = 40

func (c *coreBars) draw(cpus []int, win sampler.Window) {
	var b strings.Builder
	var sum float64
	for _, u := range win.Util {
		sum += u
	}
	if !c.tty {
		fmt.Fprintf(&b, "t=%5.2fs busy %.2f cores:", win.End.Seconds(), sum)
		for i, id := range cpus {
			fmt.Fprintf(&b, " cpu%d %3.0f%%", id, 100*win.Util[i])
		}
		b.WriteByte('\n')
		io.WriteString(c.w, b.String())
		return
	}
	if c.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", c.drawn) // back to the first bar
	}
	fmt.Fprintf(&b, "\x1b[2Kt=%5.2fs  busy %.2f cores\n", win.End.Seconds(), sum)
	for i, id := range cpus {
		b.WriteString("\x1b[2K")
		b.WriteString(bar(id, win.Util[i], win.Steal[i]))
		b.WriteByte('\n')
	}
	c.drawn = len(cpus) + 1
	io.WriteString(c.w, b.String())
}

// bar renders one core: "cpu0 [##########          ]  50%", with steal
// shown as '!' after the busy part when there is any.
func bar(id int, util, steal float64) string {
	n := int(util*barWidth + 0.5)
	s := min(int(steal*barWidth+0.5), barWidth-n)
	line := fmt.Sprintf("cpu%-3d [%s%s%s] %3.0f%%", id, strings.Repeat("#", n), strings.Repeat("!", s),
		strings.Repeat(" ", barWidth-n-s), 100*util)
	if steal > 0 {
		line += fmt.Sprintf("  steal %.0f%%", 100*steal)
	}
	return line
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
