package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/concbench/concbench/report/chart"
)

// chartFor turns collected data into a Chart: name, title and sentence now,
// the picture when it is rendered.
func chartFor(d *chartData, better func(string) Better) *Chart {
	ax := chooseAxes(d, better)
	sp := d.sp
	f := func(v float64) string { return fmtVal(v, sp) }
	w := ax.better.words(sp)
	if d.generic() {
		c := &Chart{Name: d.fam, Title: fmt.Sprintf("%s: median %s by sub-benchmark", d.fam, quantity(sp.Unit)),
			Picture: chart.Picture{Width: 7 * vg.Inch, Height: vg.Length(math.Max(3, 0.3*float64(len(d.cats))+1.3)) * vg.Inch}}
		if sp.Title != "" {
			c.Name, c.Title = d.fam+"-"+sp.Unit, sp.Title
		}
		var rs []ranked
		for i, label := range d.cats {
			rs = append(rs, ranked{label, d.ss[0].ys[i]})
		}
		c.Sentence = extremes(rs, w, f) + d.note
		c.Build = func() (*plot.Plot, *plot.Legend, error) { return barPlot(d, ax, c.Title) }
		return c
	}
	c := &Chart{Name: d.fam, Title: sp.Title, Picture: chart.Picture{Width: 7 * vg.Inch, Height: 4.5 * vg.Inch, Series: len(d.ss)}}
	if d.split != "" {
		c.Name = d.fam + "-" + strings.ReplaceAll(d.split, " ", "-")
		c.Title += " (" + d.split + ")"
	}
	c.Sentence, c.winner = sentence(sp, d.ss, d.cats, d.numeric, d.ref, ax.better, f)
	if sp.Knee && d.numeric && ax.better == Lower {
		if k := knee(sp, d.ss); k != "" {
			c.Sentence += " " + k
		}
	}
	c.bestWord = w.best
	c.Build = func() (*plot.Plot, *plot.Legend, error) { return linePlot(d, ax, c.Title) }
	return c
}

// linePlot draws a spec chart: a line (or, for categories, spread dots)
// per series with CI whiskers, the Extra unit dashed, the reference as a
// grey dashed line.
func linePlot(d *chartData, ax axes, title string) (*plot.Plot, *plot.Legend, error) {
	sp := d.sp
	p := chart.NewPlot(title, sp.XLabel, ax.label)
	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = vg.Points(10)
	if ax.logPos {
		p.X.Scale = plot.LogScale{}
	}
	if ax.logVal {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = chart.LogTicks{}
	}
	p.X.Tick.Marker = xTicks(d.ss, ax.logPos)
	if len(sp.Series) > 0 && len(d.ss) > 1 {
		leg.Add(strings.Join(sp.Series, "/") + ":") // says what the lines are
	}
	for i, s := range d.ss {
		if err := addSeries(p, &leg, d, ax, i, s); err != nil {
			return nil, nil, err
		}
	}
	if !d.numeric {
		p.NominalX(d.cats...)
		p.X.Min, p.X.Max = -0.6, float64(len(d.cats))-0.4
	}
	if err := addReference(p, &leg, d, ax); err != nil {
		return nil, nil, err
	}
	if err := addCores(p, &leg, d); err != nil {
		return nil, nil, err
	}
	if ax.logVal {
		chart.PadLog(&p.Y)
	}
	if ax.logPos {
		chart.PadLog(&p.X)
	}
	p.Add(plotter.NewGrid())
	return p, &leg, nil
}

// xTicks puts ticks at the x values that exist, labelled as in the names.
func xTicks(ss []*series, logX bool) plot.ConstantTicks {
	var ticks []plot.Tick
	seen := map[float64]bool{}
	for _, s := range ss {
		for i, x := range s.xs {
			if !seen[x] && (!logX || x > 0) {
				seen[x] = true
				ticks = append(ticks, plot.Tick{Value: x, Label: s.xLabels[i]})
			}
		}
	}
	return ticks
}

// addSeries draws series i: dots with whiskers, a line through them when x
// is numeric, and its Extra values dashed.
func addSeries(p *plot.Plot, leg *plot.Legend, d *chartData, ax axes, i int, s *series) error {
	col := chart.SeriesColor(i)
	xs := s.xs
	if n := len(d.ss); !d.numeric && n > 1 {
		// Spread the series of one category so whiskers do not overlap.
		xs = make([]float64, len(s.xs))
		for j := range s.xs {
			xs[j] = s.xs[j] + 0.5*(float64(i)/float64(n-1)-0.5)
		}
	}
	f := ax.scale.Factor
	pts := chart.Clean(xs, scaled(s.ys, f), scaled(s.lo, f), scaled(s.hi, f), ax.logPos, ax.logVal)
	if pts.Len() == 0 {
		return nil
	}
	sc, eb, err := chart.DotsWithWhiskers(pts, col, i)
	if err != nil {
		return err
	}
	p.Add(eb, sc)
	label := s.label
	if label == "" {
		label = "median, 95% CI"
	}
	if d.numeric {
		ln, err := chart.StyledLine(pts, col, 1.5, nil)
		if err != nil {
			return err
		}
		p.Add(ln)
		leg.Add(label, ln, sc)
	} else {
		leg.Add(label, sc)
	}
	if !d.extra {
		return nil
	}
	ed := chart.Clean(xs, scaled(s.extra, f), scaled(s.extra, f), scaled(s.extra, f), ax.logPos, ax.logVal)
	if ed.Len() == 0 {
		return nil
	}
	el, err := chart.StyledLine(ed, col, 1, []vg.Length{vg.Points(4), vg.Points(3)})
	if err != nil {
		return err
	}
	p.Add(el)
	leg.Add(label+" "+d.sp.ExtraLabel, el)
	return nil
}

// addReference draws the Reference point as a grey dashed line across.
func addReference(p *plot.Plot, leg *plot.Legend, d *chartData, ax axes) error {
	if d.ref == nil {
		return nil
	}
	y := d.ref.Summary.Center / ax.scale.Factor
	if math.IsNaN(y) || math.IsInf(y, 0) || (ax.logVal && y <= 0) {
		return nil
	}
	ln, err := chart.StyledLine(plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}}, color.Gray{Y: 90}, 1.5,
		[]vg.Length{vg.Points(6), vg.Points(3)})
	if err != nil {
		return err
	}
	p.Add(ln)
	leg.Add(d.sp.X+"="+d.ref.Keys[d.sp.X]+" (reference)", ln)
	return nil
}

// addCores makes a Cores chart's value axis 0 to ncpu (a little over, so
// the line shows) with a dashed line at ncpu: 0.98 of a core then reads
// as one core of two, not as nothing above an axis cut at 1.
func addCores(p *plot.Plot, leg *plot.Legend, d *chartData) error {
	if !d.sp.Cores || d.ncpu < 1 {
		return nil
	}
	n := float64(d.ncpu)
	p.Y.Min, p.Y.Max = 0, math.Max(p.Y.Max, n)*1.08
	var ticks []plot.Tick
	step := math.Max(1, math.Ceil(n/8))
	for v := 0.0; v <= n; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	ln, err := chart.StyledLine(plotter.XYs{{X: p.X.Min, Y: n}, {X: p.X.Max, Y: n}}, color.Gray{Y: 90}, 1.5,
		[]vg.Length{vg.Points(6), vg.Points(3)})
	if err != nil {
		return err
	}
	p.Add(ln)
	leg.Add(fmt.Sprintf("ncpu = %d", d.ncpu), ln)
	return nil
}

// barPlot draws the generic chart: one horizontal bar per sub-benchmark,
// top to bottom in input order, or a dot on a log axis, with CI whiskers.
func barPlot(d *chartData, ax axes, title string) (*plot.Plot, *plot.Legend, error) {
	p := chart.NewPlot(title, ax.label, "")
	s, n := d.ss[0], len(d.cats)
	f := ax.scale.Factor
	// chart.Clean works on (x, y) = (position, value); here value is on x.
	pts := chart.Clean(s.xs, scaled(s.ys, f), scaled(s.lo, f), scaled(s.hi, f), false, ax.logVal)
	var xy plotter.XYs
	var errs plotter.XErrors
	for i := range pts.Xs {
		v := pts.Ys[i]
		xy = append(xy, plotter.XY{X: v, Y: float64(n-1) - pts.Xs[i]})
		errs = append(errs, struct{ Low, High float64 }{v - pts.Lo[i], pts.Hi[i] - v})
	}
	if ax.logVal {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = chart.LogTicks{}
		dots, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, nil, err
		}
		dots.GlyphStyle.Color = chart.SeriesColor(0)
		dots.GlyphStyle.Radius = vg.Points(3.5)
		p.Add(dots)
	} else {
		vs := make(plotter.Values, n)
		for i, v := range scaled(s.ys, f) {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				vs[n-1-i] = v
			}
		}
		bars, err := plotter.NewBarChart(vs, vg.Points(12))
		if err != nil {
			return nil, nil, err
		}
		bars.Horizontal = true
		bars.Color = chart.SeriesColor(0)
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
	rev := make([]string, n)
	for i, c := range d.cats {
		rev[n-1-i] = c
	}
	p.NominalY(rev...)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	if ax.logVal {
		chart.PadLog(&p.X)
	} else {
		p.X.Min = 0
		p.X.Max *= 1.08 // room for the last whisker
	}
	p.Add(plotter.NewGrid())
	return p, nil, nil
}

func scaled(v []float64, f float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] / f
	}
	return out
}
