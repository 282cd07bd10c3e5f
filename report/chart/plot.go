package chart

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// NewPlot is a plot with the report's fonts and labels.
func NewPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	Style(p)
	return p
}

// SeriesColors are the series colours: Tableau's ten without its grey (the
// reference line is grey) plus navy and a dark green, each at least 70
// apart in RGB from every other, so no two series of one chart look alike
// (gonum's default has two reds 42 apart, 0 and 5: os-pipe and shm-spin in
// the IPC charts). Series past eleven repeat a colour with another glyph.
var SeriesColors = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
	{0, 0, 128, 255}, {0, 90, 50, 255},
}

// SeriesColor is series i's colour.
func SeriesColor(i int) color.Color { return SeriesColors[i%len(SeriesColors)] }

// DotsWithWhiskers is series i's glyphs and their CI whiskers.
func DotsWithWhiskers(pts XYErr, col color.Color, i int) (*plotter.Scatter, *plotter.YErrorBars, error) {
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, nil, err
	}
	sc.GlyphStyle.Color = col
	sc.GlyphStyle.Radius = vg.Points(3)
	sc.GlyphStyle.Shape = plotutil.Shape(i)
	eb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return nil, nil, err
	}
	eb.LineStyle.Color = col
	eb.LineStyle.Width = vg.Points(1)
	return sc, eb, nil
}

func StyledLine(xys plotter.XYer, col color.Color, width float64, dashes []vg.Length) (*plotter.Line, error) {
	ln, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	ln.LineStyle.Color = col
	ln.LineStyle.Width = vg.Points(width)
	ln.LineStyle.Dashes = dashes
	return ln, nil
}

// XYErr adapts a series to gonum's XYer and YErrorer.
type XYErr struct {
	Xs, Ys, Lo, Hi []float64
}

func (e XYErr) Len() int { return len(e.Xs) }

func (e XYErr) XY(i int) (float64, float64) { return e.Xs[i], e.Ys[i] }

func (e XYErr) YError(i int) (float64, float64) {
	return e.Ys[i] - e.Lo[i], e.Hi[i] - e.Ys[i]
}

// Clean drops points a log axis cannot show (<= 0 or NaN), and whiskers
// where the CI is unknown (too few runs give ±∞).
func Clean(xs, ys, lo, hi []float64, logX, logY bool) XYErr {
	var e XYErr
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) || math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) ||
			(logY && ys[i] <= 0) || (logX && xs[i] <= 0) {
			continue
		}
		l, h := lo[i], hi[i]
		if math.IsNaN(l) || math.IsInf(l, 0) || (logY && l <= 0) {
			l = ys[i]
		}
		if math.IsNaN(h) || math.IsInf(h, 0) {
			h = ys[i]
		}
		e.Xs, e.Ys, e.Lo, e.Hi = append(e.Xs, xs[i]), append(e.Ys, ys[i]), append(e.Lo, l), append(e.Hi, h)
	}
	return e
}

// PadLog is the one padding rule of every log axis: widen the data range
// by 10% each way, then out to whole 1-2-5 steps, so the extremes are not
// glued to the frame, there are always labelled ticks, and a single value
// still has a range (gonum would widen it to [x-1, x+1], which a log axis
// cannot hold).
func PadLog(a *plot.Axis) {
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

// LogTicks labels 1, 2 and 5 times each power of ten (just powers of ten
// when the range spans many decades), so every log axis has readable labels.
type LogTicks struct{}

func (LogTicks) Ticks(min, max float64) []plot.Tick {
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
