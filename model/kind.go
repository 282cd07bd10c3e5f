package model

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/concbench/concbench/internal/deps"
)

// Kind names an execution model: the value of the model= (or peer=) key in
// every benchmark name.
type Kind string

const (
	KindGoroutine          Kind = "goroutine"                  // a goroutine, scheduled by the Go runtime
	KindThread             Kind = "thread"                     // a goroutine locked to its own OS thread for life
	KindProcess            Kind = "process"                    // a child process: this binary in a role (package proc)
	KindPythonThread       Kind = "python-thread"              // Python threading.Thread under python3
	KindPythonProcess      Kind = "python-process"             // Python multiprocessing.Process under python3
	KindPythonFreeThreaded Kind = "python-freethreaded-thread" // threads under a free-threaded python3.13t or later
	KindPythonSpawn        Kind = "python-spawn"               // multiprocessing.Process, spawn start method: a fresh interpreter
	KindPythonFork         Kind = "python-fork"                // os.fork() under python3
)

// where a kind's workers run.
type where int

const (
	inProcess where = iota // in this process: started with Go
	child                  // a child process of this binary: proc.Start
	python                 // a Python interpreter the family drives
)

// kinds is the one list of execution models, in the order reports show
// them. A new kind (a distributed worker, a pre-fork server, a Python
// driver) is one more row here; the family that runs it decides how.
var kinds = []struct {
	k Kind
	w where
}{
	{KindGoroutine, inProcess},
	{KindThread, inProcess},
	{KindProcess, child},
	{KindPythonThread, python},
	{KindPythonProcess, python},
	{KindPythonFreeThreaded, python},
	{KindPythonSpawn, python},
	{KindPythonFork, python},
}

// Kinds lists every kind model knows.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	for i, r := range kinds {
		out[i] = r.k
	}
	return out
}

// GoKinds are the kinds written in Go: goroutine, thread, process.
func GoKinds() []Kind { return filter(func(w where) bool { return w != python }) }

// PythonKinds are the kinds that run Python code.
func PythonKinds() []Kind { return filter(func(w where) bool { return w == python }) }

func filter(keep func(where) bool) []Kind {
	var out []Kind
	for _, r := range kinds {
		if keep(r.w) {
			out = append(out, r.k)
		}
	}
	return out
}

func (k Kind) where() (where, bool) {
	for _, r := range kinds {
		if r.k == k {
			return r.w, true
		}
	}
	return 0, false
}

// InProcess says whether k's workers run in this process (started with Go).
func (k Kind) InProcess() bool { w, ok := k.where(); return ok && w == inProcess }

// Python says whether k's workers run Python code.
func (k Kind) Python() bool { w, ok := k.where(); return ok && w == python }

// Check returns nil when k is one of supported, and otherwise an error
// that names what k is to the caller ("model", "peer") and the choices.
func Check(what string, k Kind, supported []Kind) error {
	names := make([]string, len(supported))
	for i, s := range supported {
		if s == k {
			return nil
		}
		names[i] = string(s)
	}
	return fmt.Errorf("unknown %s %q (have %s)", what, k, strings.Join(names, ", "))
}

// Go starts f as one in-process worker of kind k. For KindThread the
// goroutine locks its OS thread before f runs and never unlocks it, so the
// runtime ends the thread when f returns: a thread is created and destroyed
// per worker, as a Python threading.Thread's is. This is the only place
// concbench locks a worker to a thread. Go panics for a kind that does not
// run in this process: that is a caller's bug, not a run-time condition.
func Go(k Kind, f func()) {
	switch k { // a switch, not the table: Spawn times this path
	case KindGoroutine:
		go f()
	case KindThread:
		go locked(f)
	default:
		panic(fmt.Sprintf("model: Go with kind %q, which does not run in this process", k))
	}
}

func locked(f func()) {
	runtime.LockOSThread() // never unlocked: the thread ends with the worker
	f()
}

// GoReady starts f as Go does and returns once f has called ready (or has
// returned without calling it): the in-process side of the one ready
// handshake, as proc.Ready is for a child. f calls ready from the worker
// itself, once it is set up and before it blocks or spins.
func GoReady(k Kind, f func(ready func())) {
	ch := make(chan struct{}, 1)
	said := false // the worker's own: ready runs only on the worker
	ready := func() {
		if !said {
			said = true
			ch <- struct{}{}
		}
	}
	Go(k, func() {
		defer ready()
		f(ready)
	})
	<-ch
}

// ErrNoPython says that a python kind's interpreter is not on PATH. It is
// deps.ErrMissing: the row skips with internal/deps's line, as for any
// missing dependency.
var ErrNoPython = deps.ErrMissing

// Interpreter finds the interpreter a python kind runs: python3, or for
// KindPythonFreeThreaded the first of python3.13t, python3.14t ... on PATH
// (deps.Python3, deps.FreeThreaded). The error, internal/deps's one line,
// wraps ErrNoPython when there is none.
func Interpreter(k Kind) (string, error) {
	if !k.Python() {
		return "", fmt.Errorf("model %s runs no python", k)
	}
	if k == KindPythonFreeThreaded {
		return deps.FreeThreaded.Look()
	}
	return deps.Python3.Look()
}
