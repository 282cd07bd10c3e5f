package report

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/concbench/concbench/sampler"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/concbench/concbench/report/chart"
)

// Samples is a per-core utilisation time series, as the sampler writes it
// next to a result file (results/<host>/<stamp>.samples/*.csv).
type Samples struct {
	Name string    // the file's base name without .csv: which run it was
	T    []float64 // window ends, milliseconds, ascending
	CPUs []string  // core ids, in the sampler's order
	// Util[i][j] is core j's utilisation at T[i], percent; NaN if absent.
	Util [][]float64
}

// ReadSamples reads one per-core samples CSV with the sampler's own reader
// (sampler.ReadCSV, the inverse of what the sampler writes); errors name
// file:line. A file with no window is an error: there is nothing to draw.
func ReadSamples(path string) (*Samples, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	series, err := sampler.ReadCSV(f, path)
	if err != nil {
		return nil, err
	}
	if len(series.Windows) == 0 {
		return nil, fmt.Errorf("%s: no samples", path)
	}
	s := &Samples{Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))}
	for _, id := range series.CPUs {
		s.CPUs = append(s.CPUs, strconv.Itoa(id))
	}
	for _, w := range series.Windows {
		s.T = append(s.T, float64(w.End.Milliseconds()))
		row := make([]float64, len(w.Util))
		for j, u := range w.Util {
			// Back to the percent the file holds (one decimal), so that
			// equal runs stay equal when Representatives ranks them.
			row[j] = math.Round(1000*u) / 10
		}
		s.Util = append(s.Util, row)
	}
	return s, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// grid adapts Samples to gonum's GridXYZ: columns are times, rows cores.
type grid struct{ s *Samples }

func (g grid) Dims() (c, r int) { return len(g.s.T), len(g.s.CPUs) }
func (g grid) Z(c, r int) float64 {
	return g.s.Util[c][r]
}
func (g grid) X(c int) float64 { return g.s.T[c] / 1000 }
func (g grid) Y(r int) float64 { return float64(r) }

// MeanUtil is each core's mean utilisation over the run, percent.
func (s *Samples) MeanUtil() []float64 {
	out := make([]float64, len(s.CPUs))
	for j := range s.CPUs {
		sum, n := 0.0, 0
		for i := range s.T {
			if v := s.Util[i][j]; !math.IsNaN(v) {
				sum += v
				n++
			}
		}
		out[j] = math.NaN()
		if n > 0 {
			out[j] = sum / float64(n)
		}
	}
	return out
}

// runSuffix is the -N that the sampler adds to the file of a benchmark's
// second, third ... run (-count N).
var runSuffix = regexp.MustCompile(`-[0-9]+$`)

// Representatives keeps one run per benchmark: of the runs whose names
// differ only in the sampler's -N suffix, the one whose summed mean
// utilisation (busy cores) is the median, so a -count 10 recording gives
// one heatmap per benchmark, not ten. Order follows the input.
func Representatives(all []*Samples) []*Samples {
	groups := map[string][]*Samples{}
	var order []string
	for _, s := range all {
		k := runSuffix.ReplaceAllString(s.Name, "")
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	out := make([]*Samples, 0, len(order))
	for _, k := range order {
		g := append([]*Samples(nil), groups[k]...)
		sort.SliceStable(g, func(i, j int) bool { return busy(g[i]) < busy(g[j]) })
		out = append(out, g[(len(g)-1)/2])
	}
	return out
}

// busy is the sum of the cores' mean utilisation, in cores.
func busy(s *Samples) float64 {
	sum := 0.0
	for _, u := range s.MeanUtil() {
		if !math.IsNaN(u) {
			sum += u / 100
		}
	}
	return sum
}

// HeatmapChart draws core × time, colour = utilisation (0-100 %), with a
// colour bar beside it, and says how many cores the run kept busy.
func HeatmapChart(s *Samples) *Chart {
	c := &Chart{
		Name:  "samples-" + s.Name,
		Title: "Per-core utilisation: " + shortSampleName(s.Name),
		Picture: chart.Picture{Width: 7 * vg.Inch,
			Height: vg.Length(math.Min(6, math.Max(3, 0.25*float64(len(s.CPUs))+2))) * vg.Inch},
	}
	means := s.MeanUtil()
	busy, total, hot := 0.0, 0.0, 0
	for _, m := range means {
		if !math.IsNaN(m) {
			busy += m / 100
			total++
			if m >= 90 {
				hot++
			}
		}
	}
	c.Sentence = fmt.Sprintf("%s: on average %.1f of %.0f cores busy (%d at 90%% or more) over %.1f s.",
		s.Name, busy, total, hot, (s.T[len(s.T)-1]-s.T[0])/1000)
	c.Heat = func(dc draw.Canvas) (p, bar *plot.Plot, area, barArea draw.Canvas) {
		// Idle is pale and busy is dark red: the eye finds the busy
		// cores first, and white background reads as "nothing".
		cm := palette.Reverse(moreland.BlackBody())
		cm.SetMin(0)
		cm.SetMax(100)
		hm := plotter.NewHeatMap(grid{s}, cm.Palette(64))
		hm.Min, hm.Max = 0, 100
		hm.NaN = color.Gray{Y: 200}
		p = plot.New()
		p.Title.Text = c.Title
		p.X.Label.Text = "time (s)"
		p.Y.Label.Text = "core"
		chart.Style(p)
		p.Add(hm)
		var ticks []plot.Tick
		step := max(1, len(s.CPUs)/16)
		for j, name := range s.CPUs {
			label := ""
			if j%step == 0 {
				label = name
			}
			ticks = append(ticks, plot.Tick{Value: float64(j), Label: label})
		}
		p.Y.Tick.Marker = plot.ConstantTicks(ticks)
		bar = plot.New()
		chart.Style(bar)
		bar.Title.Text = "util %"
		bar.Title.TextStyle.Font.Size = vg.Points(10)
		bar.HideX()
		bar.Y.Padding = 0
		bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
		barW := vg.Points(60)
		area = draw.Crop(dc, chart.Margin, -barW-vg.Points(10)-chart.Margin, chart.Margin, -chart.Margin)
		chart.FitTitle(p, area.Max.X-area.Min.X)
		chart.FitXLabels(p, area)
		return p, bar, area, draw.Crop(dc, c.Width-barW, -chart.Margin, vg.Points(40), -vg.Points(4))
	}
	c.Draw = func(dc draw.Canvas) error {
		p, bar, area, barArea := c.Heat(dc)
		p.Draw(area)
		bar.Draw(barArea)
		return nil
	}
	return c
}

// shortSampleName turns a sampler file name such as
// "BenchmarkBusyLoop_model=thread_workers=2_gomaxprocs=1-1" into a title
// that fits a chart: "model=thread workers=2 gomaxprocs=1 (run 2)".
func shortSampleName(name string) string {
	name = strings.TrimPrefix(name, "Benchmark")
	if i := strings.IndexByte(name, '_'); i >= 0 {
		name = name[i+1:]
	}
	run := ""
	if i := strings.LastIndexByte(name, '-'); i >= 0 && isDigits(name[i+1:]) && name[i+1:] != "" {
		n, _ := strconv.Atoi(name[i+1:])
		run = fmt.Sprintf(" (run %d)", n+1)
		name = name[:i]
	}
	return strings.ReplaceAll(name, "_", " ") + run
}
