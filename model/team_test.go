package model_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/model"
)

func TestTeamRoundSplitsEveryOp(t *testing.T) {
	before := leakcheck.Take()
	defer func() {
		if err := leakcheck.Check(before); err != nil {
			t.Error(err)
		}
	}()
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
		tm := model.StartTeam(model.KindGoroutine, tc.workers, func(w, n int) { got[w].Add(uint64(n)) })
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
func BenchmarkTeamRound(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			tm := model.StartTeam(model.KindGoroutine, workers, func(int, int) {})
			defer tm.Close()
			for b.Loop() {
				tm.Round(workers)
			}
		})
	}
}
