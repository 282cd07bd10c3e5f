package chart

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// TestLinesAndBarsDrawPlainData draws charts from plain data alone (no
// report types): each case's legend and labels are in the SVG, what the
// axis cannot show is left out, and the axes are as the data asks.
func TestLinesAndBarsDrawPlainData(t *testing.T) {
	one := func(label string, ys ...float64) Series {
		s := Series{Label: label}
		for i, y := range ys {
			s.Xs, s.XLabels = append(s.Xs, float64(i+1)), append(s.XLabels, string(rune('a'+i)))
			s.Ys, s.Lo, s.Hi = append(s.Ys, y), append(s.Lo, 0.9*y), append(s.Hi, 1.1*y)
			s.Extra = append(s.Extra, 2*y)
		}
		return s
	}
	type check struct {
		name       string
		lines      *Lines
		bars       *Bars
		want, lack []string
		yMax       float64 // 0: not checked
	}
	checks := []check{
		{name: "numeric with header, extra and reference",
			lines: &Lines{Title: "T", XLabel: "x", YLabel: "y", Numeric: true, Header: "model:", Extra: true, ExtraLabel: "(p99)",
				Series: []Series{one("goroutine", 1, 2), one("thread", 3, 4)}, Ref: &Mark{Y: 2.5, Label: "ref line"}},
			want: []string{">model:<", ">goroutine<", ">thread (p99)<", ">ref line<"}},
		{name: "reference a log axis cannot show",
			lines: &Lines{Title: "T", LogY: true, Numeric: true, Series: []Series{one("", 1, 10)}, Ref: &Mark{Y: 0, Label: "ref line"}},
			want:  []string{">median, 95% CI<"}, lack: []string{">ref line<"}},
		{name: "cores",
			lines: &Lines{Title: "T", Numeric: true, Series: []Series{one("busy", 0.5, 0.9)}, Cores: 2},
			want:  []string{">ncpu = 2<"}, yMax: 2 * 1.08},
		{name: "categories",
			lines: &Lines{Title: "T", Categories: []string{"pipe", "unix"}, Series: []Series{one("a", 1, 2), one("b", 2, 3)}},
			want:  []string{">pipe<", ">unix<"}},
		{name: "bars",
			bars: &Bars{Title: "T", ValueLabel: "time (µs)", Categories: []string{"first", "second"}, Series: one("", 1, 2)},
			want: []string{">first<", ">second<", ">time (µs)<"}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			pic := Picture{Width: 7 * vg.Inch, Height: 4.5 * vg.Inch, Series: 2}
			if c.lines != nil {
				pic.Build = c.lines.Plot
				p, _, err := c.lines.Plot()
				if err != nil {
					t.Fatal(err)
				}
				if c.yMax != 0 && math.Abs(p.Y.Max-c.yMax) > 1e-9 {
					t.Errorf("y max %g, want %g", p.Y.Max, c.yMax)
				}
			} else {
				pic.Build = c.bars.Plot
			}
			var svg bytes.Buffer
			if err := pic.Render(&svg, "svg", c.name); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(svg.String(), w) {
					t.Errorf("SVG lacks %q", w)
				}
			}
			for _, w := range c.lack {
				if strings.Contains(svg.String(), w) {
					t.Errorf("SVG has %q", w)
				}
			}
		})
	}
}
