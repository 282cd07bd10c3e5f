package chart

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Series is one line of a chart: y with its 95% CI (Lo, Hi) at each x,
// in the value axis's units.
type Series struct {
	Label      string    // the legend's entry; "" says "median, 95% CI"
	Xs         []float64 // numeric x, or the category's index
	XLabels    []string  // each x's tick label
	Ys, Lo, Hi []float64
	Extra      []float64 // a second unit, drawn dashed when Lines.Extra; NaN where absent
}

// Lines is a line chart: one Series per line, the value on y.
type Lines struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	// Header is a legend line before the series saying what they are
	// ("model:"); "" for none.
	Header string
	Series []Series
	// Numeric says x is a number; else each x is an index into Categories,
	// and the series of one category are spread apart.
	Numeric    bool
	Categories []string
	// Extra draws each series' Extra values dashed, labelled Label + " " +
	// ExtraLabel.
	Extra      bool
	ExtraLabel string
	// Ref, when set, is a grey dashed line across at Ref.Y (left out when
	// the axis cannot show it).
	Ref *Mark
	// Cores, when above 0, makes the y axis 0 to Cores (a little over)
	// with a dashed line at Cores.
	Cores int
}

// Mark is a horizontal line and its legend entry.
type Mark struct {
	Y     float64
	Label string
}

// Plot draws l: dots with whiskers per series, a line through them when x
// is numeric, the Extra values dashed, the reference grey and dashed.
func (l *Lines) Plot() (*plot.Plot, *plot.Legend, error) {
	p := NewPlot(l.Title, l.XLabel, l.YLabel)
	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = vg.Points(10)
	if l.LogX {
		p.X.Scale = plot.LogScale{}
	}
	if l.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = LogTicks{}
	}
	p.X.Tick.Marker = l.xTicks()
	if l.Header != "" {
		leg.Add(l.Header)
	}
	for i := range l.Series {
		if err := l.addSeries(p, &leg, i); err != nil {
			return nil, nil, err
		}
	}
	if !l.Numeric {
		p.NominalX(l.Categories...)
		p.X.Min, p.X.Max = -0.6, float64(len(l.Categories))-0.4
	}
	if err := l.addReference(p, &leg); err != nil {
		return nil, nil, err
	}
	if err := l.addCores(p, &leg); err != nil {
		return nil, nil, err
	}
	if l.LogY {
		PadLog(&p.Y)
	}
	if l.LogX {
		PadLog(&p.X)
	}
	p.Add(plotter.NewGrid())
	return p, &leg, nil
}

// xTicks puts ticks at the x values that exist, labelled as in the names.
func (l *Lines) xTicks() plot.ConstantTicks {
	var ticks []plot.Tick
	seen := map[float64]bool{}
	for _, s := range l.Series {
		for i, x := range s.Xs {
			if !seen[x] && (!l.LogX || x > 0) {
				seen[x] = true
				ticks = append(ticks, plot.Tick{Value: x, Label: s.XLabels[i]})
			}
		}
	}
	return ticks
}

// addSeries draws series i: dots with whiskers, a line through them when x
// is numeric, and its Extra values dashed.
func (l *Lines) addSeries(p *plot.Plot, leg *plot.Legend, i int) error {
	s := l.Series[i]
	col := SeriesColor(i)
	xs := s.Xs
	if n := len(l.Series); !l.Numeric && n > 1 {
		// Spread the series of one category so whiskers do not overlap.
		xs = make([]float64, len(s.Xs))
		for j := range s.Xs {
			xs[j] = s.Xs[j] + 0.5*(float64(i)/float64(n-1)-0.5)
		}
	}
	pts := Clean(xs, s.Ys, s.Lo, s.Hi, l.LogX, l.LogY)
	if pts.Len() == 0 {
		return nil
	}
	sc, eb, err := DotsWithWhiskers(pts, col, i)
	if err != nil {
		return err
	}
	p.Add(eb, sc)
	label := s.Label
	if label == "" {
		label = "median, 95% CI"
	}
	if l.Numeric {
		ln, err := StyledLine(pts, col, 1.5, nil)
		if err != nil {
			return err
		}
		p.Add(ln)
		leg.Add(label, ln, sc)
	} else {
		leg.Add(label, sc)
	}
	if !l.Extra {
		return nil
	}
	ed := Clean(xs, s.Extra, s.Extra, s.Extra, l.LogX, l.LogY)
	if ed.Len() == 0 {
		return nil
	}
	el, err := StyledLine(ed, col, 1, []vg.Length{vg.Points(4), vg.Points(3)})
	if err != nil {
		return err
	}
	p.Add(el)
	leg.Add(label+" "+l.ExtraLabel, el)
	return nil
}

// addReference draws Ref as a grey dashed line across.
func (l *Lines) addReference(p *plot.Plot, leg *plot.Legend) error {
	if l.Ref == nil {
		return nil
	}
	y := l.Ref.Y
	if math.IsNaN(y) || math.IsInf(y, 0) || (l.LogY && y <= 0) {
		return nil
	}
	ln, err := StyledLine(plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}}, color.Gray{Y: 90}, 1.5,
		[]vg.Length{vg.Points(6), vg.Points(3)})
	if err != nil {
		return err
	}
	p.Add(ln)
	leg.Add(l.Ref.Label, ln)
	return nil
}

// addCores makes the value axis 0 to Cores (a little over, so the line
// shows) with a dashed line at Cores: 0.98 of a core then reads as one
// core of two, not as nothing above an axis cut at 1.
func (l *Lines) addCores(p *plot.Plot, leg *plot.Legend) error {
	if l.Cores < 1 {
		return nil
	}
	n := float64(l.Cores)
	p.Y.Min, p.Y.Max = 0, math.Max(p.Y.Max, n)*1.08
	var ticks []plot.Tick
	step := math.Max(1, math.Ceil(n/8))
	for v := 0.0; v <= n; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	ln, err := StyledLine(plotter.XYs{{X: p.X.Min, Y: n}, {X: p.X.Max, Y: n}}, color.Gray{Y: 90}, 1.5,
		[]vg.Length{vg.Points(6), vg.Points(3)})
	if err != nil {
		return err
	}
	p.Add(ln)
	leg.Add(fmt.Sprintf("ncpu = %d", l.Cores), ln)
	return nil
}

// Bars is a chart of one value per category, top to bottom in order: a
// horizontal bar each, or a dot on a log value axis, with CI whiskers.
type Bars struct {
	Title, ValueLabel string
	LogValue          bool
	Categories        []string
	// Series holds the values: Xs is each value's category index, Ys, Lo,
	// Hi the value and its CI.
	Series Series
}

// Plot draws b; it has no legend.
func (b *Bars) Plot() (*plot.Plot, *plot.Legend, error) {
	p := NewPlot(b.Title, b.ValueLabel, "")
	s, n := b.Series, len(b.Categories)
	// Clean works on (x, y) = (position, value); here value is on x.
	pts := Clean(s.Xs, s.Ys, s.Lo, s.Hi, false, b.LogValue)
	var xy plotter.XYs
	var errs plotter.XErrors
	for i := range pts.Xs {
		v := pts.Ys[i]
		xy = append(xy, plotter.XY{X: v, Y: float64(n-1) - pts.Xs[i]})
		errs = append(errs, struct{ Low, High float64 }{v - pts.Lo[i], pts.Hi[i] - v})
	}
	if b.LogValue {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = LogTicks{}
		dots, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, nil, err
		}
		dots.GlyphStyle.Color = SeriesColor(0)
		dots.GlyphStyle.Radius = vg.Points(3.5)
		p.Add(dots)
	} else {
		vs := make(plotter.Values, n)
		for i, v := range s.Ys {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				vs[n-1-i] = v
			}
		}
		bars, err := plotter.NewBarChart(vs, vg.Points(12))
		if err != nil {
			return nil, nil, err
		}
		bars.Horizontal = true
		bars.Color = SeriesColor(0)
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
	for i, c := range b.Categories {
		rev[n-1-i] = c
	}
	p.NominalY(rev...)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	if b.LogValue {
		PadLog(&p.X)
	} else {
		p.X.Min = 0
		p.X.Max *= 1.08 // room for the last whisker
	}
	p.Add(plotter.NewGrid())
	return p, nil, nil
}
