package chart

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Picture is a chart's drawing: its size and how to build it. Build gives
// a plot and its legend, which Render lays out (the legend beside or below
// the plot, never over the data); Draw, when set, replaces that layout
// (heatmaps, whose Heat says where their plot and colour bar go).
type Picture struct {
	Width, Height vg.Length
	Series        int // lines drawn, each in its SeriesColor
	Build         func() (*plot.Plot, *plot.Legend, error)
	Draw          func(c draw.Canvas) error
	Heat          func(c draw.Canvas) (p, bar *plot.Plot, area, barArea draw.Canvas)
}

func Style(p *plot.Plot) {
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	p.Title.Padding = vg.Points(6)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
}

// Render writes the chart in format "png" or "svg". The legend is drawn
// beside the plot, never over the data.
func (pic *Picture) Render(w io.Writer, format, name string) (err error) {
	// gonum panics on impossible axes; a report must fail with an error
	// naming the chart, not crash.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("chart %s: %v", name, r)
		}
	}()
	var canvas vg.CanvasSizer
	var png *vgimg.Canvas
	var svg *vgsvg.Canvas
	switch format {
	case "png":
		png = vgimg.NewWith(vgimg.UseWH(pic.Width, pic.Height), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))
		canvas = png
	case "svg":
		svg = vgsvg.New(pic.Width, pic.Height)
		canvas = svg
	default:
		return fmt.Errorf("chart format %q: want png or svg", format)
	}
	dc := draw.New(canvas)
	if pic.Draw != nil {
		if err := pic.Draw(dc); err != nil {
			return err
		}
	} else {
		p, area, leg, legArea, err := pic.Layout(dc, name)
		if err != nil {
			return err
		}
		p.Draw(area)
		if leg != nil {
			leg.Draw(legArea)
		}
	}
	if png != nil {
		_, err = vgimg.PngCanvas{Canvas: png}.WriteTo(w)
	} else {
		_, err = svg.WriteTo(w)
	}
	return err
}

// Margin keeps every label off the picture's edge.
var Margin = vg.Points(4)

// Layout builds pic's plot and legend and places them on dc: the legend
// beside the plot (nil when there is none), the title on as many lines as
// fit, the x tick labels turned where they would run into each other.
func (pic *Picture) Layout(dc draw.Canvas, name string) (p *plot.Plot, area draw.Canvas, leg *plot.Legend, legArea draw.Canvas, err error) {
	p, leg, err = pic.Build()
	if err != nil {
		return nil, area, nil, legArea, fmt.Errorf("chart %s: %w", name, err)
	}
	w, h := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
	legW, legH := LegendSize(leg)
	gap := vg.Points(10)
	switch {
	case legW == 0:
		leg = nil
		area = draw.Crop(dc, Margin, -Margin, Margin, -Margin)
	case legW > w*2/5:
		// A legend of long names beside the plot would squeeze it to a
		// strip: it goes below instead, with air for its last line's
		// descent.
		legH += vg.Points(4)
		area = draw.Crop(dc, Margin, -Margin, legH+gap+Margin, -Margin)
		legArea = draw.Crop(dc, Margin, -Margin, Margin, -(h - legH - Margin))
	default:
		area = draw.Crop(dc, Margin, -legW-gap-Margin, Margin, -Margin)
		legArea = draw.Crop(dc, w-legW, -Margin, Margin, -vg.Points(30))
	}
	FitTitle(p, area.Max.X-area.Min.X)
	FitXLabels(p, area)
	if leg != nil {
		leg.Top, leg.Left = true, true
	}
	return p, area, leg, legArea, nil
}

// FitTitle breaks a title wider than width at the space nearest its
// middle (gonum would clip it at both ends).
func FitTitle(p *plot.Plot, width vg.Length) {
	t := p.Title.Text
	if strings.Contains(t, "\n") || p.Title.TextStyle.Width(t) <= width {
		return
	}
	best := -1
	for i, r := range t {
		if r == ' ' && (best < 0 || abs(i-len(t)/2) < abs(best-len(t)/2)) {
			best = i
		}
	}
	if best > 0 {
		p.Title.Text = t[:best] + "\n" + t[best+1:]
	}
}

func abs(i int) int { return max(i, -i) }

// fitXLabels turns the x tick labels by 45°, then 90°, until no two
// overlap and none leaves the picture at the size drawn.
func FitXLabels(p *plot.Plot, area draw.Canvas) {
	for _, rot := range []float64{math.Pi / 4, math.Pi / 2} {
		if len(XLabelClashes(p, area)) == 0 {
			return
		}
		p.X.Tick.Label.Rotation = rot
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	}
}

// labelGap is the least room between two level x labels: less reads as
// one word ("50µ100µ").
var labelGap = vg.Points(4)

// XLabelClashes lists the x tick labels that overlap their neighbour (or
// come closer than labelGap), or reach outside area, when p is drawn on area, measured with the labels'
// own font metrics. Level labels overlap when their boxes do; turned ones
// (parallel lines of text) when the distance between their baselines,
// dx·sin(angle), is less than a line's height.
func XLabelClashes(p *plot.Plot, area draw.Canvas) []string {
	dc := p.DataCanvas(area)
	sty := p.X.Tick.Label
	type label struct {
		x    vg.Length
		text string
	}
	var ls []label
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if x := dc.X(p.X.Norm(t.Value)); !t.IsMinor() && dc.ContainsX(x) {
			ls = append(ls, label{x, t.Label})
		}
	}
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].x < ls[j].x })
	sin := math.Abs(math.Sin(sty.Rotation))
	h := sty.FontExtents().Height
	var out []string
	for i, l := range ls {
		r := sty.Rectangle(l.text)
		if l.x+r.Min.X < area.Min.X || l.x+r.Max.X > area.Max.X {
			out = append(out, fmt.Sprintf("%q leaves the picture", l.text))
		}
		if i == 0 {
			continue
		}
		prev := ls[i-1]
		clash := prev.x+sty.Rectangle(prev.text).Max.X+labelGap > l.x+r.Min.X
		if sin > 1e-6 {
			clash = vg.Length(float64(l.x-prev.x)*sin) < h
		}
		if clash {
			out = append(out, fmt.Sprintf("%q overlaps %q", prev.text, l.text))
		}
	}
	return out
}

// LegendSize is the room the legend needs (with some air on the right),
// 0 × 0 without one.
func LegendSize(l *plot.Legend) (w, h vg.Length) {
	if l == nil {
		return 0, 0
	}
	r := l.Rectangle(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 1000, Y: 1000}}})
	if r.Max.X-r.Min.X <= 0 {
		return 0, 0
	}
	return r.Max.X - r.Min.X + vg.Points(12), r.Max.Y - r.Min.Y
}
