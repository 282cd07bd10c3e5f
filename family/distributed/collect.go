package distributed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/concbench/concbench/proc"
)

// collector checks every result as it arrives: a value that is not the
// answer table's, or a result for a task that was never put, is an error
// that Wait returns at once.
type collector struct {
	ans      *answers
	mu       sync.Mutex
	puts     uint64          // tasks put so far (seq < puts)
	seen     map[uint64]bool // tasks answered
	dups     int
	err      error
	notify   chan struct{} // a result arrived (capacity 1: a wake-up, not a count)
	distinct int
	// A fault armed by InjectAt: strike runs on the collector's goroutine
	// once strikeAt results are in.
	strikeAt  int
	strike    func() error
	struck    bool
	doneAt    int   // results in when it struck
	strikeErr error // strike's error
}

func newCollector(a *answers) *collector {
	return &collector{ans: a, seen: make(map[uint64]bool, queueCap), notify: make(chan struct{}, 1)}
}

func (c *collector) sent(seq uint64) {
	c.mu.Lock()
	c.puts = seq + 1
	c.mu.Unlock()
}

func (c *collector) run(results <-chan pair, stop <-chan struct{}) {
	for {
		select {
		case p := <-results:
			c.check(p)
			c.maybeStrike()
		case <-stop:
			return
		}
		select {
		case c.notify <- struct{}{}:
		default:
		}
	}
}

func (c *collector) check(p pair) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.err != nil:
	case p.a >= c.puts:
		c.err = fmt.Errorf("dist: result for task %d, which was never put", p.a)
	case p.b != c.ans.want(p.a):
		c.err = fmt.Errorf("dist: task %d: result %d, want %d", p.a, p.b, c.ans.want(p.a))
	case c.seen[p.a]:
		c.dups++
	default:
		c.seen[p.a] = true
		c.distinct++
	}
}

// maybeStrike runs the armed fault once its share of results is in. It
// runs between two results, so no result is counted while it runs.
func (c *collector) maybeStrike() {
	c.mu.Lock()
	fire := c.strike != nil && !c.struck && c.distinct >= c.strikeAt
	if fire {
		c.struck, c.doneAt = true, c.distinct
	}
	c.mu.Unlock()
	if !fire {
		return
	}
	err := c.strike()
	c.mu.Lock()
	c.strikeErr = err
	c.mu.Unlock()
}

func (c *collector) stats(want int) (Stats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Distinct: c.distinct, Lost: want - c.distinct, Duplicates: c.dups}, c.err
}

// selfCPU is this process's CPU time: a Go master's (the nats queues add
// their broker's, a child's).
func selfCPU() (time.Duration, error) { return proc.CPU(os.Getpid()) }

// hungUp says whether err is the other side closing the connection: the
// end of a run for a worker, not a failure.
func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}
