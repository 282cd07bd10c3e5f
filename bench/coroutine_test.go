package bench

import (
	"fmt"
	"testing"

	"github.com/concbench/concbench/workloads/coroutine"
)

// BenchmarkCoroutine is the seeds' generator producer/consumer: the
// producer hands items 1, 2, 3 ... to a consumer that answers each with
// "200 OK", joined by a direct call, iter.Pull (Go's send/yield), an
// unbuffered channel pair, or a buffered one the producer may run ahead on
// (see package coroutine). One op = one hand-off: an item in, its reply
// checked. Any wrong, missing or out-of-order reply fails the run.
func BenchmarkCoroutine(b *testing.B) {
	for _, k := range coroutine.Kinds() {
		b.Run(fmt.Sprintf("handoff=%s", k), func(b *testing.B) {
			h, err := coroutine.Start(k, coroutine.NewConsumer())
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
			for b.Loop() {
				n++
				if err := h.Send(n); err != nil {
					b.Fatal(err)
				}
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
		})
	}
}
