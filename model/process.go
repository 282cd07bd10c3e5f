package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

// Process runs each worker as a child process. Fault, when set, is passed
// to the children as CONCBENCH_FAULT; it exists for tests that prove a broken
// worker fails the run (see serveWorker for its values).
type Process struct {
	Fault string
}

func (Process) Name() string { return string(KindProcess) }

// Wire format. Fixed-size frames keep the codec out of the measurement:
//
//	request  16 bytes: op u8, 3 pad, n u32, seq u64          (little endian)
//	response 32 bytes: status u8, 3 pad, n u32, seq u64, a u64, b u64
//
// op task runs items seq..seq+n-1 and answers a = fold; op usage answers
// a = CPU nanoseconds (user+sys), b = context switches of the child so far.
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
	envFault  = "CONCBENCH_FAULT"
)

// RoleWorker is the child role of the process model.
const RoleWorker = "worker"

func init() { proc.Register(RoleWorker, serveWorker) }

type procWorker struct {
	c    *proc.Child
	req  [reqSize]byte
	resp [respSize]byte
}

func startWorker(s workloads.Spec, fault string) (*procWorker, error) {
	env := []string{envKernel + "=" + s.Kernel, envParam + "=" + s.Param}
	if fault != "" {
		env = append(env, envFault+"="+fault)
	}
	c, err := proc.Start(RoleWorker, proc.Options{Env: env})
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

// Start starts every child and takes a usage baseline from each before
// returning, so their start-up is neither in the caller's timing nor in
// Usage.
func (p Process) Start(s workloads.Spec, n int, in <-chan Task, out chan<- Result) (Group, error) {
	ws := make([]*procWorker, 0, n)
	base := make([]Usage, n)
	for i := 0; i < n; i++ {
		w, err := startWorker(s, p.Fault)
		if err == nil {
			ws = append(ws, w)
			base[i], err = w.usage()
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
				g.usage = g.usage.Add(Usage{u.CPUNanos - base[i].CPUNanos, u.Ctxsw - base[i].Ctxsw})
				g.mu.Unlock()
			}
			g.errs[i] = errors.Join(err, w.c.Close())
		}()
	}
	return g, nil
}

func (p Process) Spawn(s workloads.Spec, arg uint64) (uint64, error) {
	w, err := startWorker(s, p.Fault)
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

// serveWorker is the child side. It reads requests from stdin until EOF.
// CONCBENCH_FAULT makes it misbehave on its third task, for tests:
// "checksum" answers a wrong fold, "die" exits without answering,
// "truncate" writes half a response and exits. "FAULT@K" misbehaves on
// task K instead ("checksum@1" breaks a spawned worker's only task).
func serveWorker() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "concbench worker:", err)
		return 1
	}
	spec := workloads.Spec{Kernel: os.Getenv(envKernel), Param: os.Getenv(envParam)}
	fault, at := os.Getenv(envFault), 3
	if f, k, ok := strings.Cut(fault, "@"); ok {
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 {
			return fail(fmt.Errorf("%s=%q: want FAULT@K with K >= 1", envFault, fault))
		}
		fault, at = f, n
	}
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
	for tasks := 0; ; {
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
			tasks++
			fold, err := runTask(r, t)
			if err != nil {
				fmt.Fprintln(os.Stderr, "concbench worker:", err)
				resp[0] = statusErr
			}
			if tasks == at {
				switch fault {
				case "checksum":
					fold++
				case "die":
					return 3
				case "truncate":
					binary.LittleEndian.PutUint64(resp[16:], fold)
					os.Stdout.Write(resp[:respSize/2])
					return 4
				}
			}
			binary.LittleEndian.PutUint64(resp[16:], fold)
		case opUsage:
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
				return fail(err)
			}
			binary.LittleEndian.PutUint64(resp[16:], uint64(ru.Utime.Nano()+ru.Stime.Nano()))
			binary.LittleEndian.PutUint64(resp[24:], uint64(ru.Nvcsw+ru.Nivcsw))
		default:
			return fail(fmt.Errorf("unknown op %d", req[0]))
		}
		if _, err := os.Stdout.Write(resp[:]); err != nil {
			return fail(fmt.Errorf("write response: %w", err))
		}
	}
}
