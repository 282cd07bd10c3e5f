// Package model is the execution-model axis: the one place that knows the
// kinds of worker concbench compares and how to start one. Every family
// (ipc's peers, busy, stop, counter, local, the pools) starts its workers
// here; none keeps its own list of models or locks threads itself.
//
// The kinds and their names (Kind, Kinds, Check):
//
//	goroutine                   a goroutine, scheduled by the Go runtime
//	thread                      a goroutine that holds runtime.LockOSThread
//	                            for its whole life, so each worker owns an OS
//	                            thread and the thread ends with it, as a
//	                            Python threading.Thread's does
//	process                     a child process: this binary re-executed in a
//	                            role (package proc)
//	python-thread, python-process, python-freethreaded-thread,
//	python-spawn, python-fork
//	                            the seeds' Python models, run by an
//	                            interpreter (Interpreter finds it)
//
// Starting one worker of a kind: Go (or GoReady, which waits for the
// worker's ready call) for the in-process kinds, which is where a thread is
// locked; proc.Start(role, proc.Options{Env, Files}) for a process, which
// waits for the role's proc.Ready. Both sides have the one ready handshake.
// A family with many tiny ops per round uses a Team.
//
// The pool models (Model: Goroutine, Thread, Process) take Tasks from one
// channel and send Results to another, so the hand-off a caller sees is the
// same and only the model differs. A Task is a run of N consecutive items;
// item i runs the kernel on argument i mod workloads.ArgRange, and the
// Result carries the sum of the N kernel results (the fold), which the
// verified pool (package pool) checks against workloads.Answers. The process
// model's children are this binary in the "worker" role, fed tasks over
// their stdin and answering on their stdout with a fixed 16/32-byte framing.
// Chunking (N > 1) is how a pool amortises per-task overhead, as Python's
// chunksize.
//
// model imports only proc and workloads of the project: never a family,
// ipc, pool or anything that measures, so that every one of them can use it.
package model

import (
	"fmt"

	"github.com/concbench/concbench/workloads"
)

// Task is a run of N items starting at item Seq.
type Task struct {
	Seq uint64
	N   int
}

// Result is a finished task: the sum of its items' kernel results.
type Result struct {
	Task
	Fold   uint64
	Worker int
	Err    error
}

// Usage is CPU time and context switches spent outside this process (by
// child processes) that getrusage(RUSAGE_SELF) would not see.
type Usage struct {
	CPUNanos int64
	Ctxsw    int64
}

func (u Usage) Add(v Usage) Usage { return Usage{u.CPUNanos + v.CPUNanos, u.Ctxsw + v.Ctxsw} }

// Model is an execution model.
type Model interface {
	Name() string
	// Start launches n workers running spec. Each takes tasks from in and
	// sends a result for each to out; a worker that fails sends a Result with
	// Err and stops. When in is closed they finish and exit.
	Start(spec workloads.Spec, n int, in <-chan Task, out chan<- Result) (Group, error)
	// Spawn starts one worker, runs item arg on it, waits for it to end and
	// returns the kernel's result: the whole life cycle of a worker.
	Spawn(spec workloads.Spec, arg uint64) (uint64, error)
}

// Group is a set of started workers.
type Group interface {
	// Wait blocks until every worker has exited (after in is closed) and
	// returns the first error from ending them.
	Wait() error
	// Usage is what the group's child processes used between Start and Wait,
	// their start-up excluded; zero for in-process models. Call after Wait.
	Usage() Usage
}

// All returns the three pool models, one per kind of GoKinds.
func All() []Model { return []Model{Goroutine{}, Thread{}, Process{}} }

// ByName returns the pool model with that name.
func ByName(name string) (Model, error) {
	for _, m := range All() {
		if m.Name() == name {
			return m, nil
		}
	}
	return nil, fmt.Errorf("model: %w", Check("model", Kind(name), GoKinds()))
}

// runTask runs every item of t on r and folds the results.
func runTask(r workloads.Runner, t Task) (uint64, error) {
	var fold uint64
	for i := 0; i < t.N; i++ {
		v, err := r.Run((t.Seq + uint64(i)) % workloads.ArgRange)
		if err != nil {
			return 0, err
		}
		fold += v
	}
	return fold, nil
}

// Expected is the fold a correct worker returns for t.
func Expected(answers []uint64, t Task) uint64 {
	var fold uint64
	for i := 0; i < t.N; i++ {
		fold += answers[(t.Seq+uint64(i))%uint64(len(answers))]
	}
	return fold
}

func openKernel(spec workloads.Spec) (workloads.Runner, error) {
	k, err := workloads.Lookup(spec.Kernel)
	if err != nil {
		return nil, err
	}
	return k.Open(spec.Param)
}
