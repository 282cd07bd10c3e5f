package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

// Process runs each worker as a child process.
type Process struct {
	// Pipe is how this parent waits on its workers' pipes: PipePoller
	// (the default; "" means it) or PipeRaw. See proc.Options.Poller.
	Pipe string
	// Bin is the worker binary; empty means Worker for RoleWorker and
	// this binary for any other Role.
	Bin string
	// Role is the child role the workers play; empty means RoleWorker.
	// Tests register broken workers (ServeWorker with a Tamper) under
	// roles of their own to prove that a broken worker fails the run.
	Role string
}

// The parent's pipe handling. Poller is the default because a raw read
// holds a P for as long as its worker computes: with more workers than
// GOMAXPROCS the parent runs out of Ps and the IO-bound line measures that
// (docs/spawn-scale.md, Scale); raw skips the poller's wake-up, which the
// Scale noop rows price on each machine.
const (
	PipePoller = "poller"
	PipeRaw    = "raw"
)

// EnvWorker names a prebuilt worker binary (cmd/concbench-worker) for
// Worker's initial value.
const EnvWorker = "CONCBENCH_WORKER"

// Worker is the binary a Process with no Bin runs its workers from; empty
// means this binary, re-executed. Any binary that calls proc.Serve and
// links this package plays the role; a small static one (CGO_ENABLED=0,
// cmd/concbench-worker) starts in well under half the time of a test
// binary (docs/spawn-scale.md, Spawn). Set it before starting workers.
var Worker = os.Getenv(EnvWorker)

func (Process) Name() string { return string(KindProcess) }

// Wire format. Fixed-size frames keep the codec out of the measurement:
//
//	request  16 bytes: op u8, 3 pad, n u32, seq u64          (little endian)
//	response 32 bytes: status u8, 3 pad, n u32, seq u64, a u64, b u64
//
// op task runs items seq..seq+n-1 and answers a = fold; op usage answers
// a = CPU nanoseconds (user+sys), b = context switches of the child since
// its first task arrived (zero before it).
//
// Why since the first task: a worker's runtime keeps working after it has
// answered ready. A Go thread blocked in read(2) holds its P, and sysmon,
// which leaves such a P alone for 10 ms while other Ps are idle, wakes every
// 20 µs to 10 ms meanwhile: about 60 wake-ups and 0.5–1 ms of CPU after
// every idle start (2 vCPU VM). A baseline taken at ready charged that to the
// first ops; waiting for quiet before ready does not help, as the read after
// it starts the next round. Reading the baseline when the first task
// arrives leaves the whole wait for it out, and costs one getrusage.
const (
	reqSize  = 16
	respSize = 32

	opTask  = 1
	opUsage = 2

	statusOK  = 0
	statusErr = 1
)

const (
	envKernel = "CONCBENCH_KERNEL"
	envParam  = "CONCBENCH_PARAM"
)

// RoleWorker is the child role of the process model.
const RoleWorker = "worker"

func init() { proc.Register(RoleWorker, func() int { return ServeWorker(nil) }) }

type procWorker struct {
	c    *proc.Child
	req  [reqSize]byte
	resp [respSize]byte
}

func (p Process) startWorker(s workloads.Spec) (*procWorker, error) {
	env := []string{envKernel + "=" + s.Kernel, envParam + "=" + s.Param}
	o := proc.Options{Env: env, Bin: p.Bin, Poller: true}
	switch p.Pipe {
	case "", PipePoller:
	case PipeRaw:
		o.Poller = false
	default:
		return nil, fmt.Errorf("process model: pipe %q: want %s or %s", p.Pipe, PipePoller, PipeRaw)
	}
	role := p.Role
	if role == "" {
		role = RoleWorker
		if o.Bin == "" {
			o.Bin = Worker
		}
	}
	c, err := proc.Start(role, o)
	if err != nil {
		return nil, err
	}
	return &procWorker{c: c}, nil
}

// call sends one request and reads its response: two system calls, no
// allocation.
func (w *procWorker) call(op byte, t Task) (a, b uint64, err error) {
	w.req[0] = op
	binary.LittleEndian.PutUint32(w.req[4:], uint32(t.N))
	binary.LittleEndian.PutUint64(w.req[8:], t.Seq)
	if _, err := w.c.In.Write(w.req[:]); err != nil {
		return 0, 0, w.failed(fmt.Errorf("send task %d: %w", t.Seq, err))
	}
	n, err := io.ReadFull(w.c.Out, w.resp[:])
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return 0, 0, w.failed(fmt.Errorf("truncated frame for task %d: %d of %d bytes", t.Seq, n, respSize))
	case err != nil:
		return 0, 0, w.failed(fmt.Errorf("died during task %d: %w", t.Seq, err))
	}
	if got := binary.LittleEndian.Uint64(w.resp[8:]); got != t.Seq {
		return 0, 0, fmt.Errorf("process worker %d: reply for task %d, want %d", w.c.Pid(), got, t.Seq)
	}
	if w.resp[0] != statusOK {
		return 0, 0, w.failed(fmt.Errorf("task %d failed", t.Seq))
	}
	return binary.LittleEndian.Uint64(w.resp[16:]), binary.LittleEndian.Uint64(w.resp[24:]), nil
}

// failed ends a worker whose pipes or task failed and says how it ended.
func (w *procWorker) failed(err error) error {
	w.c.Kill()
	return fmt.Errorf("process worker %d: %w (child %s)", w.c.Pid(), err, w.c.Status())
}

func (w *procWorker) usage() (Usage, error) {
	a, b, err := w.call(opUsage, Task{})
	return Usage{CPUNanos: int64(a), Ctxsw: int64(b)}, err
}

type procGroup struct {
	wg    sync.WaitGroup
	errs  []error
	mu    sync.Mutex
	usage Usage
}

func (g *procGroup) Wait() error {
	g.wg.Wait()
	return errors.Join(g.errs...)
}

func (g *procGroup) Usage() Usage {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.usage
}

// Start starts every child before returning, so their start-up is not in
// the caller's timing; each counts its usage from its first task (see the
// wire format), so start-up and the wait for work are not in Usage.
func (p Process) Start(s workloads.Spec, n int, in <-chan Task, out chan<- Result) (Group, error) {
	ws := make([]*procWorker, 0, n)
	for i := 0; i < n; i++ {
		w, err := p.startWorker(s)
		if err == nil {
			ws = append(ws, w)
		}
		if err != nil {
			for _, w := range ws {
				w.c.Kill()
			}
			return nil, err
		}
	}
	g := &procGroup{errs: make([]error, n)}
	g.wg.Add(n)
	for i, w := range ws {
		go func() {
			defer g.wg.Done()
			for t := range in {
				fold, _, err := w.call(opTask, t)
				out <- Result{Task: t, Fold: fold, Worker: i, Err: err}
				if err != nil {
					w.c.Kill()
					return
				}
			}
			u, err := w.usage()
			if err == nil {
				g.mu.Lock()
				g.usage = g.usage.Add(u)
				g.mu.Unlock()
			}
			g.errs[i] = errors.Join(err, w.c.Close())
		}()
	}
	return g, nil
}

func (p Process) Spawn(s workloads.Spec, arg uint64) (uint64, error) {
	w, err := p.startWorker(s)
	if err != nil {
		return 0, err
	}
	v, _, err := w.call(opTask, Task{Seq: arg, N: 1})
	if err != nil {
		w.c.Kill() // a wrong reply leaves the child running: reap it
		return 0, err
	}
	return v, w.c.Close()
}

// A Tamper sees the response to a worker's task-th task (counting from 1)
// before the worker writes it, and answers what to write instead; exit
// ends the worker (code ExitTampered) once that is written. Tests plant
// faults with it: a wrong fold, a death before the answer, half a frame.
type Tamper func(task int, resp []byte) (out []byte, exit bool)

// ExitTampered is the exit code of a worker its Tamper ended.
const ExitTampered = 3

// ServeWorker is the child side of the process model, the body of
// RoleWorker: it reads requests from stdin until EOF and answers each on
// stdout. tamper, when not nil, may change or cut the answers to tasks.
func ServeWorker(tamper Tamper) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "concbench worker:", err)
		return 1
	}
	spec := workloads.Spec{Kernel: os.Getenv(envKernel), Param: os.Getenv(envParam)}
	r, err := openKernel(spec)
	if err != nil {
		return fail(err)
	}
	defer r.Close()
	if err := proc.Ready(); err != nil {
		return fail(err)
	}
	// Stdin and stdout are the blocking pipes proc.Start made.
	var req [reqSize]byte
	var resp [respSize]byte
	var base Usage // at the first task
	for tasks := 0; ; {
		out := resp[:]
		if _, err := io.ReadFull(os.Stdin, req[:]); err == io.EOF {
			return 0
		} else if err != nil {
			return fail(fmt.Errorf("read request: %w", err))
		}
		t := Task{N: int(binary.LittleEndian.Uint32(req[4:])), Seq: binary.LittleEndian.Uint64(req[8:])}
		clear(resp[:])
		copy(resp[4:16], req[4:16])
		switch req[0] {
		case opTask:
			if tasks == 0 {
				if base, err = selfUsage(); err != nil {
					return fail(err)
				}
			}
			tasks++
			fold, err := runTask(r, t)
			if err != nil {
				fmt.Fprintln(os.Stderr, "concbench worker:", err)
				resp[0] = statusErr
			}
			binary.LittleEndian.PutUint64(resp[16:], fold)
			if tamper != nil {
				var exit bool
				if out, exit = tamper(tasks, out); exit {
					os.Stdout.Write(out)
					return ExitTampered
				}
			}
		case opUsage:
			u, err := selfUsage()
			if err != nil {
				return fail(err)
			}
			if tasks > 0 {
				binary.LittleEndian.PutUint64(resp[16:], uint64(u.CPUNanos-base.CPUNanos))
				binary.LittleEndian.PutUint64(resp[24:], uint64(u.Ctxsw-base.Ctxsw))
			}
		default:
			return fail(fmt.Errorf("unknown op %d", req[0]))
		}
		if _, err := os.Stdout.Write(out); err != nil {
			return fail(fmt.Errorf("write response: %w", err))
		}
	}
}

// selfUsage is this process's CPU time (user+sys) and context switches.
func selfUsage() (Usage, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Usage{}, fmt.Errorf("getrusage: %w", err)
	}
	return Usage{ru.Utime.Nano() + ru.Stime.Nano(), ru.Nvcsw + ru.Nivcsw}, nil
}
