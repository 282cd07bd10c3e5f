package latency

import (
	"testing"
	"time"
)

// A stall in 1 of 1,000 samples is the p99.9 and moves neither p50 nor
// p99; without it, p99.9 is the ordinary value.
func TestQuantileSeesOneStallInAThousand(t *testing.T) {
	for _, n := range []int{1000, 2000, 10_000, 100_000} {
		var h Hist
		for i := 1; i <= n; i++ {
			d := time.Microsecond
			if i%1000 == 0 {
				d = time.Millisecond
			}
			h.Record(d)
		}
		for _, c := range []struct {
			q      float64
			stalls bool
		}{{0.5, false}, {0.99, false}, {0.999, true}, {1, true}} {
			got := h.Quantile(c.q)
			if stalled := got > 500e3; stalled != c.stalls {
				t.Errorf("n=%d: q%v = %.0f ns; want the stall: %v", n, c.q, got, c.stalls)
			}
		}
	}
}

func TestQuantileWithinABucket(t *testing.T) {
	var h Hist
	if h.Quantile(0.5) != 0 {
		t.Error("empty histogram: want 0")
	}
	for _, v := range []time.Duration{0, 1, 63, 64, 1000, 12345, time.Millisecond, time.Second} {
		var one Hist
		one.Record(v)
		for _, q := range []float64{0.001, 0.5, 0.999, 1} {
			got := one.Quantile(q)
			if d := got - float64(v); d < -float64(v)/32-1 || d > float64(v)/32+1 {
				t.Errorf("one sample %v: q%v = %.1f, want within 1/32", v, q, got)
			}
		}
	}
}

func TestHistQuantiles(t *testing.T) {
	var h Hist
	// 1..10000 ns, once each: the q-quantile is about q*10000.
	for v := 1; v <= 10000; v++ {
		h.Record(time.Duration(v))
	}
	for _, q := range []float64{0.5, 0.99, 0.999} {
		got, want := h.Quantile(q), q*10000
		if got < want*0.96 || got > want*1.04 {
			t.Errorf("q%.3f = %.0f, want %.0f ± 4%%", q, got, want)
		}
	}
	// Exact below 64 ns.
	var small Hist
	for range 3 {
		small.Record(17)
	}
	if got := small.Quantile(0.5); got != 17 {
		t.Errorf("median of 17s = %v", got)
	}
	// Every bucket's bounds are consistent and increasing.
	for i := 1; i < histBuckets; i++ {
		if lowerBound(i) <= lowerBound(i-1) || bucketOf(lowerBound(i)) != i {
			t.Fatalf("bucket %d: lower bound %d, previous %d", i, lowerBound(i), lowerBound(i-1))
		}
	}
}
