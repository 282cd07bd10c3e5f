package model

import (
	"sync"

	"github.com/concbench/concbench/workloads"
)

// Goroutine runs each worker as a plain goroutine.
type Goroutine struct{}

// Thread runs each worker as a goroutine locked to its own OS thread for its
// whole life. It never unlocks, so the runtime ends the thread when the
// worker returns: a thread is created and destroyed per worker, as in C.
type Thread struct{}

func (Goroutine) Name() string { return string(KindGoroutine) }
func (Thread) Name() string    { return string(KindThread) }

func (Goroutine) Start(s workloads.Spec, n int, in <-chan Task, out chan<- Result) (Group, error) {
	return startInProc(KindGoroutine, s, n, in, out)
}

func (Thread) Start(s workloads.Spec, n int, in <-chan Task, out chan<- Result) (Group, error) {
	return startInProc(KindThread, s, n, in, out)
}

func (Goroutine) Spawn(s workloads.Spec, arg uint64) (uint64, error) {
	return spawnInProc(KindGoroutine, s, arg)
}
func (Thread) Spawn(s workloads.Spec, arg uint64) (uint64, error) {
	return spawnInProc(KindThread, s, arg)
}

type inProcGroup struct {
	wg   sync.WaitGroup
	errs []error
}

func (g *inProcGroup) Wait() error {
	g.wg.Wait()
	for _, err := range g.errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (g *inProcGroup) Usage() Usage { return Usage{} }

// startInProc opens every worker's kernel before returning, so set-up cost
// (a temp file, a connection) is never inside a caller's timed loop.
func startInProc(k Kind, s workloads.Spec, n int, in <-chan Task, out chan<- Result) (Group, error) {
	runners := make([]workloads.Runner, n)
	for i := range runners {
		r, err := openKernel(s)
		if err != nil {
			for _, r := range runners[:i] {
				r.Close()
			}
			return nil, err
		}
		runners[i] = r
	}
	g := &inProcGroup{errs: make([]error, n)}
	g.wg.Add(n)
	for i, r := range runners {
		Go(k, func() {
			defer g.wg.Done()
			defer func() { g.errs[i] = r.Close() }()
			for t := range in {
				fold, err := runTask(r, t)
				out <- Result{Task: t, Fold: fold, Worker: i, Err: err}
				if err != nil {
					return
				}
			}
		})
	}
	return g, nil
}

func spawnInProc(k Kind, s workloads.Spec, arg uint64) (uint64, error) {
	type reply struct {
		v   uint64
		err error
	}
	done := make(chan reply, 1)
	Go(k, func() {
		r, err := openKernel(s)
		if err != nil {
			done <- reply{err: err}
			return
		}
		v, err := r.Run(arg)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		done <- reply{v, err}
	})
	rep := <-done
	return rep.v, rep.err
}
