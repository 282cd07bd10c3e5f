// Package counter ports the seeds' balance example (threading.Lock): many
// workers update one shared counter, and the question is what each way of
// keeping the count right costs, and what not keeping it right loses.
//
// A Variant makes a Counter for a number of workers. Start puts it behind a
// model.Team of worker goroutines; Add(n) makes n updates split over the workers;
// Finish stops them and returns how many increments were meant and what the
// counter holds. Check turns the two into lost updates and fails a
// synchronised variant that lost (or invented) even one.
//
// The variants:
//
//	mutex     sync.Mutex around v++ (the seeds' lock.acquire/release)
//	rwmutex   sync.RWMutex with a read-mostly mix: of every 10 ops a worker
//	          makes, 9 read the counter under RLock and 1 increments it under
//	          Lock, so only 1 op in 10 is an increment
//	atomic    atomic add
//	channel   one owner goroutine holds the count; workers send it
//	          increments over a buffered channel (capacity ChanBuffer)
//	sharded   one cache-line-padded counter per worker (atomic add on its
//	          own line), summed at the end
//	unsynced  the seeds' race: a load and a store that are each atomic but
//	          not together, so concurrent updates overwrite each other and
//	          are lost, while the race detector (rightly) sees no data race
//
// counter is one family: it starts its workers with model.StartTeam and
// imports no other family, nor ipc, pool or anything that reports.
package counter

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/concbench/concbench/model"
)

// Counter is a shared counter under one synchronisation scheme.
type Counter interface {
	// Work makes n updates as worker w and returns how many of them were
	// increments (n, except for the read-mostly rwmutex mix).
	Work(w, n int) uint64
	// Total is the counter's value; call it once all Work has returned.
	Total() uint64
	// Close releases what the counter started (the channel owner).
	Close()
}

// Variant is a named way to build a Counter.
type Variant struct {
	Name string
	// Synced variants must never lose an update.
	Synced bool
	New    func(workers int) Counter
}

// ChanBuffer is the capacity of the channel variant's channel.
const ChanBuffer = 64

// ReadsPerWrite is the rwmutex variant's mix: this many reads, then one
// increment.
const ReadsPerWrite = 9

// Variants are the six schemes, in the order benchmarks list them.
func Variants() []Variant {
	return []Variant{
		{"mutex", true, func(int) Counter { return &mutexCounter{} }},
		{"rwmutex", true, func(w int) Counter { return &rwCounter{phase: make([]padded, w)} }},
		{"atomic", true, func(int) Counter { return &atomicCounter{} }},
		{"channel", true, newChanCounter},
		{"sharded", true, func(w int) Counter { return &shardedCounter{shards: make([]padded, w)} }},
		{"unsynced", false, func(int) Counter { return &unsyncedCounter{} }},
	}
}

// ByName returns the variant with that name.
func ByName(name string) (Variant, error) {
	for _, v := range Variants() {
		if v.Name == name {
			return v, nil
		}
	}
	return Variant{}, fmt.Errorf("counter: unknown sync %q (have mutex, rwmutex, atomic, channel, sharded, unsynced)", name)
}

// padded keeps one worker's word on its own cache lines (two, against the
// adjacent-line prefetcher), so sharding measures no false sharing.
type padded struct {
	v uint64
	_ [120]byte
}

type mutexCounter struct {
	mu sync.Mutex
	v  uint64
}

func (c *mutexCounter) Work(_, n int) uint64 {
	for i := 0; i < n; i++ {
		c.mu.Lock()
		c.v++
		c.mu.Unlock()
	}
	return uint64(n)
}
func (c *mutexCounter) Total() uint64 { c.mu.Lock(); defer c.mu.Unlock(); return c.v }
func (c *mutexCounter) Close()        {}

type rwCounter struct {
	mu    sync.RWMutex
	v     uint64
	phase []padded // per worker: ops made so far, so the mix holds across rounds
	seen  atomic.Uint64
}

func (c *rwCounter) Work(w, n int) uint64 {
	ph := &c.phase[w].v
	var incs, seen uint64
	for i := 0; i < n; i++ {
		*ph++
		if *ph%(ReadsPerWrite+1) == 0 {
			c.mu.Lock()
			c.v++
			c.mu.Unlock()
			incs++
			continue
		}
		c.mu.RLock()
		seen += c.v
		c.mu.RUnlock()
	}
	c.seen.Add(seen) // keeps the reads observable
	return incs
}
func (c *rwCounter) Total() uint64 { c.mu.RLock(); defer c.mu.RUnlock(); return c.v }
func (c *rwCounter) Close()        {}

type atomicCounter struct{ v atomic.Uint64 }

func (c *atomicCounter) Work(_, n int) uint64 {
	for i := 0; i < n; i++ {
		c.v.Add(1)
	}
	return uint64(n)
}
func (c *atomicCounter) Total() uint64 { return c.v.Load() }
func (c *atomicCounter) Close()        {}

// chanCounter's owner goroutine is the only one that touches v. A zero on
// ops asks for the total, which comes back on total: the owner reads ops in
// order, so every increment sent before the request is in the answer.
type chanCounter struct {
	ops   chan uint64
	total chan uint64
	done  chan struct{}
}

func newChanCounter(int) Counter {
	c := &chanCounter{ops: make(chan uint64, ChanBuffer), total: make(chan uint64), done: make(chan struct{})}
	go c.own()
	return c
}

func (c *chanCounter) own() {
	defer close(c.done)
	var v uint64
	for d := range c.ops {
		if d == 0 {
			c.total <- v
			continue
		}
		v += d
	}
}

func (c *chanCounter) Work(_, n int) uint64 {
	for i := 0; i < n; i++ {
		c.ops <- 1
	}
	return uint64(n)
}
func (c *chanCounter) Total() uint64 { c.ops <- 0; return <-c.total }
func (c *chanCounter) Close()        { close(c.ops); <-c.done }

type shardedCounter struct{ shards []padded }

func (c *shardedCounter) Work(w, n int) uint64 {
	p := &c.shards[w].v
	for i := 0; i < n; i++ {
		atomic.AddUint64(p, 1)
	}
	return uint64(n)
}
func (c *shardedCounter) Total() uint64 {
	var s uint64
	for i := range c.shards {
		s += atomic.LoadUint64(&c.shards[i].v)
	}
	return s
}
func (c *shardedCounter) Close() {}

// unsyncedCounter is balance = balance + n from the seeds, written so that
// the race is on the value, not on memory: another worker's store between
// this Load and Store is overwritten, and that update is lost.
type unsyncedCounter struct{ v atomic.Uint64 }

func (c *unsyncedCounter) Work(_, n int) uint64 {
	for i := 0; i < n; i++ {
		c.v.Store(c.v.Load() + 1)
	}
	return uint64(n)
}
func (c *unsyncedCounter) Total() uint64 { return c.v.Load() }
func (c *unsyncedCounter) Close()        {}

// Run is a counter being updated by a team of workers.
type Run struct {
	v        Variant
	c        Counter
	team     *model.Team
	intended []padded
}

// Start makes v's counter and a team of workers to update it.
func Start(v Variant, workers int) *Run {
	r := &Run{v: v, c: v.New(workers), intended: make([]padded, workers)}
	r.team = model.StartTeam(model.KindGoroutine, workers, func(w, n int) { r.intended[w].v += r.c.Work(w, n) })
	return r
}

// Add makes n updates, split over the workers, and waits for them.
func (r *Run) Add(n int) { r.team.Round(n) }

// Finish stops the workers and the counter. ops is the number of updates
// made, intended the increments among them, final the counter's value.
func (r *Run) Finish() (ops, intended, final uint64) {
	r.team.Close()
	final = r.c.Total()
	r.c.Close()
	for i := range r.intended {
		intended += r.intended[i].v
	}
	return r.team.Total(), intended, final
}

// Check is the verdict on one run: lost = intended - final. A synchronised
// variant that lost any update is an error, and so is any variant whose
// counter ends above the increments made (updates invented, not lost).
func Check(v Variant, intended, final uint64) (lost uint64, err error) {
	if final > intended {
		return 0, fmt.Errorf("counter %s: final count %d is above the %d increments made", v.Name, final, intended)
	}
	lost = intended - final
	if v.Synced && lost != 0 {
		return lost, fmt.Errorf("counter %s: lost %d of %d updates, but it is synchronised", v.Name, lost, intended)
	}
	return lost, nil
}
