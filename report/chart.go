package report

import (
	"fmt"
	"image/color"
	"io"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one picture answering one question, ready to render.
type Chart struct {
	// Name is the file stem, unique within a report ("scale-kind=cpu-kernel=sha256").
	Name  string
	Title string
	// Sentence says in plain words what the chart shows, from the data.
	Sentence string
	// Family is the benchmark family the chart belongs to.
	Family string

	winner, bestWord string // for the family's summary line
	width, height    vg.Length
	build            func() (*plot.Plot, *plot.Legend, error)
	// draw, when set, replaces the plot+legend layout (heatmaps).
	draw func(c draw.Canvas) error
}

// Charts builds the charts for a list of points (one file's, see
// Set.Points): per family, the specs of its FamilyTable entry, or the
// generic chart when it has none or they draw nothing.
func Charts(pts []Point, better func(unit string) int) []*Chart {
	var families []string
	byFam := map[string][]Point{}
	for _, p := range pts {
		if _, ok := byFam[p.Family]; !ok {
			families = append(families, p.Family)
		}
		byFam[p.Family] = append(byFam[p.Family], p)
	}
	var out []*Chart
	names := map[string]int{}
	for _, fam := range families {
		var ds []*chartData
		for _, sp := range familyInfo(fam).Specs {
			ds = append(ds, collect(fam, sp, byFam[fam])...)
		}
		if len(ds) == 0 {
			ds = collect(fam, Spec{}, byFam[fam])
		}
		for _, d := range ds {
			c := chartFor(d, better)
			c.Family = fam
			// Keep file names unique and portable.
			c.Name = fileStem(c.Name)
			if c.Name == "" {
				c.Name = "benchmark"
			}
			if n := names[c.Name]; n > 0 {
				c.Name = fmt.Sprintf("%s-%d", c.Name, n+1)
			}
			names[c.Name]++
			out = append(out, c)
		}
	}
	return out
}

func fileStem(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '=', r == '.', r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	return b.String()
}

func style(p *plot.Plot) {
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
func (c *Chart) Render(w io.Writer, format string) (err error) {
	// gonum panics on impossible axes; a report must fail with an error
	// naming the chart, not crash.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("chart %s: %v", c.Name, r)
		}
	}()
	var canvas vg.CanvasSizer
	var png *vgimg.Canvas
	var svg *vgsvg.Canvas
	switch format {
	case "png":
		png = vgimg.NewWith(vgimg.UseWH(c.width, c.height), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))
		canvas = png
	case "svg":
		svg = vgsvg.New(c.width, c.height)
		canvas = svg
	default:
		return fmt.Errorf("chart format %q: want png or svg", format)
	}
	dc := draw.New(canvas)
	if c.draw != nil {
		if err := c.draw(dc); err != nil {
			return err
		}
	} else {
		p, leg, err := c.build()
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.Name, err)
		}
		legW := legendWidth(leg)
		gap := vg.Length(0)
		if legW > 0 {
			gap = vg.Points(10)
		}
		p.Draw(draw.Crop(dc, 0, -legW-gap, 0, 0))
		if legW > 0 {
			leg.Top, leg.Left = true, true
			leg.Draw(draw.Crop(dc, c.width-legW, 0, 0, -vg.Points(30)))
		}
	}
	if png != nil {
		_, err = vgimg.PngCanvas{Canvas: png}.WriteTo(w)
	} else {
		_, err = svg.WriteTo(w)
	}
	return err
}

// legendWidth is the room the legend needs on the right, 0 without one.
func legendWidth(l *plot.Legend) vg.Length {
	if l == nil {
		return 0
	}
	r := l.Rectangle(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 1000, Y: 1000}}})
	w := r.Max.X - r.Min.X
	if w <= 0 {
		return 0
	}
	return w + vg.Points(12)
}
