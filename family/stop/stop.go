// Package stop starts workers that are busy or blocked and stops them, one
// mechanism per execution model, so that the time from "stop" to "it has
// stopped" can be measured. It is the Go side of the seeds' terminate(),
// daemon threads and is_alive().
//
// A caller Starts a worker of a model (goroutine, thread, process) in a state
// (busy: spinning the seeds' x ^= 1 loop; blocked: asleep), which returns once
// the worker is really in that state. Stop then asks it to stop and returns
// once the stop is confirmed:
//
//	goroutine  cancel its context; confirmed when it has returned (joined).
//	           Go cannot kill a goroutine: a busy one must look at ctx.Done()
//	           between chunks of work, so how often it looks bounds the delay.
//	thread     the same for a goroutine locked to its own OS thread; the
//	           thread ends when the goroutine returns. Gone then checks that
//	           the thread has left /proc/self/task.
//	process    a child process (this binary, role RoleSpinner): SIGTERM, and
//	           SIGKILL if it has not exited after Grace (Python's terminate()
//	           is the SIGTERM alone); or SIGKILL at once. Confirmed when it is
//	           reaped; Gone checks that /proc/<pid> has gone.
//
// Stop also checks that the worker ended the way the mechanism says it should
// (cancelled, not woken or crashed; exited from its SIGTERM handler, or
// killed by SIGKILL) and returns an error naming what went wrong otherwise.
//
// stop is one family: its workers are model's Go kinds (model.GoReady,
// proc.Start for the stop-spinner role), and it imports no other family,
// nor ipc, pool or report.
package stop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

// State is what a worker is doing when it is asked to stop.
type State string

const (
	Busy    State = "busy"    // spinning workloads.Busy in chunks of PollIters
	Blocked State = "blocked" // asleep (a long timer; a process sleeps in the kernel)
)

// Signal is how a process worker is told to stop.
type Signal string

const (
	Term Signal = "term" // SIGTERM, then SIGKILL after Grace
	Kill Signal = "kill" // SIGKILL at once
)

// PollIters is how many x ^= 1 iterations a busy in-process worker runs
// between two looks at ctx.Done(): well under a microsecond of work, so a
// stop waits for less than one chunk.
const PollIters = 1 << 10

// Grace is how long Stop waits after SIGTERM before it sends SIGKILL.
var Grace = 2 * time.Second

// ExitOnTerm is the status a process worker exits with from its SIGTERM
// handler (the shell's 128+SIGTERM), so that a clean exit for any other
// reason is not mistaken for an answered SIGTERM.
const ExitOnTerm = 143

// Options configure a worker.
type Options struct {
	Model  string // goroutine, thread or process
	State  State
	Signal Signal // process only; Term when empty
	// IgnoreTerm makes a process worker ignore SIGTERM, for tests of the
	// SIGKILL-after-Grace path.
	IgnoreTerm bool
}

// Stopped says how a worker ended.
type Stopped struct {
	Killed bool // a process needed SIGKILL (after Grace, or at once for Kill)
}

// Worker is a started worker.
type Worker interface {
	// Stop asks the worker to stop and returns once it has: the goroutine
	// joined, the process reaped. Call it once.
	Stop() (Stopped, error)
	// Gone checks, after Stop, that nothing of the worker is left running:
	// its thread or process has left /proc.
	Gone() error
}

// Start starts a worker and returns once it is in its state.
func Start(o Options) (Worker, error) {
	switch o.State {
	case Busy, Blocked:
	default:
		return nil, fmt.Errorf("stop: unknown state %q (have busy, blocked)", o.State)
	}
	k := model.Kind(o.Model)
	if err := model.Check("model", k, model.GoKinds()); err != nil {
		return nil, fmt.Errorf("stop: %w", err)
	}
	if k.InProcess() {
		return startInProc(k, o.State), nil
	}
	p, err := startProcess(o)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}

// Models lists the models Start knows: model's Go kinds.
func Models() []string {
	var out []string
	for _, k := range model.GoKinds() {
		out = append(out, string(k))
	}
	return out
}

type inProc struct {
	kind   model.Kind
	state  State
	cancel context.CancelFunc
	done   chan struct{}
	tid    int
	chunks int   // chunks of PollIters a busy worker ran
	err    error // how the worker ended, if not by cancellation
}

// startInProc returns once the worker is in its state.
func startInProc(k model.Kind, state State) *inProc {
	ctx, cancel := context.WithCancel(context.Background())
	w := &inProc{kind: k, state: state, cancel: cancel, done: make(chan struct{})}
	model.GoReady(k, func(ready func()) { w.run(ctx, ready) })
	return w
}

// run is the worker. For a thread, model.Go has locked it to its thread for
// good: the runtime ends the thread when run returns, as a Python thread's
// OS thread ends with it.
func (w *inProc) run(ctx context.Context, ready func()) {
	defer close(w.done)
	w.tid = syscall.Gettid()
	if w.state == Blocked {
		// A cancellable sleep: Go's answer to a thread blocked in
		// time.sleep that nothing can interrupt.
		t := time.NewTimer(time.Hour)
		defer t.Stop()
		ready()
		select {
		case <-ctx.Done():
		case <-t.C:
			w.err = errors.New("woke from its sleep instead of being stopped")
		}
		return
	}
	x := uint64(w.tid)
	for {
		x = workloads.Busy(x, PollIters)
		w.chunks++
		if w.chunks == 1 {
			ready() // busy for real from here on
		}
		select {
		case <-ctx.Done():
			if want := uint64(w.tid + w.chunks*PollIters); x != want { // Busy adds 1 per iteration
				w.err = fmt.Errorf("busy loop state %#x, want %#x after %d chunks", x, want, w.chunks)
			}
			return
		default:
		}
	}
}

func (w *inProc) name() string { return string(w.kind) }

func (w *inProc) Stop() (Stopped, error) {
	w.cancel()
	<-w.done
	if w.err != nil {
		return Stopped{}, fmt.Errorf("stop %s %s worker: %w", w.state, w.name(), w.err)
	}
	if w.state == Busy && w.chunks < 1 {
		return Stopped{}, fmt.Errorf("stop busy %s worker: it never ran a chunk", w.name())
	}
	return Stopped{}, nil
}

// Gone: a goroutine is gone once joined; a thread once the kernel has
// dropped its task, a moment after the goroutine returned.
func (w *inProc) Gone() error {
	if w.kind != model.KindThread {
		return nil
	}
	if w.tid == os.Getpid() {
		// The worker happened to run on the main thread, which the runtime
		// parks for good instead of ending (ending it would end the process).
		// It never runs Go code again, so it is stopped, but it stays listed.
		return nil
	}
	return awaitGone("/proc/self/task/"+strconv.Itoa(w.tid), "thread "+strconv.Itoa(w.tid))
}

// awaitGone waits up to a second for path to disappear.
func awaitGone(path, what string) error {
	for deadline := time.Now().Add(time.Second); ; {
		_, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("stop: check %s: %w", what, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("stop: %s still alive a second after it was stopped", what)
		}
		runtime.Gosched()
	}
}

// RoleSpinner is the process worker's role.
const RoleSpinner = "stop-spinner"

const (
	envState  = "CONCBENCH_STOP_STATE"
	envIgnore = "CONCBENCH_STOP_IGNORE_TERM"
)

func init() { proc.Register(RoleSpinner, serveSpinner) }

type process struct {
	c   *proc.Child
	o   Options
	pid int
}

func startProcess(o Options) (*process, error) {
	switch o.Signal {
	case "":
		o.Signal = Term
	case Term, Kill:
	default:
		return nil, fmt.Errorf("stop: unknown signal %q (have term, kill)", o.Signal)
	}
	env := []string{envState + "=" + string(o.State)}
	if o.IgnoreTerm {
		env = append(env, envIgnore+"=1")
	}
	// Start returns once the child's handler is in place and it is about to
	// spin or sleep.
	c, err := proc.Start(RoleSpinner, proc.Options{Env: env})
	if err != nil {
		return nil, fmt.Errorf("stop: process worker: %w", err)
	}
	return &process{c: c, o: o, pid: c.Pid()}, nil
}

func (p *process) Stop() (Stopped, error) {
	var st Stopped
	grace := Grace
	sig := syscall.SIGTERM
	if p.o.Signal == Kill {
		sig, grace = syscall.SIGKILL, time.Hour // SIGKILL cannot be ignored
	}
	err := p.c.Signal(sig, grace)
	cmd := p.c.Cmd
	ps := cmd.ProcessState
	if ps == nil {
		return st, fmt.Errorf("stop: process worker %d: %w", p.pid, err)
	}
	ws := ps.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled() && ws.Signal() == syscall.SIGKILL:
		st.Killed = true
		if p.o.Signal == Term && !p.o.IgnoreTerm {
			return st, fmt.Errorf("stop: process worker %d did not exit within %v of SIGTERM and was killed", p.pid, Grace)
		}
	case ws.Exited() && ws.ExitStatus() == ExitOnTerm && p.o.Signal == Term:
	default:
		return st, fmt.Errorf("stop: process worker %d ended %s after SIGTERM/SIGKILL", p.pid, p.c.Status())
	}
	return st, nil
}

func (p *process) Gone() error {
	return awaitGone("/proc/"+strconv.Itoa(p.pid), "process "+strconv.Itoa(p.pid))
}

// serveSpinner is the process worker: it installs its SIGTERM handler
// (exit ExitOnTerm) or ignores SIGTERM, says it is ready, then spins or
// sleeps until it is stopped.
func serveSpinner() int {
	state := State(os.Getenv(envState))
	if os.Getenv(envIgnore) != "" {
		signalIgnoreTerm()
	} else {
		signalExitOnTerm()
	}
	if err := proc.Ready(); err != nil {
		fmt.Fprintln(os.Stderr, "concbench stop-spinner:", err)
		return 1
	}
	switch state {
	case Busy:
		for x := uint64(0); ; {
			x = workloads.Busy(x, PollIters)
		}
	case Blocked:
		time.Sleep(24 * time.Hour)
		fmt.Fprintln(os.Stderr, "concbench stop-spinner: slept a whole day without being stopped")
		return 1
	}
	fmt.Fprintf(os.Stderr, "concbench stop-spinner: unknown state %q\n", state)
	return 2
}

func signalExitOnTerm() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	go func() {
		<-ch
		os.Exit(ExitOnTerm)
	}()
}

func signalIgnoreTerm() { signal.Ignore(syscall.SIGTERM) }
