package local

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// dropping loses every 1000th update of the states it wraps.
type dropping struct{ explicit }

func (d *dropping) Work(w, n int) {
	s := &d.states[w]
	for i := 1; i <= n; i++ {
		if i%1000 != 0 {
			update(s, uint64(w)+1)
		}
	}
}

// swapped gives each worker its neighbour's state. With two workers each
// state still has one writer (no data race) and the right N: only Sum, the
// tag check, can tell.
type swapped struct{ explicit }

func (s *swapped) Work(w, n int) {
	st := &s.states[(w+1)%len(s.states)]
	for i := 0; i < n; i++ {
		update(st, uint64(w)+1)
	}
}

func TestVariantsKeepPerWorkerState(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, v := range Variants() {
		for _, workers := range []int{1, 3, 8} {
			r := Start(v, workers)
			r.Add(10007)
			r.Add(3)
			ops, err := r.Finish()
			if err != nil || ops != 10010 {
				t.Errorf("%s workers=%d: Finish = %d, %v; want 10010 ops, no error", v.Name, workers, ops, err)
			}
		}
	}
}

func TestBrokenStoreFails(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		v       Variant
		workers int
		want    string
	}{
		{Variant{"dropping", func(w int) Store { return &dropping{explicit{newStates(w)}} }}, 2, "worker 0 state has n=4995 sum=4995 after 5000 ops"},
		{Variant{"swapped", func(w int) Store { return &swapped{explicit{newStates(w)}} }}, 2, "worker 0 state has n=1 sum=2 after 1 ops"},
	} {
		r := Start(tc.v, tc.workers)
		if tc.v.Name == "swapped" {
			r.Add(2) // one op each
		} else {
			r.Add(10000)
		}
		_, err := r.Finish()
		if err == nil {
			t.Errorf("%s: Finish passed, want an error", tc.v.Name)
			continue
		}
		t.Logf("%s: %v", tc.v.Name, err)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.v.Name, err, tc.want)
		}
	}
}
