package team

import (
	"fmt"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestRoundSplitsEveryOp(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		workers int
		rounds  []int
		want    []uint64
	}{
		{1, []int{5, 0, 3}, []uint64{8}},
		{3, []int{1}, []uint64{1, 0, 0}},
		{3, []int{7, 2}, []uint64{3 + 1, 2 + 1, 2}},
		{4, []int{1000}, []uint64{250, 250, 250, 250}},
	} {
		got := make([]atomic.Uint64, tc.workers)
		tm := Start(tc.workers, func(w, n int) { got[w].Add(uint64(n)) })
		for _, n := range tc.rounds {
			tm.Round(n)
		}
		for w, want := range tc.want {
			// Round returned, so every worker's share must already be done.
			if g := got[w].Load(); g != want || tm.Ops()[w] != want {
				t.Errorf("workers=%d rounds=%v: worker %d did %d ops, was given %d, want %d", tc.workers, tc.rounds, w, g, tm.Ops()[w], want)
			}
		}
		var sum uint64
		for _, n := range tc.rounds {
			sum += uint64(n)
		}
		if tm.Total() != sum {
			t.Errorf("workers=%d: Total %d, want %d", tc.workers, tm.Total(), sum)
		}
		tm.Close()
	}
}

// BenchmarkRound is the fixed cost a round adds: waking every worker for
// one op each and waiting for all of them.
func BenchmarkRound(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			tm := Start(workers, func(int, int) {})
			defer tm.Close()
			for b.Loop() {
				tm.Round(workers)
			}
		})
	}
}
