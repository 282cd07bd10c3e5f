package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/concbench/concbench/report/chart"
)

// WriteAnswers writes the Answers section's body of s (see
// AnswerTable.WriteMarkdown).
func (s *Set) WriteAnswers(w io.Writer, link string) error {
	return s.AnswerTable().WriteMarkdown(w, link)
}

// WriteMarkdown writes the Answers section's body: the machine, then one
// sentence per break-even point, linked to where it is read from (link is
// what goes before "#section": "" inside the report, the report's
// README.md from elsewhere); with several machines, a table with the
// machines side by side. Nothing when no input holds a sweep to answer
// from.
func (t *AnswerTable) WriteMarkdown(w io.Writer, link string) error {
	ms, per := t.Machines, t.Per
	if len(t.Keys) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("Break-even points from the sweeps, interpolated on the log scale between the two measured sizes around each, " +
		"with a 95% interval from a bootstrap of the runs; a crossing outside the measured range is said to be, not extrapolated.\n\n")
	if len(ms) == 1 {
		fmt.Fprintf(&b, "On %s:\n\n", ms[0].Describe())
		for _, a := range per[0] {
			fmt.Fprintf(&b, "- [%s](%s)\n", strings.TrimSuffix(a.Text, "."), link+a.Link)
		}
		b.WriteString("\n")
	} else {
		for _, m := range ms {
			fmt.Fprintf(&b, "- **%s**: %s (`%s`)\n", m.Name, m.Describe(), m.File.Label)
		}
		b.WriteString("\n| answer |")
		for _, m := range ms {
			fmt.Fprintf(&b, " machine %s |", m.Name)
		}
		b.WriteString("\n| --- |" + strings.Repeat(" --- |", len(ms)) + "\n")
		for _, k := range t.Keys {
			fmt.Fprintf(&b, "| %s |", k)
			for i := range ms {
				cell := ""
				for _, a := range per[i] {
					if a.Key == k {
						cell = fmt.Sprintf("[%s](%s)", a.Value, link+a.Link)
					}
				}
				fmt.Fprintf(&b, " %s |", cell)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// AnswerCharts are the Answers section's charts, of the newest input:
// throughput relative to goroutines against task size, one line per
// model, the 90% line and each model's crossing of it marked.
func (s *Set) AnswerCharts() []*Chart {
	f := s.Files[len(s.Files)-1]
	pts := s.Points(f.Label)
	sw, taskTime, ok := workSweep(pts, ncpuOf(f))
	if !ok {
		return nil
	}
	c := &Chart{Name: "answers-work", Family: "Answers", Picture: chart.Picture{Width: 7 * vg.Inch, Height: 4.5 * vg.Inch},
		Title: "Throughput relative to goroutines vs work per task (ncpu workers)"}
	c.Sentence = "Each model's tasks per second over goroutines' at the same task size; the dashed line is 90%, " +
		"a cross marks where a model reaches it (interpolated, as in the answers)."
	c.Build = func() (*plot.Plot, *plot.Legend, error) { return workPlot(sw, taskTime, c.Title) }
	return []*Chart{c}
}

func workPlot(sw sweep, taskTime func(float64) float64, title string) (*plot.Plot, *plot.Legend, error) {
	p := chart.NewPlot(title, "work per task (a goroutine's time per task, 1 worker; µs)", "throughput / goroutines'")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = chart.LogTicks{}
	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = vg.Points(10)
	med := map[string][]float64{}
	for k, per := range sw.ser {
		for _, v := range per {
			med[k] = append(med[k], median(v))
		}
	}
	us := func(rounds float64) float64 { return taskTime(rounds) * 1e6 }
	var models []string
	for _, m := range []string{colThread, colProcess, "python-thread", "python-process"} {
		if sw.ser[m] != nil {
			models = append(models, m)
		}
	}
	for i, m := range models {
		r := over(colGoroutine, m)(med)
		var xys plotter.XYs
		for j, x := range sw.xs {
			if !math.IsNaN(r[j]) {
				xys = append(xys, plotter.XY{X: us(x), Y: r[j]})
			}
		}
		if len(xys) == 0 {
			continue
		}
		col := plotutil.Color(i)
		ln, err := chart.StyledLine(xys, col, 1.5, nil)
		if err != nil {
			return nil, nil, err
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, nil, err
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Shape, sc.GlyphStyle.Radius = col, plotutil.Shape(i), vg.Points(3)
		p.Add(ln, sc)
		leg.Add(m, ln, sc)
		if x, where := crossAt(sw.xs, r, 0.9, false); where == crossWithin {
			mk, err := plotter.NewScatter(plotter.XYs{{X: us(x), Y: 0.9}})
			if err != nil {
				return nil, nil, err
			}
			mk.GlyphStyle.Color, mk.GlyphStyle.Shape, mk.GlyphStyle.Radius = col, draw.CrossGlyph{}, vg.Points(6)
			p.Add(mk)
		}
	}
	lo, hi := us(sw.xs[0]), us(sw.xs[len(sw.xs)-1])
	line, err := chart.StyledLine(plotter.XYs{{X: lo, Y: 0.9}, {X: hi, Y: 0.9}}, color.Gray{Y: 90}, 1.5, []vg.Length{vg.Points(6), vg.Points(3)})
	if err != nil {
		return nil, nil, err
	}
	p.Add(line, plotter.NewGrid())
	leg.Add("90% of goroutines'", line)
	p.Y.Min = 0
	return p, &leg, nil
}

// answersSection is the report's Answers section, first: the answers and
// their charts, when there are any.
func answersSection(md *strings.Builder, answers *AnswerTable, charts []*Chart) error {
	var b strings.Builder
	if err := answers.WriteMarkdown(&b, ""); err != nil || b.Len() == 0 {
		return err
	}
	md.WriteString("## Answers\n\n" + b.String())
	for _, c := range charts {
		if c.Family == "Answers" {
			writeChart(md, c)
		}
	}
	return nil
}
