package report

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/concbench/concbench/report/chart"
)

// chartFor turns collected data into a Chart: name, title, sentence and
// the picture's data (chart.Lines or chart.Bars) now, drawn when it is
// rendered.
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
		bars := barData(d, ax)
		c.Build = func() (*plot.Plot, *plot.Legend, error) {
			b := *bars
			b.Title = c.Title // as named by then (nameChartMachine)
			return b.Plot()
		}
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
	lines := lineData(d, ax)
	c.Build = func() (*plot.Plot, *plot.Legend, error) {
		l := *lines
		l.Title = c.Title // as named by then (nameChartMachine)
		return l.Plot()
	}
	return c
}

// lineData is the line chart of d with axes ax (its title is the
// Chart's), in the axis's units: a
// series per line with its CI, the Extra unit, the reference and the
// machine's cores when the spec asks for them.
func lineData(d *chartData, ax axes) *chart.Lines {
	sp := d.sp
	f := ax.scale.Factor
	l := &chart.Lines{XLabel: sp.XLabel, YLabel: ax.label, LogX: ax.logPos, LogY: ax.logVal,
		Numeric: d.numeric, Categories: d.cats, Extra: d.extra, ExtraLabel: sp.ExtraLabel}
	if len(sp.Series) > 0 && len(d.ss) > 1 {
		l.Header = strings.Join(sp.Series, "/") + ":" // says what the lines are
	}
	for _, s := range d.ss {
		l.Series = append(l.Series, chart.Series{Label: s.label, Xs: s.xs, XLabels: s.xLabels,
			Ys: scaled(s.ys, f), Lo: scaled(s.lo, f), Hi: scaled(s.hi, f), Extra: scaled(s.extra, f)})
	}
	if d.ref != nil {
		l.Ref = &chart.Mark{Y: d.ref.Summary.Center / f, Label: sp.X + "=" + d.ref.Keys[sp.X] + " (reference)"}
	}
	if sp.Cores && d.ncpu >= 1 {
		l.Cores = d.ncpu
	}
	return l
}

// barData is the generic chart of d with axes ax (its title is the
// Chart's): one value per
// sub-benchmark, in the axis's units.
func barData(d *chartData, ax axes) *chart.Bars {
	s, f := d.ss[0], ax.scale.Factor
	return &chart.Bars{ValueLabel: ax.label, LogValue: ax.logVal, Categories: d.cats,
		Series: chart.Series{Xs: s.xs, Ys: scaled(s.ys, f), Lo: scaled(s.lo, f), Hi: scaled(s.hi, f)}}
}

func scaled(v []float64, f float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] / f
	}
	return out
}
