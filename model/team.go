package model

import "sync"

// Team is a fixed set of in-process workers run in rounds, so that a
// benchmark whose op is one tiny update (an increment, a lookup) can hand
// many ops to several workers at once without starting goroutines or
// allocating inside its timed loop.
//
// A caller StartTeams with a work function, calls Round(n) as often as it
// likes (n ops are split as evenly as possible over the workers, and Round
// returns when every worker has finished its share), reads Ops to learn how
// many ops each worker was given in all, and Closes the team. The workers
// live from StartTeam to Close; between rounds they wait on their own
// channel. Round and Close must be called from one goroutine.
type Team struct {
	work  func(worker, n int)
	start []chan int
	wg    sync.WaitGroup
	exit  sync.WaitGroup
	ops   []uint64
}

// StartTeam starts workers in-process workers of kind k (see Go); each runs
// work(worker, n) once per round in which it is given n > 0 ops.
func StartTeam(k Kind, workers int, work func(worker, n int)) *Team {
	if workers < 1 {
		workers = 1
	}
	t := &Team{work: work, start: make([]chan int, workers), ops: make([]uint64, workers)}
	t.exit.Add(workers)
	for w := range t.start {
		t.start[w] = make(chan int, 1)
		Go(k, func() { t.serve(w) })
	}
	return t
}

func (t *Team) serve(w int) {
	defer t.exit.Done()
	for n := range t.start[w] {
		t.work(w, n)
		t.wg.Done()
	}
}

// Round splits n ops over the workers (the first n mod workers get one
// more) and waits until all of them are done.
func (t *Team) Round(n int) {
	if n <= 0 {
		return
	}
	w := len(t.start)
	share, extra := n/w, n%w
	for i := range t.start {
		k := share
		if i < extra {
			k++
		}
		if k == 0 {
			continue
		}
		t.ops[i] += uint64(k)
		t.wg.Add(1)
		t.start[i] <- k
	}
	t.wg.Wait()
}

// Ops is how many ops each worker has been given so far. The slice is the
// team's own; read it between rounds.
func (t *Team) Ops() []uint64 { return t.ops }

// Total is the sum of Ops.
func (t *Team) Total() uint64 {
	var s uint64
	for _, n := range t.ops {
		s += n
	}
	return s
}

// Close stops the workers and waits for their goroutines to exit.
func (t *Team) Close() {
	for _, c := range t.start {
		close(c)
	}
	t.exit.Wait()
}
