package report

import (
	"fmt"
	"math"
	"strings"

	"golang.org/x/perf/benchunit"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// genericCharts is the chart of a family with no Spec, and of a Spec with
// no X: the median of one unit (the spec's, else sec/op when present) per
// sub-benchmark, one row each, with 95% CI whiskers. Bars when the values
// are within 50× of each other, dots on a log axis otherwise (a bar on a
// log axis has no honest base).
func genericCharts(spec Spec, pts []Point, better func(string) int) []*Chart {
	fam, unit := spec.Family, spec.Unit
	for _, p := range pts {
		if spec.Unit != "" || unit == "sec/op" {
			break
		}
		if p.Unit == "sec/op" || unit == "" {
			unit = p.Unit
		}
	}
	var sel []Point
	seen := map[string]bool{}
	dup := false
	for _, p := range pts {
		if p.Unit != unit || !matches(p, spec.Where) {
			continue
		}
		if seen[p.Sub] {
			dup = true
		}
		seen[p.Sub] = true
		sel = append(sel, p)
	}
	if len(sel) == 0 {
		return nil
	}
	// A chart of hundreds of rows helps nobody; the tables have them all.
	const maxRows = 40
	shown := ""
	if len(sel) > maxRows {
		shown = fmt.Sprintf(" The chart shows the first %d of %d.", maxRows, len(sel))
		sel = sel[:maxRows]
	}
	labels := make([]string, len(sel))
	var vals, lo, hi []float64
	for i, p := range sel {
		labels[i] = p.Sub
		if p.Sub == "" || dup {
			labels[i] = p.Name
		}
		vals = append(vals, p.Summary.Center)
		lo = append(lo, p.Summary.Lo)
		hi = append(hi, p.Summary.Hi)
	}
	sp := Spec{Family: fam, Unit: unit, YLabel: spec.YLabel}
	b := better(unit)
	sc := benchunit.CommonScale(vals, benchunit.ClassOf(unit))
	mn, mx := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if v > 0 {
			mn, mx = math.Min(mn, v), math.Max(mx, v)
		}
	}
	logX := mn > 0 && mx/mn > 50
	if logX {
		sc = benchunit.Scaler{Factor: 1}
	}
	var rs []ranked
	for i := range sel {
		rs = append(rs, ranked{labels[i], vals[i]})
	}
	bestW, worseW := words(sp, b)
	c := &Chart{
		Name:     fam,
		Title:    fmt.Sprintf("%s: median %s by sub-benchmark", fam, quantity(unit)),
		Sentence: extremes(rs, b, bestW, worseW, func(v float64) string { return fmtVal(v, sp) }) + shown,
		width:    7 * vg.Inch,
		height:   vg.Length(math.Max(3, 0.3*float64(len(sel))+1.3)) * vg.Inch,
	}
	if spec.Title != "" {
		c.Name, c.Title = fam+"-"+unit, spec.Title
	}
	c.build = func() (*plot.Plot, *plot.Legend, error) {
		p := plot.New()
		p.Title.Text = c.Title
		q := quantity(unit)
		if sp.YLabel != "" {
			q = sp.YLabel
		}
		p.X.Label.Text = fmt.Sprintf("%s (%s), whiskers: 95%% CI", q, sc.Prefix+displayUnit(sp))
		style(p)
		// Top to bottom in input order.
		n := len(sel)
		ys := func(i int) float64 { return float64(n - 1 - i) }
		rev := make([]string, n)
		for i := range labels {
			rev[n-1-i] = labels[i]
		}
		var xy plotter.XYs
		var errs plotter.XErrors
		for i := range sel {
			v := vals[i] / sc.Factor
			if math.IsNaN(v) || math.IsInf(v, 0) || (logX && v <= 0) {
				continue
			}
			l, h := lo[i]/sc.Factor, hi[i]/sc.Factor
			if math.IsInf(l, 0) || math.IsNaN(l) || (logX && l <= 0) {
				l = v
			}
			if math.IsInf(h, 0) || math.IsNaN(h) {
				h = v
			}
			xy = append(xy, plotter.XY{X: v, Y: ys(i)})
			errs = append(errs, struct{ Low, High float64 }{v - l, h - v})
		}
		if logX {
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = logTicks{}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, nil, err
			}
			sc.GlyphStyle.Color = plotutil.Color(0)
			sc.GlyphStyle.Radius = vg.Points(3.5)
			p.Add(sc)
		} else {
			vs := make(plotter.Values, n)
			for i := range sel {
				if v := vals[i] / sc.Factor; !math.IsNaN(v) && !math.IsInf(v, 0) {
					vs[n-1-i] = v
				}
			}
			bars, err := plotter.NewBarChart(vs, vg.Points(12))
			if err != nil {
				return nil, nil, err
			}
			bars.Horizontal = true
			bars.Color = plotutil.Color(0)
			bars.LineStyle.Width = 0
			p.Add(bars)
		}
		eb, err := plotter.NewXErrorBars(struct {
			plotter.XYs
			plotter.XErrors
		}{xy, errs})
		if err != nil {
			return nil, nil, err
		}
		p.Add(eb)
		p.NominalY(rev...)
		p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
		if logX {
			padLogX(p)
		} else {
			p.X.Min = 0
			p.X.Max *= 1.08 // room for the last whisker
		}
		p.Add(plotter.NewGrid())
		return p, nil, nil
	}
	return []*Chart{c}
}

func padLogX(p *plot.Plot) {
	if p.X.Min > 0 && p.X.Max > 0 {
		p.X.Min, p.X.Max = niceDown(p.X.Min*0.9), niceUp(p.X.Max*1.1)
	}
}

// extremes names the best and the worst of many: "Of 6 sub-benchmarks,
// sync=atomic is fastest (2.1ns/op) and sync=channel slowest (95ns/op, 45× slower)."
func extremes(rs []ranked, better int, bestW, worseW string, f func(float64) string) string {
	var ok []ranked
	for _, r := range rs {
		if !math.IsNaN(r.v) && r.v > 0 {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return ""
	}
	if len(ok) <= 3 {
		return fmt.Sprintf("Of %d sub-benchmarks, %s.", len(ok), rank(ok, better, bestW, worseW, f))
	}
	best, worst := ok[0], ok[0]
	for _, r := range ok {
		if (better > 0) == (r.v > best.v) && r.v != best.v {
			best = r
		}
		if (better > 0) == (r.v < worst.v) && r.v != worst.v {
			worst = r
		}
	}
	x := worst.v / best.v
	if better > 0 {
		x = best.v / worst.v
	}
	return fmt.Sprintf("Of %d sub-benchmarks, %s is %s (%s) and %s the %s (%s, %s %s).",
		len(ok), best.name, bestW, f(best.v), worst.name, worstWord(bestW), f(worst.v), ratio(x), worseW)
}

func worstWord(bestW string) string {
	switch bestW {
	case "fastest":
		return "slowest"
	case "highest":
		return "lowest"
	}
	return "highest"
}

// quantity names what a unit measures, for titles and axis labels.
func quantity(unit string) string {
	switch {
	case unit == "sec/op":
		return "time per op"
	case unit == "B/s":
		return "throughput"
	case unit == "B/op":
		return "bytes allocated per op"
	case unit == "allocs/op":
		return "allocations per op"
	}
	return strings.ReplaceAll(unit, "sec", "s")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
