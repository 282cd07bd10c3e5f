package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/concbench/concbench/report/chart"
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
	// Picture is the drawing: its size and how it is built.
	chart.Picture
}

// Charts builds the charts for a list of points (one file's, see
// Set.Points) of a machine with ncpu cores (0: unknown): per family, the
// specs of its FamilyTable entry, or the generic chart when it has none
// or they draw nothing.
func Charts(pts []Point, better func(unit string) Better, ncpu int) []*Chart {
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
	cores := ""
	if ncpu > 0 {
		cores = strconv.Itoa(ncpu)
	}
	for _, fam := range families {
		var ds []*chartData
		for _, sp := range familyInfo(fam).Specs {
			ds = append(ds, collect(fam, sp, byFam[fam], cores)...)
		}
		if len(ds) == 0 {
			ds = collect(fam, Spec{}, byFam[fam], cores)
		}
		for _, d := range ds {
			d.ncpu = ncpu
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

// Render writes the chart in format "png" or "svg". The legend is drawn
// beside the plot, never over the data.
func (c *Chart) Render(w io.Writer, format string) error {
	return c.Picture.Render(w, format, c.Name)
}
