// Package poolmode builds the calling styles of Python's multiprocessing
// Pool on top of Pool, so that each one can be timed under every
// execution model:
//
//	apply      apply_async(f, x).get(), item after item: one task in flight,
//	           its result awaited before the next is submitted
//	map        map(f, items, chunksize): every chunk submitted, every result
//	           collected, then all handed back in item order
//	imap       imap(f, items, chunksize): results handed back in item order
//	           as soon as each and all before it have arrived (a reorder
//	           buffer holds the early ones)
//	unordered  imap_unordered(f, items, chunksize): results handed back in
//	           the order they finish
//
// A Runner drives one pool. Its Run takes a batch of n items starting at
// item seq, cuts it into chunks of chunk items (the last may be shorter),
// keeps at most 2 tasks per worker in flight (Submit blocks when the
// workers are behind, and the pool's result channel must keep draining),
// and calls yield with each chunk's verified result in the order the mode
// promises. It also checks what the pool cannot: that every chunk of the
// batch comes back exactly once, with its own items, and, for map and imap,
// in order. Close the pool with Close, which drains what nobody read.
package pool

import (
	"fmt"

	"github.com/concbench/concbench/model"
)

// Mode is one of the Pool calling styles.
type Mode string

const (
	Apply     Mode = "apply"
	Map       Mode = "map"
	IMap      Mode = "imap"
	Unordered Mode = "unordered"
)

// Modes are the four styles, in the order benchmarks list them.
func Modes() []Mode { return []Mode{Apply, Map, IMap, Unordered} }

// Source is what a Runner needs of a Pool (started with Deliver).
type Source interface {
	Submit(seq uint64, n int) error
	Results() <-chan model.Result
	Failed() <-chan struct{}
	Err() error
}

// Runner runs batches on one pool. It is not safe for concurrent use; its
// buffers are reused, so a Run allocates nothing once they have grown.
type Runner struct {
	p      Source
	window int
	slots  []model.Result
	have   []bool
}

// New returns a Runner for p, whose workers number workers.
func New(p Source, workers int) (*Runner, error) {
	if p.Results() == nil {
		return nil, fmt.Errorf("poolmode: pool has no result stream (start it with PoolOptions{Deliver: true})")
	}
	return &Runner{p: p, window: 2 * max(workers, 1)}, nil
}

// Run runs items [seq, seq+n) in chunks of chunk items under mode m and
// calls yield with each chunk's result, in m's order.
func (r *Runner) Run(m Mode, seq uint64, n, chunk int, yield func(model.Result)) error {
	if n <= 0 {
		return nil
	}
	if chunk < 1 {
		return fmt.Errorf("poolmode %s: chunk %d, want at least 1", m, chunk)
	}
	chunks := (n + chunk - 1) / chunk
	if cap(r.slots) < chunks {
		r.slots, r.have = make([]model.Result, chunks), make([]bool, chunks)
	}
	r.slots, r.have = r.slots[:chunks], r.have[:chunks]
	clear(r.have)
	b := batch{seq: seq, n: n, chunk: chunk, chunks: chunks}

	window := r.window
	switch m {
	case Apply:
		window = 1
	case Map, IMap, Unordered:
	default:
		return fmt.Errorf("poolmode: unknown mode %q (have apply, map, imap, unordered)", m)
	}
	next := 0 // the next chunk to hand to yield, for the ordered modes
	for sub, got := 0, 0; got < chunks; {
		if sub < chunks && sub-got < window {
			s, k := b.chunkAt(sub)
			if err := r.p.Submit(s, k); err != nil {
				return fmt.Errorf("poolmode %s: submit chunk %d of %d: %w", m, sub, chunks, err)
			}
			sub++
			continue
		}
		res, err := r.receive()
		if err != nil {
			return fmt.Errorf("poolmode %s: after %d of %d chunks: %w", m, got, chunks, err)
		}
		i, err := b.index(res)
		if err == nil && r.have[i] {
			err = fmt.Errorf("chunk %d (items %d+%d) delivered twice", i, res.Seq, res.N)
		}
		if err != nil {
			return fmt.Errorf("poolmode %s: %w", m, err)
		}
		r.have[i] = true
		got++
		switch m {
		case Unordered, Apply:
			yield(res)
		case IMap:
			r.slots[i] = res
			for ; next < chunks && r.have[next]; next++ {
				yield(r.slots[next])
			}
		case Map:
			r.slots[i] = res
		}
	}
	if m == Map {
		for _, res := range r.slots {
			yield(res)
		}
	}
	return nil
}

func (r *Runner) receive() (model.Result, error) {
	select {
	case res, ok := <-r.p.Results():
		if !ok {
			if err := r.p.Err(); err != nil {
				return res, err
			}
			return res, fmt.Errorf("result stream closed")
		}
		return res, nil
	case <-r.p.Failed():
		return model.Result{}, r.p.Err()
	}
}

// batch is items [seq, seq+n) cut into chunks.
type batch struct {
	seq      uint64
	n, chunk int
	chunks   int
}

func (b batch) chunkAt(i int) (uint64, int) {
	k := b.chunk
	if i == b.chunks-1 {
		k = b.n - i*b.chunk
	}
	return b.seq + uint64(i*b.chunk), k
}

// index is the chunk a result belongs to, or an error if it is none.
func (b batch) index(res model.Result) (int, error) {
	if res.Seq >= b.seq && (res.Seq-b.seq)%uint64(b.chunk) == 0 {
		if i := int((res.Seq - b.seq) / uint64(b.chunk)); i < b.chunks {
			if _, k := b.chunkAt(i); k == res.N {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("result for items %d+%d is no chunk of batch %d+%d (chunk %d)", res.Seq, res.N, b.seq, b.n, b.chunk)
}

// Closer is what Close needs of a Pool.
type Closer interface {
	Results() <-chan model.Result
	Close() error
}

// Close closes p while draining its result stream, which a pool's
// collector would otherwise block on, and reports any result nobody read:
// after a complete Run there must be none.
func Close(p Closer) error {
	stray := make(chan int)
	go func() {
		n := 0
		for range p.Results() {
			n++
		}
		stray <- n
	}()
	err := p.Close()
	if n := <-stray; n > 0 && err == nil {
		err = fmt.Errorf("poolmode: %d results were never collected", n)
	}
	return err
}
