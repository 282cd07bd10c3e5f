package pool

import (
	"errors"
	"fmt"
	"sync"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/workloads"
)

// Pool feeds tasks to a model's workers and verifies every result.
//
// Submit hands a task to the workers; it blocks while all of them are busy
// and one task waits in the queue per worker (so a fast submitter cannot run
// far ahead). A collector goroutine checks each result against the answer
// table. Wait blocks until every submitted task has been checked. The first
// failure (a wrong fold, a worker's error) is kept: Submit and Wait return it
// from then on, and Wait never hangs on a task a dead worker lost.
type Pool struct {
	m       model.Model
	answers []uint64
	in      chan model.Task
	out     chan model.Result
	group   model.Group
	deliver chan model.Result

	mu        sync.Mutex
	cond      *sync.Cond
	submitted uint64
	checked   uint64
	err       error
	failed    chan struct{}
	collected chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Options tune a Pool.
type Options struct {
	// Deliver, if set, makes the pool send each verified result to Results,
	// which the caller must then drain. It is how map, imap and
	// imap_unordered are built on top.
	Deliver bool
}

// Start starts n workers of model m running spec. It computes the answer
// table and starts every worker before it returns.
func Start(m model.Model, spec workloads.Spec, n int, opt Options) (*Pool, error) {
	answers, err := workloads.Answers(spec)
	if err != nil {
		return nil, err
	}
	p := &Pool{
		m:         m,
		answers:   answers,
		in:        make(chan model.Task, n),
		out:       make(chan model.Result, n),
		failed:    make(chan struct{}),
		collected: make(chan struct{}),
	}
	p.cond = sync.NewCond(&p.mu)
	if opt.Deliver {
		p.deliver = make(chan model.Result, n)
	}
	if p.group, err = m.Start(spec, n, p.in, p.out); err != nil {
		return nil, fmt.Errorf("%s pool: start %d workers: %w", m.Name(), n, err)
	}
	go p.collect()
	return p, nil
}

func (p *Pool) collect() {
	defer close(p.collected)
	if p.deliver != nil {
		defer close(p.deliver)
	}
	for r := range p.out {
		err := r.Err
		if err == nil {
			if want := model.Expected(p.answers, r.Task); r.Fold != want {
				err = fmt.Errorf("worker %d returned checksum %#x for task %d (n=%d), want %#x", r.Worker, r.Fold, r.Seq, r.N, want)
			}
		}
		p.mu.Lock()
		if err != nil && p.err == nil {
			p.err = fmt.Errorf("%s pool: %w", p.m.Name(), err)
			close(p.failed)
		}
		p.checked++
		p.cond.Broadcast()
		p.mu.Unlock()
		if err == nil && p.deliver != nil {
			p.deliver <- r
		}
	}
}

// Results is the stream of verified results when the pool was started with
// Deliver; nil otherwise. It is closed by Close.
func (p *Pool) Results() <-chan model.Result { return p.deliver }

// Submit queues a task of n items starting at item seq.
func (p *Pool) Submit(seq uint64, n int) error {
	select {
	case <-p.failed:
		return p.Err()
	default:
	}
	p.mu.Lock()
	p.submitted++
	p.mu.Unlock()
	select {
	case p.in <- model.Task{Seq: seq, N: n}:
		return nil
	case <-p.failed:
		return p.Err()
	}
}

// Err is the pool's first failure, or nil.
func (p *Pool) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Failed is closed when the pool records its first failure. A caller that
// drains Results selects on it too: a failed task is never delivered, so
// waiting on Results alone could hang.
func (p *Pool) Failed() <-chan struct{} { return p.failed }

// Wait blocks until every submitted task is checked, or the pool failed.
func (p *Pool) Wait() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.checked < p.submitted && p.err == nil {
		p.cond.Wait()
	}
	return p.err
}

// Checked is how many results have been verified so far.
func (p *Pool) Checked() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.checked
}

// Close stops the workers, waits for them to exit and returns the pool's
// first error, if any.
func (p *Pool) Close() error {
	p.closeOnce.Do(func() {
		close(p.in)
		werr := p.group.Wait()
		close(p.out)
		<-p.collected
		p.closeErr = errors.Join(p.Err(), werr)
	})
	return p.closeErr
}

// Usage is what the pool's child processes used (see Group.Usage); valid
// after Close.
func (p *Pool) Usage() model.Usage { return p.group.Usage() }
