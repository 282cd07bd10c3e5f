package busy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/concbench/concbench/proc"
)

// RoleBusyLoop is the child role of the process model: spin from start
// until a byte or EOF arrives on stdin, then report. A dedicated role (not
// model.Process's task worker) because the experiment is a fixed-time spin,
// not a stream of tasks.
//
// It says ready (proc.Ready) just before it spins, and after it stopped
// writes one text line on stdout: "done iters=N x=X ns=T".
const RoleBusyLoop = "busyloop"

const (
	envSeed  = "CONCBENCH_BUSY_SEED"
	envFault = "CONCBENCH_BUSY_FAULT"
)

func init() { proc.Register(RoleBusyLoop, serveBusyLoop) }

func serveBusyLoop() int {
	// Ctrl-C in a terminal reaches the whole foreground process group; the
	// parent decides when its children stop, so they ignore it.
	signal.Ignore(syscall.SIGINT)
	seed, err := strconv.ParseUint(os.Getenv(envSeed), 10, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "busyloop child: %s: %v\n", envSeed, err)
		return 2
	}
	var halt atomic.Bool
	go func() {
		var b [1]byte
		os.Stdin.Read(b[:]) // a stop byte, or EOF when the parent goes
		halt.Store(true)
	}()
	if err := proc.Ready(); err != nil {
		return 1
	}
	x, chunks, t0 := seed, uint64(0), time.Now()
	for !halt.Load() {
		x = step(x)
		chunks++
	}
	iters := chunks * Chunk
	if os.Getenv(envFault) == "count" && seed == 0 {
		iters += Chunk
	}
	if _, err := fmt.Fprintf(os.Stdout, "done iters=%d x=%d ns=%d\n", iters, x, time.Since(t0).Nanoseconds()); err != nil {
		return 1
	}
	return 0
}

// procCrew is the process model's crew: one child per worker.
type procCrew struct {
	kids []*proc.Child
	rds  []*bufio.Reader
}

// startProcesses returns once every child has said it is ready (about to
// spin).
func startProcesses(ctx context.Context, n int, fault string) (*procCrew, error) {
	p := &procCrew{}
	unwatch := context.AfterFunc(ctx, p.kill)
	defer unwatch()
	for i := range n {
		env := []string{envSeed + "=" + strconv.Itoa(i)}
		if fault != "" {
			env = append(env, envFault+"="+fault)
		}
		c, err := proc.Start(RoleBusyLoop, proc.Options{Env: env})
		if err != nil {
			p.kill()
			return nil, errors.Join(ctx.Err(), fmt.Errorf("worker %d: %w", i, err))
		}
		p.kids = append(p.kids, c)
		p.rds = append(p.rds, bufio.NewReader(c.Out))
	}
	return p, nil
}

func (p *procCrew) stop() ([]Count, error) {
	// Stop all first, then collect, so the children stop about together.
	for _, c := range p.kids {
		c.In.Write([]byte{'s'})
	}
	guard := time.AfterFunc(10*time.Second, p.kill) // a child that never answers
	defer guard.Stop()
	counts := make([]Count, len(p.kids))
	var errs []error
	for i, rd := range p.rds {
		line, err := rd.ReadString('\n')
		var x, iters uint64
		var ns int64
		if err == nil {
			_, err = fmt.Sscanf(line, "done iters=%d x=%d ns=%d\n", &iters, &x, &ns)
		}
		if err != nil {
			p.kids[i].Kill()
			errs = append(errs, fmt.Errorf("worker %d: bad report %q: %v (child %s)", i, line, err, p.kids[i].Status()))
			continue
		}
		counts[i] = Count{Iters: iters, Elapsed: time.Duration(ns)}
		errs = append(errs, verify(i, uint64(i), x, iters, Chunk))
	}
	for i, c := range p.kids {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("worker %d: %w", i, err))
		}
	}
	return counts, errors.Join(errs...)
}

func (p *procCrew) kill() {
	for _, c := range p.kids {
		c.Kill()
	}
}
