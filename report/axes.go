package report

import (
	"fmt"
	"math"
	"strings"

	"golang.org/x/perf/benchunit"
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
