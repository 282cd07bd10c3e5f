package report

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/concbench/concbench/report/table"

	"github.com/concbench/concbench/report/chart"
)

// maxTrendLines bounds a family's trend chart: the lines that moved most.
const maxTrendLines = 8

// WriteMoves writes the table of the largest moves (at most n; all when
// n <= 0) as Markdown: benchmark, unit, from and to commit, factor.
func (t *Trend) WriteMoves(w io.Writer, n int) error {
	ms := t.Moves()
	var b strings.Builder
	fmt.Fprintf(&b, "%d change points over %d commits (%s … %s): a benchmark's 95%% CI at one commit does not overlap the one before.\n\n",
		len(ms), len(t.Commits), t.Commits[0], t.Commits[len(t.Commits)-1])
	if len(ms) > 0 {
		b.WriteString("| benchmark | unit | from | to | new / old |\n| --- | --- | --- | --- | --: |\n")
	}
	for i, m := range ms {
		if n > 0 && i == n {
			break
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.3g× |\n", table.EscapeMarkdown(m.Line.Name), m.Line.Unit, t.Commits[m.From], t.Commits[m.To], m.Factor)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// TrendCharts draws a chart per family: its headline unit (the first
// spec's, else sec/op, else its most common) as a ratio to the first
// commit, the lines that moved most, change points ringed.
func (t *Trend) TrendCharts() []*Chart {
	byFam := map[string][]*TrendLine{}
	var fams []string
	for _, l := range t.Lines {
		if _, ok := byFam[l.Family]; !ok {
			fams = append(fams, l.Family)
		}
		byFam[l.Family] = append(byFam[l.Family], l)
	}
	sort.Strings(fams)
	var out []*Chart
	for _, f := range fams {
		ls := headline(f, byFam[f])
		sort.SliceStable(ls, func(i, j int) bool { return maxMove(ls[i]) > maxMove(ls[j]) })
		note := ""
		if len(ls) > maxTrendLines {
			note = fmt.Sprintf(" The %d of %d benchmarks that moved most are drawn.", maxTrendLines, len(ls))
			ls = ls[:maxTrendLines]
		}
		c := &Chart{Name: fileStem("trend-" + f), Family: f, Picture: chart.Picture{Width: 8 * vg.Inch, Height: 4.5 * vg.Inch},
			Title: fmt.Sprintf("%s over %d commits: %s relative to %s", f, len(t.Commits), ls[0].Unit, t.Commits[0])}
		c.Sentence = "Ringed points are change points." + note
		lines := ls
		c.Build = func() (*plot.Plot, *plot.Legend, error) { return t.trendPlot(c.Title, lines) }
		out = append(out, c)
	}
	return out
}

// headline keeps a family's lines of its headline unit.
func headline(fam string, ls []*TrendLine) []*TrendLine {
	count := map[string]int{}
	for _, l := range ls {
		count[l.Unit]++
	}
	unit := familyInfo(fam).headlineUnit()
	if count[unit] == 0 {
		unit = "sec/op"
	}
	if count[unit] == 0 {
		for u, n := range count {
			if n > count[unit] || (n == count[unit] && u < unit) {
				unit = u
			}
		}
	}
	var out []*TrendLine
	for _, l := range ls {
		if l.Unit == unit {
			out = append(out, l)
		}
	}
	return out
}

func maxMove(l *TrendLine) float64 {
	m := 0.0
	for _, p := range l.Points {
		if p.Present && p.Center > 0 {
			m = math.Max(m, math.Abs(math.Log(p.Center)))
		}
	}
	return m
}

// trendPlot draws the lines over commit indexes, CI whiskers, change
// points ringed in red, the commits as tick labels.
func (t *Trend) trendPlot(title string, ls []*TrendLine) (*plot.Plot, *plot.Legend, error) {
	p := chart.NewPlot(title, "commit", "ratio to the first commit")
	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = vg.Points(9)
	var ticks []plot.Tick
	for i, c := range t.Commits {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: c})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	var rings plotter.XYs
	for i, l := range ls {
		var pts chart.XYErr
		for x, pt := range l.Points {
			if pt.Present {
				pts.Xs, pts.Ys = append(pts.Xs, float64(x)), append(pts.Ys, pt.Center)
				pts.Lo, pts.Hi = append(pts.Lo, pt.Lo), append(pts.Hi, pt.Hi)
				if pt.Change {
					rings = append(rings, plotter.XY{X: float64(x), Y: pt.Center})
				}
			}
		}
		if pts.Len() == 0 {
			continue
		}
		col := chart.SeriesColor(i)
		sc, eb, err := chart.DotsWithWhiskers(pts, col, i)
		if err != nil {
			return nil, nil, err
		}
		ln, err := chart.StyledLine(pts, col, 1.5, nil)
		if err != nil {
			return nil, nil, err
		}
		p.Add(ln, eb, sc)
		_, sub, _ := strings.Cut(l.Name, "/")
		if sub == "" {
			sub = l.Name
		}
		leg.Add(sub, ln, sc)
	}
	if len(rings) > 0 {
		r, err := plotter.NewScatter(rings)
		if err != nil {
			return nil, nil, err
		}
		r.GlyphStyle = draw.GlyphStyle{Color: color.RGBA{R: 220, A: 255}, Radius: vg.Points(7), Shape: draw.RingGlyph{}}
		p.Add(r)
		leg.Add("change point", r)
	}
	p.X.Min, p.X.Max = -0.3, float64(len(t.Commits))-0.7
	p.Add(plotter.NewGrid())
	return p, &leg, nil
}

// WriteTrend writes the trend report into dir (the same rules as Write:
// missing, empty or a report directory, replaced whole): README.md with
// the largest moves and a chart per family, PNG and SVG.
func WriteTrend(dir string, t *Trend) error {
	dir = filepath.Clean(dir)
	if _, _, err := checkOut(dir); err != nil {
		return err
	}
	var md bytes.Buffer
	md.WriteString("# concbench trend\n\n")
	if err := t.WriteMoves(&md, 0); err != nil {
		return err
	}
	charts := t.TrendCharts()
	for _, c := range charts {
		fmt.Fprintf(&md, "\n## %s\n\n%s\n\n![%s](%s.png)\n\n([SVG](%s.svg))\n", c.Family, c.Sentence, c.Title, c.Name, c.Name)
	}
	files, err := renderCharts(charts)
	if err != nil {
		return err
	}
	return install(dir, append(files, outFile{"README.md", md.Bytes()}))
}
