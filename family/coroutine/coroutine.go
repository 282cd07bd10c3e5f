// Package coroutine ports the seeds' generator producer/consumer (send and
// yield): a producer hands items 1, 2, 3 ... to a consumer, which answers
// each one with "200 OK". The question is what one hand-off costs when the
// two sides are joined by a plain call, by a coroutine (iter.Pull, Go's
// generator with send), or by goroutines over a channel.
//
// Start a Kind with a Consumer, Send items in order, then Close: the
// seeds' c.close(). Each hand-off is verified on both sides: the consumer
// checks it got the next item in sequence (else it answers BadRequest), and
// the producer checks the reply names that item and says OK. Send records
// the first failure and returns nothing, so a timed loop over a concrete
// hand-off inlines it and pays one compare per op; Err reports that failure
// at once, and Close returns it, or else checks the consumer's count and
// sum against what was sent. Start returns the concrete types (*Caller,
// *Puller, *Chans) behind the Handoff interface: a benchmark type-switches
// once, outside its loop, so that no op pays an interface dispatch.
//
//	call             the producer calls the consumer's method
//	iter-pull        the consumer is a push iterator run by iter.Pull: each
//	                 next() resumes it with the item in hand, and it yields
//	                 its reply, exactly a generator's send/yield
//	chan-unbuffered  the consumer is a goroutine; the item and the reply each
//	                 cross an unbuffered channel (the seeds' strict protocol:
//	                 send, then wait for the answer)
//	chan-buffered    the same over channels of capacity Window, with the
//	                 producer up to Window items ahead of the replies it
//	                 checks, which is what a buffer is for
package coroutine

import (
	"fmt"
	"iter"
)

// Reply statuses. Compared as string constants: no allocation.
const (
	OK         = "200 OK"
	BadRequest = "400 Bad Request"
)

// Window is chan-buffered's channel capacity and how far ahead of the
// replies its producer may run.
const Window = 64

// Kind is a way to join producer and consumer.
type Kind string

const (
	Call           Kind = "call"
	IterPull       Kind = "iter-pull"
	ChanUnbuffered Kind = "chan-unbuffered"
	ChanBuffered   Kind = "chan-buffered"
)

// Kinds are the four hand-offs, in the order benchmarks list them.
func Kinds() []Kind { return []Kind{Call, IterPull, ChanUnbuffered, ChanBuffered} }

// Reply is the consumer's answer to item Seq.
type Reply struct {
	Seq    uint64
	Status string
}

// Consumer is the seeds' consumer(): it consumes items 1, 2, 3 ... in order
// and answers each. Its zero value is ready; NewConsumer is the same.
type Consumer struct {
	last, sum uint64
	// FailAt, when non-zero, makes the consumer answer that item with
	// BadRequest: it exists for tests that prove a broken hand-off fails.
	FailAt uint64
}

// NewConsumer returns a consumer that expects item 1 first.
func NewConsumer() *Consumer { return &Consumer{} }

// Consume takes item n.
func (c *Consumer) Consume(n uint64) Reply {
	if n != c.last+1 || n == c.FailAt {
		return Reply{n, BadRequest}
	}
	c.last = n
	c.sum += n
	return Reply{n, OK}
}

// Took is what the consumer has taken: the last item and the sum of all.
func (c *Consumer) Took() (last, sum uint64) { return c.last, c.sum }

// Handoff is the producer's end of a joined producer and consumer.
type Handoff interface {
	// Send hands item n to the consumer and checks its reply (for
	// chan-buffered, possibly a reply to an earlier item). A failure is
	// kept, not returned: see Err.
	Send(n uint64)
	// Err is the first failed hand-off so far, nil if none.
	Err() error
	// Close tells the consumer to stop, checks every outstanding reply and
	// returns how many items the consumer took.
	Close() (uint64, error)
}

// Start joins a producer to c by kind k. The consumer is primed, as the
// seeds' c.send(None): its first Send is already a real hand-off.
func Start(k Kind, c *Consumer) (Handoff, error) {
	switch k {
	case Call:
		return &Caller{c: c}, nil
	case IterPull:
		return startPull(c), nil
	case ChanUnbuffered:
		return startChan(c, 0), nil
	case ChanBuffered:
		return startChan(c, Window), nil
	}
	return nil, fmt.Errorf("coroutine: unknown handoff %q (have call, iter-pull, chan-unbuffered, chan-buffered)", k)
}

// failure is the first bad hand-off: item n got reply r (ended: the
// consumer was gone). Recording it is a few stores, no call, so that Send
// stays small enough to inline.
type failure struct {
	set   bool
	n     uint64
	r     Reply
	ended bool
}

func (f *failure) err(k Kind) error {
	switch {
	case !f.set:
		return nil
	case f.ended:
		return fmt.Errorf("coroutine %s: consumer ended before item %d", k, f.n)
	}
	return fmt.Errorf("coroutine %s: item %d answered %q for item %d, want %q", k, f.n, f.r.Status, f.r.Seq, OK)
}

// tally checks what the consumer took against the sent items 1..sent.
func tally(k Kind, c *Consumer, sent uint64) (uint64, error) {
	if c.last != sent || c.sum != sent*(sent+1)/2 {
		return c.last, fmt.Errorf("coroutine %s: consumer took items up to %d (sum %d), want %d (sum %d)", k, c.last, c.sum, sent, sent*(sent+1)/2)
	}
	return c.last, nil
}

// Caller is the call hand-off: the producer calls the consumer's method.
type Caller struct {
	c    *Consumer
	sent uint64
	bad  failure
}

func (h *Caller) Send(n uint64) {
	if r := h.c.Consume(n); (r.Seq != n || r.Status != OK) && !h.bad.set {
		h.bad = failure{set: true, n: n, r: r}
	}
	h.sent = n
}

func (h *Caller) Err() error { return h.bad.err(Call) }

func (h *Caller) Close() (uint64, error) {
	if err := h.Err(); err != nil {
		return h.c.last, err
	}
	return tally(Call, h.c, h.sent)
}

// Puller is the seeds' generator. The coroutine reads the item the
// producer left in box, as Python's n = yield r receives what send(n)
// passed in.
type Puller struct {
	c    *Consumer
	box  uint64
	next func() (Reply, bool)
	stop func()
	sent uint64
	bad  failure
}

func startPull(c *Consumer) *Puller {
	h := &Puller{c: c}
	h.next, h.stop = iter.Pull(func(yield func(Reply) bool) {
		r := Reply{} // the seeds' r = ''
		for yield(r) {
			r = c.Consume(h.box)
		}
	})
	h.next() // c.send(None): run to the first yield
	return h
}

func (h *Puller) Send(n uint64) {
	h.sent = n
	h.box = n
	if r, ok := h.next(); (!ok || r.Seq != n || r.Status != OK) && !h.bad.set {
		h.bad = failure{set: true, n: n, r: r, ended: !ok}
	}
}

func (h *Puller) Err() error { return h.bad.err(IterPull) }

func (h *Puller) Close() (uint64, error) {
	h.stop() // c.close(): the pending yield returns false and the consumer returns
	if err := h.Err(); err != nil {
		return h.c.last, err
	}
	return tally(IterPull, h.c, h.sent)
}

// Chans joins the consumer goroutine by an items and a replies channel.
// With capacity 0 every Send waits for its reply; with a buffer the
// producer keeps up to window items in flight and checks replies in order.
type Chans struct {
	kind    Kind
	c       *Consumer
	items   chan uint64
	replies chan Reply
	done    chan struct{}
	ring    []uint64 // items in flight, oldest at head
	head, n int
	sent    uint64
	bad     failure
}

func startChan(c *Consumer, window int) *Chans {
	h := &Chans{
		kind: ChanUnbuffered, c: c,
		items: make(chan uint64, window), replies: make(chan Reply, window),
		done: make(chan struct{}), ring: make([]uint64, max(window, 1)),
	}
	if window > 0 {
		h.kind = ChanBuffered
	}
	go func() {
		defer close(h.done)
		for n := range h.items {
			h.replies <- c.Consume(n)
		}
	}()
	return h
}

// receive takes and checks the reply to the oldest item in flight.
func (h *Chans) receive() {
	r := <-h.replies
	want := h.ring[h.head]
	h.head = (h.head + 1) % len(h.ring)
	h.n--
	if (r.Seq != want || r.Status != OK) && !h.bad.set {
		h.bad = failure{set: true, n: want, r: r}
	}
}

func (h *Chans) Send(n uint64) {
	if h.n == len(h.ring) {
		h.receive()
	}
	h.items <- n
	h.ring[(h.head+h.n)%len(h.ring)] = n
	h.n++
	h.sent = n
	if cap(h.items) == 0 {
		h.receive()
	}
}

func (h *Chans) Err() error { return h.bad.err(h.kind) }

func (h *Chans) Close() (uint64, error) {
	for h.n > 0 && !h.bad.set {
		h.receive()
	}
	close(h.items)
	for done := false; !done; {
		select {
		case <-h.replies: // after a failure, unblock the consumer
		case <-h.done:
			done = true
		}
	}
	if err := h.Err(); err != nil {
		return h.c.last, err
	}
	return tally(h.kind, h.c, h.sent)
}
