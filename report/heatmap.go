package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Samples is a per-core utilisation time series, as the sampler writes it
// next to a result file (results/<host>/<stamp>.samples/*.csv).
type Samples struct {
	Name string    // the file's base name without .csv: which run it was
	T    []float64 // sample times, milliseconds, ascending
	CPUs []string  // core names, in numeric order when they are numbers
	// Util[i][j] is core j's utilisation at T[i], percent; NaN if absent.
	Util [][]float64
}

// Column names the reader accepts, lower case. The sampler's format is
// "t_ms,cpu,util" (long form, one row per core and window); a wide form
// "t_ms,cpu0,cpu1,..." is read too, and unknown columns are ignored, so a
// sampler that adds a column (steal, say) breaks nothing.
var (
	timeCols = map[string]float64{"t_ms": 1, "time_ms": 1, "ms": 1, "elapsed_ms": 1, "t": 1, "time": 1,
		"t_s": 1000, "time_s": 1000, "t_us": 1e-3, "t_ns": 1e-6}
	cpuCols  = map[string]bool{"cpu": true, "core": true, "cpu_id": true, "core_id": true}
	utilCols = map[string]bool{"util": true, "util_pct": true, "util%": true, "utilization": true,
		"utilisation": true, "busy": true, "busy_pct": true, "usage": true, "core-util-%": true}
)

// ReadSamples reads one CSV of per-core samples. Utilisation given as a
// fraction (every value <= 1) is turned into percent. Errors name file:line.
func ReadSamples(path string) (*Samples, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	head, err := r.Read()
	if err == io.EOF {
		return nil, &Error{File: path, Msg: "empty samples file"}
	}
	if err != nil {
		return nil, csvErr(path, err)
	}
	tCol, cCol, uCol := -1, -1, -1
	tScale := 1.0
	wide := map[int]string{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case timeCols[h] != 0 && tCol < 0:
			tCol, tScale = i, timeCols[h]
		case cpuCols[h] && cCol < 0:
			cCol = i
		case utilCols[h] && uCol < 0:
			uCol = i
		case (strings.HasPrefix(h, "cpu") || strings.HasPrefix(h, "core")) && isDigits(strings.TrimLeft(h, "cpuore")):
			wide[i] = strings.TrimLeft(h, "cpuore")
		}
	}
	if tCol < 0 {
		return nil, &Error{File: path, Line: 1, Msg: "no time column (want t_ms, time_ms, t_s, ...)"}
	}
	long := cCol >= 0 && uCol >= 0
	if !long && len(wide) == 0 {
		return nil, &Error{File: path, Line: 1, Msg: "no cpu and util columns (want t_ms,cpu,util or t_ms,cpu0,cpu1,...)"}
	}
	type obs struct {
		t   float64
		cpu string
		u   float64
	}
	var all []obs
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(path, err)
		}
		line, _ := r.FieldPos(0)
		num := func(i int, what string) (float64, error) {
			if i >= len(rec) {
				return 0, &Error{File: path, Line: line, Msg: "missing " + what + " column"}
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
			if err != nil {
				return 0, &Error{File: path, Line: line, Msg: fmt.Sprintf("%s %q is not a number", what, rec[i])}
			}
			return v, nil
		}
		t, err := num(tCol, head[tCol])
		if err != nil {
			return nil, err
		}
		t *= tScale
		if long {
			u, err := num(uCol, head[uCol])
			if err != nil {
				return nil, err
			}
			if cCol >= len(rec) {
				return nil, &Error{File: path, Line: line, Msg: "missing cpu column"}
			}
			all = append(all, obs{t, strings.TrimSpace(rec[cCol]), u})
			continue
		}
		for i, name := range wide {
			u, err := num(i, head[i])
			if err != nil {
				return nil, err
			}
			all = append(all, obs{t, name, u})
		}
	}
	if len(all) == 0 {
		return nil, &Error{File: path, Msg: "no samples"}
	}
	s := &Samples{Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))}
	ti, ci := map[float64]int{}, map[string]int{}
	maxU := 0.0
	for _, o := range all {
		if _, ok := ti[o.t]; !ok {
			ti[o.t] = 0
			s.T = append(s.T, o.t)
		}
		if _, ok := ci[o.cpu]; !ok {
			ci[o.cpu] = 0
			s.CPUs = append(s.CPUs, o.cpu)
		}
		maxU = math.Max(maxU, o.u)
	}
	sort.Float64s(s.T)
	sort.SliceStable(s.CPUs, func(i, j int) bool {
		a, errA := strconv.Atoi(s.CPUs[i])
		b, errB := strconv.Atoi(s.CPUs[j])
		if errA == nil && errB == nil {
			return a < b
		}
		return s.CPUs[i] < s.CPUs[j]
	})
	for i, t := range s.T {
		ti[t] = i
	}
	for i, c := range s.CPUs {
		ci[c] = i
	}
	s.Util = make([][]float64, len(s.T))
	for i := range s.Util {
		s.Util[i] = make([]float64, len(s.CPUs))
		for j := range s.Util[i] {
			s.Util[i][j] = math.NaN()
		}
	}
	scale := 1.0
	if maxU <= 1 {
		scale = 100
	}
	for _, o := range all {
		s.Util[ti[o.t]][ci[o.cpu]] = o.u * scale
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

func csvErr(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: path, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return &Error{File: path, Msg: err.Error()}
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
		Name:   "samples-" + s.Name,
		Title:  "Per-core utilisation: " + shortSampleName(s.Name),
		width:  7 * vg.Inch,
		height: vg.Length(math.Min(6, math.Max(3, 0.25*float64(len(s.CPUs))+2))) * vg.Inch,
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
	c.draw = func(dc draw.Canvas) error {
		// Idle is pale and busy is dark red: the eye finds the busy
		// cores first, and white background reads as "nothing".
		cm := palette.Reverse(moreland.BlackBody())
		cm.SetMin(0)
		cm.SetMax(100)
		hm := plotter.NewHeatMap(grid{s}, cm.Palette(64))
		hm.Min, hm.Max = 0, 100
		hm.NaN = color.Gray{Y: 200}
		p := plot.New()
		p.Title.Text = c.Title
		p.X.Label.Text = "time (s)"
		p.Y.Label.Text = "core"
		style(p)
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
		bar := plot.New()
		style(bar)
		bar.Title.Text = "util %"
		bar.Title.TextStyle.Font.Size = vg.Points(10)
		bar.HideX()
		bar.Y.Padding = 0
		bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
		barW := vg.Points(60)
		p.Draw(draw.Crop(dc, 0, -barW-vg.Points(10), 0, 0))
		bar.Draw(draw.Crop(dc, c.width-barW, 0, vg.Points(40), -vg.Points(4)))
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
