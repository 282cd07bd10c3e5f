// Package local ports the seeds' threading.local(): each worker keeps its
// own state (the seeds' local_school.student) and the question is what it
// costs to get at it. Go has no goroutine-local storage on purpose, so the
// candidates are the ways Go code actually does it:
//
//	explicit   the worker passes its *State to the function that updates it
//	           (what threading.local saves Python code from doing)
//	closure    the update is a closure that captured the worker's *State
//	mutex-map  one shared map[worker]*State; every op looks its state up
//	           under a sync.Mutex, then updates it
//	sync-map   the same lookup in a sync.Map
//
// One op is one lookup-and-update. Start a Variant's Store behind a team of
// workers, Add ops, then Finish: it checks every worker's State against the
// ops that worker was given, so a lookup that returned another worker's
// state, or an update that went missing, fails the run.
//
// local is one family: it starts its workers with model.StartTeam and
// imports no other family, nor ipc, pool or anything that reports.
package local

import (
	"fmt"
	"sync"

	"github.com/concbench/concbench/model"
)

// State is one worker's own state. Each update adds the updating worker's
// tag (its index + 1) to Sum, so a state reached by the wrong worker ends
// with the wrong Sum.
type State struct {
	N, Sum uint64
	_      [112]byte // one State per 128 bytes: no false sharing between workers
}

// update is the work of one op once the state is found. It is not inlined,
// so every variant pays the same call and differs only in the lookup.
//
//go:noinline
func update(s *State, tag uint64) {
	s.N++
	s.Sum += tag
}

// Store holds the workers' states and does n ops as worker w.
type Store interface {
	Work(w, n int)
	// State is worker w's state, for checking once the work is done.
	State(w int) *State
}

// Variant is a named way to reach a worker's state.
type Variant struct {
	Name string
	New  func(workers int) Store
}

// Variants are the four schemes, in the order benchmarks list them.
func Variants() []Variant {
	return []Variant{
		{"explicit", newExplicit},
		{"closure", newClosure},
		{"mutex-map", newMutexMap},
		{"sync-map", newSyncMap},
	}
}

func newStates(workers int) []State {
	return make([]State, workers)
}

type explicit struct{ states []State }

func newExplicit(w int) Store { return &explicit{newStates(w)} }

func (e *explicit) Work(w, n int) {
	s, tag := &e.states[w], uint64(w)+1
	for i := 0; i < n; i++ {
		update(s, tag)
	}
}
func (e *explicit) State(w int) *State { return &e.states[w] }

type closure struct {
	states []State
	fns    []func()
}

func newClosure(workers int) Store {
	c := &closure{states: newStates(workers), fns: make([]func(), workers)}
	for w := range c.fns {
		s, tag := &c.states[w], uint64(w)+1
		c.fns[w] = func() { update(s, tag) }
	}
	return c
}

func (c *closure) Work(w, n int) {
	f := c.fns[w]
	for i := 0; i < n; i++ {
		f()
	}
}
func (c *closure) State(w int) *State { return &c.states[w] }

type mutexMap struct {
	mu sync.Mutex
	m  map[int]*State
}

func newMutexMap(workers int) Store {
	states := newStates(workers)
	m := &mutexMap{m: make(map[int]*State, workers)}
	for w := range states {
		m.m[w] = &states[w]
	}
	return m
}

func (m *mutexMap) Work(w, n int) {
	for i := 0; i < n; i++ {
		m.mu.Lock()
		s := m.m[w]
		m.mu.Unlock()
		update(s, uint64(w)+1)
	}
}
func (m *mutexMap) State(w int) *State { m.mu.Lock(); defer m.mu.Unlock(); return m.m[w] }

type syncMap struct {
	m    sync.Map
	keys []any // boxed once, so a lookup does not allocate
}

func newSyncMap(workers int) Store {
	states := newStates(workers)
	m := &syncMap{keys: make([]any, workers)}
	for w := range states {
		m.keys[w] = w
		m.m.Store(m.keys[w], &states[w])
	}
	return m
}

func (m *syncMap) Work(w, n int) {
	k := m.keys[w]
	for i := 0; i < n; i++ {
		v, _ := m.m.Load(k)
		update(v.(*State), uint64(w)+1)
	}
}
func (m *syncMap) State(w int) *State { v, _ := m.m.Load(m.keys[w]); s, _ := v.(*State); return s }

// Run is a store being worked by a team of workers.
type Run struct {
	v    Variant
	s    Store
	team *model.Team
}

// Start makes v's store and a team of workers to work it.
func Start(v Variant, workers int) *Run {
	r := &Run{v: v, s: v.New(workers)}
	r.team = model.StartTeam(model.KindGoroutine, workers, r.s.Work)
	return r
}

// Add makes n ops, split over the workers, and waits for them.
func (r *Run) Add(n int) { r.team.Round(n) }

// Finish stops the workers and checks every worker's state: N must be the
// ops it was given and Sum N times its own tag. It returns the ops made.
func (r *Run) Finish() (ops uint64, err error) {
	r.team.Close()
	for w, n := range r.team.Ops() {
		s := r.s.State(w)
		if s == nil {
			return 0, fmt.Errorf("local %s: worker %d has no state", r.v.Name, w)
		}
		if s.N != n || s.Sum != n*(uint64(w)+1) {
			return 0, fmt.Errorf("local %s: worker %d state has n=%d sum=%d after %d ops, want n=%d sum=%d", r.v.Name, w, s.N, s.Sum, n, n, n*(uint64(w)+1))
		}
	}
	return r.team.Total(), nil
}
