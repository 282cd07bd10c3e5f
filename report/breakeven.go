package report

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// A break-even point is where a ratio of two models' (or transports')
// medians crosses a threshold along a sweep (task size, message size,
// chunk size): interpolated on the log scales of the sweep's axis and of
// the ratio between
// the two measured points around it, with a 95% interval from a bootstrap
// of the runs at every point. A crossing outside the measured range is
// said to be outside it, never extrapolated.

// sweep is what one answer compares: at each x (ascending), the samples
// of each series (one value per run).
type sweep struct {
	xs  []float64
	ser map[string][][]float64
}

// ratioFunc turns the series' medians at every x into the ratio whose
// crossing of a threshold is the answer.
type ratioFunc func(med map[string][]float64) []float64

// Where a crossing lies.
const (
	crossBelow  = -1 // the ratio is past the threshold from the smallest x on
	crossWithin = 0
	crossNever  = 1 // not past it at the largest x
)

// crossing is a break-even point: X and its 95% interval [Lo, Hi], each
// -Inf below the measured range and +Inf above it.
type crossing struct {
	X, Lo, Hi float64
	Where     int
	R         []float64 // the ratio at each x, from the medians
}

// bootstraps is how many resamples an interval is taken from; the seed
// is fixed so that a report is the same every time it is made.
const bootstraps = 1000

// cross finds where f's ratio reaches t and stays there to the end of the
// sweep (the first x from which it holds), or with first where it reaches
// t at all, with its bootstrap interval.
func cross(sw sweep, f ratioFunc, t float64, first bool) crossing {
	med := map[string][]float64{}
	for k, per := range sw.ser {
		for _, v := range per {
			med[k] = append(med[k], median(v))
		}
	}
	r := f(med)
	c := crossing{R: r}
	c.X, c.Where = crossAt(sw.xs, r, t, first)
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 0, bootstraps)
	buf := make([]float64, 0, 16)
	keys := slices.Sorted(maps.Keys(sw.ser)) // one order of draws: the same interval every time
	for range bootstraps {
		m := map[string][]float64{}
		for _, k := range keys {
			for _, v := range sw.ser[k] {
				buf = buf[:0]
				for range v {
					buf = append(buf, v[rng.IntN(len(v))])
				}
				m[k] = append(m[k], median(buf))
			}
		}
		x, _ := crossAt(sw.xs, f(m), t, first)
		xs = append(xs, x)
	}
	sort.Float64s(xs)
	c.Lo, c.Hi = xs[int(0.025*bootstraps)], xs[int(0.975*bootstraps)-1]
	return c
}

// crossAt is the x from which r stays at or above t (with first: where
// it first reaches t), interpolated between the last point below t and
// the next, linearly in log r over log x: a power law, a straight line on
// the report's log-log charts, is found exactly.
func crossAt(xs, r []float64, t float64, first bool) (float64, int) {
	j := -1
	for i, v := range r {
		if v >= t && first {
			break
		}
		if !(v >= t) { // NaN counts as below
			j = i
		}
	}
	switch {
	case j < 0:
		return math.Inf(-1), crossBelow
	case j == len(r)-1:
		return math.Inf(1), crossNever
	}
	a, b := math.Log(xs[j]), math.Log(xs[j+1])
	frac := (math.Log(t) - math.Log(r[j])) / (math.Log(r[j+1]) - math.Log(r[j]))
	if math.IsNaN(frac) || math.IsInf(frac, 0) {
		frac = 0.5
	}
	return math.Exp(a + frac*(b-a)), crossWithin
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// pointSweep gathers a sweep from points: x from key xKey (a number or a
// size), a series per name that series gives (""  leaves a point out).
// Only the x values where every series has samples are kept.
func pointSweep(pts []Point, xKey string, series func(Point) string) sweep {
	per := map[string]map[float64][]float64{}
	for _, p := range pts {
		name := series(p)
		v, ok := p.Keys[xKey]
		if name == "" || !ok {
			continue
		}
		x, ok := parseNum(v)
		if !ok || len(p.Values) == 0 {
			continue
		}
		if per[name] == nil {
			per[name] = map[float64][]float64{}
		}
		per[name][x] = append(per[name][x], p.Values...)
	}
	sw := sweep{ser: map[string][][]float64{}}
	if len(per) == 0 {
		return sw
	}
	var xs []float64
	for _, m := range per {
		for x := range m {
			xs = append(xs, x)
		}
	}
	sort.Float64s(xs)
	xs = slices.Compact(xs)
	for _, x := range xs {
		all := true
		for _, m := range per {
			all = all && len(m[x]) > 0
		}
		if !all {
			continue
		}
		sw.xs = append(sw.xs, x)
		for k, m := range per {
			sw.ser[k] = append(sw.ser[k], m[x])
		}
	}
	return sw
}

// over is the ratio a/b of two series' medians (a time over a time: how
// many times faster b is).
func over(a, b string) ratioFunc {
	return func(m map[string][]float64) []float64 {
		out := make([]float64, len(m[a]))
		for i := range out {
			out[i] = m[a][i] / m[b][i]
		}
		return out
	}
}

// floorShare is min(s)/s at every x: how close a cost is to the lowest the
// sweep reached (1 at the floor). A lowest at the largest x that the step
// before it fell to by more than 1-t is no floor (the cost may go on
// falling): it is left out (NaN), so that the share never reaches t.
func floorShare(s string, t float64) ratioFunc {
	return func(m map[string][]float64) []float64 {
		lo := slices.Min(m[s])
		out := make([]float64, len(m[s]))
		for i, v := range m[s] {
			out[i] = lo / v
		}
		if n := len(out); n > 1 && out[n-1] == 1 && out[n-2] < t {
			out[n-1] = math.NaN()
		}
		return out
	}
}
