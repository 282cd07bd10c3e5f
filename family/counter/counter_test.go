package counter

import (
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

// dropper claims to be synchronised but skips every 1000th increment: the
// deterministic stand-in for a broken lock, which Check must catch.
type dropper struct{ v atomic.Uint64 }

func (c *dropper) Work(_, n int) uint64 {
	for i := 1; i <= n; i++ {
		if i%1000 != 0 {
			c.v.Add(1)
		}
	}
	return uint64(n)
}
func (c *dropper) Total() uint64 { return c.v.Load() }
func (c *dropper) Close()        {}

// inventor counts one increment twice.
type inventor struct{ atomicCounter }

func (c *inventor) Total() uint64 { return c.v.Load() + 1 }

func TestVariantsKeepCount(t *testing.T) {
	defer goleak.VerifyNone(t)
	broken := []Variant{
		{"broken-lock", true, func(int) Counter { return &dropper{} }},
		{"invents", false, func(int) Counter { return &inventor{} }},
	}
	const perRound, rounds = 10007, 5 // odd sizes: shares differ per worker
	for _, v := range append(Variants(), broken...) {
		for _, workers := range []int{1, 3, 8} {
			r := Start(v, workers)
			for i := 0; i < rounds; i++ {
				r.Add(perRound)
			}
			ops, intended, final := r.Finish()
			if ops != perRound*rounds {
				t.Errorf("%s workers=%d: %d ops made, want %d", v.Name, workers, ops, perRound*rounds)
			}
			want := ops
			if v.Name == "rwmutex" {
				// Each worker's ops run on across rounds, so the mix is exact
				// per worker: floor(ops_w / 10) increments.
				want = 0
				share, extra := perRound/workers, perRound%workers
				for w := 0; w < workers; w++ {
					k := share
					if w < extra {
						k++
					}
					want += uint64(k*rounds) / (ReadsPerWrite + 1)
				}
			}
			if intended != want {
				t.Errorf("%s workers=%d: %d increments meant, want %d", v.Name, workers, intended, want)
			}
			lost, err := Check(v, intended, final)
			switch {
			case v.Name == "broken-lock":
				if err == nil || !strings.Contains(err.Error(), "lost") || lost == 0 {
					t.Errorf("broken-lock workers=%d: Check = %d, %v; want lost updates reported", workers, lost, err)
				}
			case v.Name == "invents":
				if err == nil || !strings.Contains(err.Error(), "above") {
					t.Errorf("invents workers=%d: Check = %v; want an error for a count above the increments", workers, err)
				}
			case v.Synced:
				if err != nil || lost != 0 {
					t.Errorf("%s workers=%d: lost %d (%v), want 0", v.Name, workers, lost, err)
				}
			default: // unsynced may lose any number, but only when it ran with others
				if err != nil {
					t.Errorf("%s workers=%d: %v", v.Name, workers, err)
				}
				if workers == 1 && lost != 0 {
					t.Errorf("%s workers=1: lost %d updates with no one to race", v.Name, lost)
				}
				t.Logf("%s workers=%d: lost %d of %d", v.Name, workers, lost, intended)
			}
		}
	}
}

func TestByName(t *testing.T) {
	for _, v := range Variants() {
		if got, err := ByName(v.Name); err != nil || got.Name != v.Name {
			t.Errorf("ByName(%q) = %q, %v", v.Name, got.Name, err)
		}
	}
	if _, err := ByName("spinlock"); err == nil || !strings.Contains(err.Error(), "spinlock") {
		t.Errorf("ByName(spinlock) error %v, want one naming it", err)
	}
}
