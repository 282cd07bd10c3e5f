// Package latency keeps a latency histogram that a benchmark records into
// inside its timed loop and reads quantiles (p50, p99, p99.9) from after
// it: the IPC ping-pong and the web client share it.
package latency

import (
	"math"
	"math/bits"
	"time"
)

// Hist is a log-linear latency histogram: values below 64 ns have a bucket
// each, above that every power of two is split into 32 buckets, so a
// quantile read back is within 1/32 (about 3%) of the true value. It is a
// fixed array: Record never allocates, so a benchmark can record inside its
// timed loop.
type Hist struct {
	counts [histBuckets]uint64
	n      uint64
}

const (
	subBits     = 5 // 32 buckets per power of two
	linearMax   = 2 << subBits
	histBuckets = (65 - subBits) << subBits
)

func bucketOf(v uint64) int {
	if v < linearMax {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1 // shift that leaves subBits+1 bits
	return (e+1)<<subBits + int(v>>uint(e)) - 1<<subBits
}

// lowerBound is the smallest value in bucket i.
func lowerBound(i int) uint64 {
	if i < linearMax {
		return uint64(i)
	}
	e := i>>subBits - 1
	return uint64(i&(1<<subBits-1)+1<<subBits) << uint(e)
}

// Record adds one sample.
func (h *Hist) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
}

// Count is the number of samples.
func (h *Hist) Count() uint64 { return h.n }

// Quantile returns the q-quantile (0 < q <= 1) in nanoseconds: the middle
// of the bucket that holds the sample of rank ⌊q·n⌋+1 (clamped to n), the
// smallest sample with more than q·n samples at or below it. So 1 stall in
// 1,000 samples is their p99.9, where rank ⌈q·n⌉ would be the sample just
// below it and hide it. Zero when there are no samples.
func (h *Hist) Quantile(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	// The slack keeps float rounding from moving a rank: 0.999·1000 must
	// count as 999, not 998.99...
	rank := uint64(math.Floor(q*float64(h.n)+1e-6)) + 1
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			lo, hi := lowerBound(i), lowerBound(i+1)
			return float64(lo) + float64(hi-lo-1)/2
		}
	}
	return 0 // unreachable
}

// Merge adds o's samples to h, so that workers can each record into their
// own Hist and a quantile is read from the sum.
func (h *Hist) Merge(o *Hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}
