package report

import (
	"bytes"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/concbench/concbench/report/chart"
)

// TestChartGoldens renders one chart of each kind from testdata/suite.txt
// and compares it, pixel for pixel, with testdata/charts/<name>_golden.png:
// a broken axis, a lost series or an empty plot fails here instead of in a
// reader's eyes. After a deliberate change, `go test ./report -run
// TestChartGoldens -regen` rewrites the goldens.
func TestChartGoldens(t *testing.T) {
	s, err := Load([]string{"testdata/suite.txt"}, "")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Chart{}
	for _, c := range Charts(s.Points(""), s.Better, s.NCPU()) {
		byName[c.Name] = c
	}
	smp, err := ReadSamples("testdata/suite.samples/busyloop_model=python-threads.csv")
	if err != nil {
		t.Fatal(err)
	}
	heat := HeatmapChart(smp)
	byName[heat.Name] = heat
	for _, name := range []string{
		"scale-kind=cpu-kernel=sha256",        // log-log lines, throughput
		"ipc-pattern=pingpong-peer=goroutine", // log-log with a dashed p99
		"spawn",                               // categories, reference line
		"mystery",                             // generic: dots on a log axis
		"busyloop",                            // generic: bars
		"samples-busyloop_model=python-threads",
	} {
		c := byName[name]
		if c == nil {
			t.Errorf("no chart %s", name)
			continue
		}
		file := filepath.Join("charts", name+".png")
		t.Cleanup(func() { os.Remove(filepath.Join("testdata", file)) })
		cmpimg.CheckPlot(func() {
			f, err := os.Create(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := c.Render(f, "png"); err != nil {
				t.Fatal(err)
			}
		}, t, file)
	}
}

// TestChartLabelsFit lays out every chart that a full report of the
// committed recording draws (its heatmaps too), and the trend charts of
// that machine's two recordings, at their rendered size with the plot's own font metrics:
// no x tick label may overlap its neighbour or leave the picture (spawn's
// floor-kernel, floor-kernel-proc, python-thread … ran into each other,
// as did stop's 50µ 100µ 200µ), no title may be wider than the plot
// (trend-ipc's was clipped), and the widest y tick label must lie inside
// the picture with a chart.Margin (stop's longest label touched the edge).
func TestChartLabelsFit(t *testing.T) {
	const rec = "../results/8ecd64460d00/20261202T015636Z.txt"
	s, err := Load([]string{rec}, "")
	if err != nil {
		t.Fatal(err)
	}
	charts := Charts(s.Points(""), s.Better, s.NCPU())
	tr, err := LoadTrend([]string{"../results/8ecd64460d00/20261201T234934Z.txt", rec}, TrendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	charts = append(charts, tr.TrendCharts()...)
	heat, err := heatmaps(samplesDir(rec))
	if err != nil || len(heat) < 5 {
		t.Fatalf("%d heatmaps of the recording's samples, error %v", len(heat), err)
	}
	charts = append(charts, heat...)
	if len(charts) < 40 {
		t.Fatalf("%d charts, want the full report's", len(charts))
	}
	for _, c := range charts {
		dc := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: c.Width, Y: c.Height}}}
		if c.Heat != nil {
			p, _, area, _ := c.Heat(dc)
			for _, clash := range chart.XLabelClashes(p, area) {
				t.Errorf("%s: x label %s", c.Name, clash)
			}
			continue
		}
		p, area, leg, legArea, err := c.Layout(dc, c.Name)
		if err != nil {
			t.Fatal(err)
		}
		if lw, lh := chart.LegendSize(leg); leg != nil && (lw-vg.Points(12) > legArea.Max.X-legArea.Min.X || lh > legArea.Max.Y-legArea.Min.Y ||
			legArea.Min.X < dc.Min.X || legArea.Max.X > dc.Max.X || legArea.Min.Y < dc.Min.Y) {
			t.Errorf("%s: the legend (%.0f × %.0f pt) does not fit its place %v in the picture %v", c.Name, lw, lh, legArea.Rectangle, dc.Rectangle)
		}
		if pw := area.Max.X - area.Min.X; pw < c.Width/2 {
			t.Errorf("%s: the plot is %.0f of %.0f pt wide: the legend squeezes it", c.Name, pw, c.Width)
		}
		for _, clash := range chart.XLabelClashes(p, area) {
			t.Errorf("%s: x label %s", c.Name, clash)
		}
		for _, line := range strings.Split(p.Title.Text, "\n") {
			if w := p.Title.TextStyle.Width(line); w > area.Max.X-area.Min.X {
				t.Errorf("%s: title line %q is %.0fpt wide, the plot %.0fpt", c.Name, line, w, area.Max.X-area.Min.X)
			}
		}
		// gonum right-aligns the y tick labels on the widest one, which
		// starts where the axis title (if any) ends.
		left := area.Min.X
		if p.Y.Label.Text != "" {
			left += p.Y.Label.TextStyle.Height(p.Y.Label.Text) + p.Y.Label.Padding
		}
		if left < dc.Min.X+vg.Points(3) {
			t.Errorf("%s: the widest y label starts %.1f pt from the picture's edge, want 3 or more", c.Name, left-dc.Min.X)
		}
	}
}

// TestSeriesColorsDistinct: no two series of one chart of the committed
// recording's report share a colour or have near-identical ones (gonum's
// default palette drew os-pipe and shm-spin in two reds 42 apart).
func TestSeriesColorsDistinct(t *testing.T) {
	s, err := Load([]string{"../results/8ecd64460d00/20261202T015636Z.txt"}, "")
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	for _, c := range Charts(s.Points(""), s.Better, s.NCPU()) {
		most = max(most, c.Series)
	}
	if most < 6 || most > len(chart.SeriesColors) {
		t.Fatalf("a chart draws %d series; the palette has %d colours", most, len(chart.SeriesColors))
	}
	for i := range most {
		for j := range i {
			a, b := chart.SeriesColor(i).(color.RGBA), chart.SeriesColor(j).(color.RGBA)
			dr, dg, db := float64(a.R)-float64(b.R), float64(a.G)-float64(b.G), float64(a.B)-float64(b.B)
			if d := math.Sqrt(dr*dr + dg*dg + db*db); d < 70 {
				t.Errorf("series %d and %d: colours %v and %v are %.0f apart, want 70 or more", j, i, b, a, d)
			}
		}
	}
}

// TestBusyCoresAxis: the busy-loop chart counts cores from 0 to the
// machine's ncpu, unscaled, with a line at ncpu in the legend; it read
// "busy cores (mbusy-cores)" with its axis cut near 1,000 milli-cores, so
// Python threads' 0.98 looked like nothing.
func TestBusyCoresAxis(t *testing.T) {
	s, err := Load([]string{"../results/8ecd64460d00/20261202T015636Z.txt"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var c *Chart
	for _, ch := range Charts(s.Points(""), s.Better, s.NCPU()) {
		if ch.Name == "busyloop" {
			c = ch
		}
	}
	if c == nil || s.NCPU() != 2 {
		t.Fatalf("no busyloop chart, or ncpu %d", s.NCPU())
	}
	p, _, err := c.Build()
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Min != 0 || p.Y.Max < 2 || p.Y.Max > 2.5 {
		t.Errorf("y axis %g to %g, want 0 to a little over ncpu 2", p.Y.Min, p.Y.Max)
	}
	if p.Y.Label.Text != "busy cores (cores)" {
		t.Errorf("y label %q", p.Y.Label.Text)
	}
	var labels []string
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if strings.Join(labels, " ") != "0 1 2" {
		t.Errorf("y ticks %q, want 0 1 2", labels)
	}
	var svg bytes.Buffer
	if err := c.Render(&svg, "svg"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg.String(), ">ncpu = 2<") {
		t.Error("no line at ncpu in the legend")
	}
}
