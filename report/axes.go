package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/perf/benchunit"
	"gonum.org/v1/plot"
)

// axes is what chooseAxes decides for a chart: which axes are logarithmic,
// how values are scaled and what the value axis says.
type axes struct {
	// logPos: the position axis (x of a line chart) is logarithmic;
	// logVal: the value axis (y of a line chart, x of bars) is.
	logPos, logVal bool
	// scale divides every value; a log axis keeps factor 1 and puts the
	// prefix on each tick (1µ, 1m) instead, since it spans decades.
	scale  benchunit.Scaler
	label  string // the value axis: "time per spawn (µs/op)"
	better Better
}

// chooseAxes picks the axes for d. Line charts use the spec's LogX (when x
// is numeric) and LogY; the generic chart's bars turn into dots on a log
// axis when the values span more than 50× (a bar on a log axis has no
// honest base).
func chooseAxes(d *chartData, better func(string) Better) axes {
	sp := d.sp
	var vals []float64
	for _, s := range d.ss {
		vals = append(vals, s.ys...)
	}
	ax := axes{better: better(sp.Unit)}
	if d.generic() {
		mn, mx := math.Inf(1), math.Inf(-1)
		for _, v := range vals {
			if v > 0 {
				mn, mx = math.Min(mn, v), math.Max(mx, v)
			}
		}
		ax.logVal = mn > 0 && mx/mn > 50
	} else {
		ax.logPos, ax.logVal = sp.LogX && d.numeric, sp.LogY
		if d.ref != nil {
			vals = append(vals, d.ref.Summary.Center)
		}
	}
	ax.scale = benchunit.CommonScale(vals, benchunit.ClassOf(sp.Unit))
	if ax.logVal || sp.Cores {
		ax.scale = benchunit.Scaler{Factor: 1}
	}
	ax.label = fmt.Sprintf("%s (%s)", sp.YLabel, ax.scale.Prefix+displayUnit(sp))
	switch {
	case sp.Cores:
		ax.label = sp.YLabel + " (cores)"
	case d.generic():
		q := quantity(sp.Unit)
		if sp.YLabel != "" {
			q = sp.YLabel
		}
		ax.label = fmt.Sprintf("%s (%s), whiskers: 95%% CI", q, ax.scale.Prefix+displayUnit(sp))
	case sp.Throughput:
		ax.better = Higher
		if ax.scale.Prefix != "" {
			ax.label = fmt.Sprintf("%s (%s %s)", sp.YLabel, ax.scale.Prefix, displayUnit(sp))
		}
	}
	return ax
}

// generic reports whether d is the generic chart (bars per sub-benchmark).
func (d *chartData) generic() bool { return d.sp.X == "" }

// displayUnit is the unit as the value axis shows it: "s/op" for "sec/op",
// YUnit for throughput.
func displayUnit(sp Spec) string {
	if sp.Throughput {
		return sp.YUnit
	}
	if strings.HasSuffix(sp.Unit, "-sec") { // stop-sec, p99-sec: a time
		return "s"
	}
	return strings.ReplaceAll(sp.Unit, "sec", "s")
}

// fmtVal formats a value with its unit for a sentence: "1.72µs/op",
// "4.83M tasks/s".
func fmtVal(v float64, sp Spec) string {
	if sp.Throughput {
		return benchunit.Scale(v, benchunit.Decimal) + " " + sp.YUnit
	}
	u := displayUnit(sp)
	// A prefix joins a unit of seconds or bytes (1.2µs/op, 3GiB/s); a
	// count is a number and a word (2.000 busy-cores, 54.30M iters/s).
	if num, _, _ := strings.Cut(u, "/"); num != "s" && num != "B" {
		u = " " + u
	}
	return benchunit.Scale(v, benchunit.ClassOf(sp.Unit)) + u
}

// padLog is the one padding rule of every log axis: widen the data range
// by 10% each way, then out to whole 1-2-5 steps, so the extremes are not
// glued to the frame, there are always labelled ticks, and a single value
// still has a range (gonum would widen it to [x-1, x+1], which a log axis
// cannot hold).
func padLog(a *plot.Axis) {
	if !(a.Min > 0 && a.Max > 0) || math.IsInf(a.Max, 0) {
		return
	}
	a.Min = niceDown(a.Min * 0.9)
	a.Max = niceUp(a.Max * 1.1)
}

func niceDown(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*e <= v {
			return m * e
		}
	}
	return e
}

func niceUp(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}

// logTicks labels 1, 2 and 5 times each power of ten (just powers of ten
// when the range spans many decades), so every log axis has readable labels.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0 && max > 0) || math.IsInf(max, 0) || math.IsInf(min, 0) {
		return nil
	}
	decades := math.Log10(max / min)
	mults := []float64{1, 2, 5}
	if decades > 4 {
		mults = []float64{1}
	}
	var out []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * base
			if v < min*0.999 || v > max*1.001 {
				continue
			}
			label := ""
			for _, k := range mults {
				if m == k {
					label = siLabel(v)
				}
			}
			out = append(out, plot.Tick{Value: v, Label: label})
		}
	}
	return out
}

// siLabel writes v with an SI prefix: 2e-6 is "2µ", 5e4 is "50k".
func siLabel(v float64) string {
	prefixes := map[int]string{-12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T"}
	e := int(math.Floor(math.Log10(v)/3+1e-9)) * 3
	e = max(-12, min(12, e))
	return strconv.FormatFloat(v/math.Pow(10, float64(e)), 'g', 3, 64) + prefixes[e]
}
