package bench

import (
	"fmt"
	"testing"

	"github.com/concbench/concbench/family/coroutine"
)

// BenchmarkCoroutine is the seeds' generator producer/consumer: the
// producer hands items 1, 2, 3 ... to a consumer that answers each with
// "200 OK", joined by a direct call, iter.Pull (Go's send/yield), an
// unbuffered channel pair, or a buffered one the producer may run ahead on
// (see package coroutine). One op = one hand-off: an item in, its reply
// checked. Any wrong, missing or out-of-order reply fails the run.
//
// The timed loop of each kind calls its concrete type, so a hand-off pays
// no interface dispatch and the reply check inlines; the consumer's count
// and sum are checked after the loop. handoff=call/check=bare is the
// harness's floor beside the cheapest kind: the consumer's own work called
// in the loop with its reply unread (count and sum still checked at the
// end), so call minus bare is what the producer's check costs.
func BenchmarkCoroutine(b *testing.B) {
	for _, k := range coroutine.Kinds() {
		b.Run(fmt.Sprintf("handoff=%s", k), func(b *testing.B) { benchCoroutine(b, k, coroutine.NewConsumer()) })
	}
	b.Run("handoff=call/check=bare", func(b *testing.B) { benchCoroutineBare(b, coroutine.NewConsumer()) })
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyCoroutineRows())
}

func benchCoroutine(b *testing.B, k coroutine.Kind, c *coroutine.Consumer) {
	atProcs(b)
	h, err := coroutine.Start(k, c)
	if err != nil {
		b.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			h.Close()
		}
	}()
	mt := startMeter()
	var n uint64
	// One loop per concrete type: the switch is outside the timed code.
	switch h := h.(type) {
	case *coroutine.Caller:
		for b.Loop() {
			n++
			h.Send(n)
		}
	case *coroutine.Puller:
		for b.Loop() {
			n++
			h.Send(n)
		}
	case *coroutine.Chans:
		for b.Loop() {
			n++
			h.Send(n)
		}
	default:
		b.Fatalf("coroutine %s: no timed loop for %T", k, h)
	}
	b.StartTimer() // the buffered hand-off's last replies are part of the work
	took, err := h.Close()
	b.StopTimer()
	closed = true
	mt.stop(b, b.N, mtNoChildren)
	if err != nil {
		b.Fatal(err)
	}
	if took != uint64(b.N) {
		b.Fatalf("coroutine %s: consumer took %d items, want %d", k, took, b.N)
	}
}

// benchCoroutineBare is the consumer's work alone: Consume in the loop, its
// reply unread; Close of a call hand-off that sent nothing per op still
// checks the consumer's count and sum.
func benchCoroutineBare(b *testing.B, c *coroutine.Consumer) {
	atProcs(b)
	mt := startMeter()
	var n uint64
	for b.Loop() {
		n++
		c.Consume(n)
	}
	mt.stop(b, b.N, mtNoChildren)
	if last, sum := c.Took(); last != uint64(b.N) || sum != last*(last+1)/2 {
		b.Fatalf("coroutine bare: consumer took items up to %d (sum %d), want %d", last, sum, b.N)
	}
}

// A consumer that answers one item wrongly must fail the benchmark under
// every hand-off (testing.Benchmark reports N=0 for a failed one). The
// healthy run, one kind only to keep go test quick, shows the harness
// itself passes: the bad reply is what failed the others.
func TestCoroutineFailsOnBadReply(t *testing.T) {
	for _, k := range coroutine.Kinds() {
		r := testing.Benchmark(func(b *testing.B) { benchCoroutine(b, k, &coroutine.Consumer{FailAt: 1000}) })
		if r.N != 0 {
			t.Errorf("handoff=%s: benchmark with a bad reply at item 1000 completed %d ops; it must fail", k, r.N)
		}
	}
	r := testing.Benchmark(func(b *testing.B) { benchCoroutine(b, coroutine.ChanBuffered, coroutine.NewConsumer()) })
	if r.N == 0 {
		t.Error("handoff=chan-buffered: benchmark with a healthy consumer failed")
	}
}
