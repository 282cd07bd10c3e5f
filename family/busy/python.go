package busy

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
)

// pyCrew is the python models' crew: one interpreter running busyloop.py,
// whose workers are its threads or its multiprocessing children.
//
// The interpreter leads a process group of its own (Setpgid), so that its
// multiprocessing workers, which are our grandchildren, can be killed with
// it in one kill(2), and so that a Ctrl-C in the terminal reaches concbench
// only (which then stops the script itself). The script's own guards (the
// workers' PR_SET_PDEATHSIG and parent-pid check, --seconds) cover a
// concbench that dies without cleaning up.
type pyCrew struct {
	c       *proc.Child
	rd      *bufio.Reader
	workers int
	chunk   uint64
	gil     string

	once sync.Once
	err  error
}

// busyLoopPy is the script startPython runs: tests plant faults in a copy.
var busyLoopPy = busyLoopSrc

// busyLoopSrc is busyloop.py: the seeds' GIL experiment, one busy loop per
// worker (x = x + 1, which counts its iterations) as threads or
// multiprocessing processes, for a fixed time; it runs by hand too.
//
//go:embed busyloop.py
var busyLoopSrc []byte

// startPython runs the embedded script as `python3 -c SCRIPT ARGS...`, so
// that no copy of it is ever on disk: a concbench killed with SIGKILL
// left concbench-busyloop-NNN/busyloop.py behind. (Not on stdin: stdin
// is how the script is told to stop.) It returns once the script says
// every worker spins.
func startPython(ctx context.Context, c Config) (*pyCrew, error) {
	mode := "thread"
	if c.Model == PythonProcess {
		mode = "process"
	}
	// --seconds is only the script's own deadline, in case nobody stops it.
	limit := c.Duration + 2*c.Interval + time.Minute
	cmd, err := model.PythonCommand(model.Kind(c.Model), c.Python, "-c", string(busyLoopPy), "--mode", mode,
		"--workers", strconv.Itoa(c.Workers), "--seconds", strconv.FormatFloat(limit.Seconds(), 'f', 3, 64), "--stop-on-stdin")
	if err != nil {
		return nil, err
	}
	py := cmd.Args[0]
	child, err := proc.StartCmd(cmd)
	if err != nil {
		return nil, err
	}
	p := &pyCrew{c: child, rd: bufio.NewReader(child.Out), workers: c.Workers}
	unwatch := context.AfterFunc(ctx, p.kill)
	defer unwatch()
	line, err := p.rd.ReadString('\n')
	var gotMode string
	var gotWorkers int
	if err == nil {
		_, err = fmt.Sscanf(line, "ready mode=%s workers=%d chunk=%d gil=%s\n", &gotMode, &gotWorkers, &p.chunk, &p.gil)
	}
	if err == nil && (gotMode != mode || gotWorkers != c.Workers || p.chunk == 0) {
		err = fmt.Errorf("started mode=%s workers=%d chunk=%d, asked for mode=%s workers=%d with a chunk of at least 1", gotMode, gotWorkers, p.chunk, mode, c.Workers)
	}
	if err != nil {
		p.kill()
		return nil, errors.Join(ctx.Err(), fmt.Errorf("%s: want a ready line, got %q: %v%s", py, line, err, p.stderr()))
	}
	return p, nil
}

func (p *pyCrew) stderr() string {
	if s := p.c.Stderr(); s != "" {
		return "; stderr: " + s
	}
	return ""
}

func (p *pyCrew) stop() ([]Count, error) {
	p.c.In.Write([]byte("\n")) // the script's stdin watcher ends the run
	guard := time.AfterFunc(time.Minute, p.kill)
	defer guard.Stop()
	counts := make([]Count, p.workers)
	seen := make([]bool, p.workers)
	var errs []error
	for {
		line, err := p.rd.ReadString('\n')
		if err != nil {
			p.kill()
			return counts, errors.Join(append(errs, fmt.Errorf("script ended before its total line: %v%s", err, p.stderr()))...)
		}
		var iters, x uint64
		var i int
		var secs float64
		if _, err := fmt.Sscanf(line, "total iters=%d", &iters); err == nil {
			var sum uint64
			for _, c := range counts {
				sum += c.Iters
			}
			if iters != sum {
				errs = append(errs, fmt.Errorf("script's total iters=%d, its workers' lines add up to %d", iters, sum))
			}
			break
		}
		if _, err := fmt.Sscanf(line, "worker %d iters=%d x=%d seconds=%g\n", &i, &iters, &x, &secs); err != nil || i < 0 || i >= p.workers || seen[i] {
			errs = append(errs, fmt.Errorf("bad worker line %q", line))
			continue
		}
		seen[i] = true
		counts[i] = Count{Iters: iters, Elapsed: time.Duration(secs * float64(time.Second))}
		errs = append(errs, verifyCounted(i, x, iters, p.chunk))
	}
	for i, ok := range seen {
		if !ok {
			errs = append(errs, fmt.Errorf("worker %d: no report", i))
		}
	}
	return counts, errors.Join(append(errs, p.end(false))...)
}

func (p *pyCrew) kill() { p.end(true) }

// end reaps the interpreter. With kill, the whole
// process group is killed first, while the interpreter is not yet reaped
// (so its pid, the group's id, cannot have been reused).
func (p *pyCrew) end(kill bool) error {
	p.once.Do(func() {
		if kill {
			model.KillGroup(p.c.Pid())
			p.c.Kill()
		} else if err := p.c.Close(); err != nil {
			p.err = err
		}
	})
	return p.err
}

// verifyCounted checks a Python worker's count: it spun at least one
// chunk, a whole number of chunks, and x, which every iteration of the
// loop adds 1 to, says the loop ran exactly that many times (a shortened
// loop, such as range(1) for range(CHUNK), leaves x below the count). The
// Go workers' loop counts the same way, from their seed (see verify).
func verifyCounted(worker int, x, iters, chunk uint64) error {
	switch {
	case iters == 0:
		return fmt.Errorf("worker %d: no iterations", worker)
	case iters%chunk != 0:
		return fmt.Errorf("worker %d: %d iterations is not a whole number of %d-iteration chunks", worker, iters, chunk)
	case x != iters:
		return fmt.Errorf("worker %d: the loop counted x = %d iterations, the worker claims %d: count and loop disagree", worker, x, iters)
	}
	return nil
}
