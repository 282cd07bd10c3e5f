package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchunit"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
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

// series is one line of a chart: y (with its CI) for each x.
type series struct {
	label      string
	xs         []float64 // numeric x, or the category index
	xLabels    []string
	ys, lo, hi []float64
	extra      []float64 // NaN where absent
}

// Charts builds the charts for a list of points (one file's, see
// Set.Points): the families in Specs as their specs say, every other family
// as a generic chart.
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
		var cs []*Chart
		specs := specsFor(fam)
		for _, sp := range specs {
			if sp.X == "" {
				cs = append(cs, genericCharts(sp, byFam[fam], better)...)
			} else {
				cs = append(cs, specCharts(sp, byFam[fam], better)...)
			}
		}
		if len(cs) == 0 {
			cs = genericCharts(Spec{Family: fam}, byFam[fam], better)
		}
		for _, c := range cs {
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

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func matches(p Point, where map[string]string) bool {
	for k, v := range where {
		if p.Keys[k] != v {
			return false
		}
	}
	return true
}

func keyValues(p Point, keys []string, sep string) string {
	var parts []string
	for _, k := range keys {
		if v, ok := p.Keys[k]; ok {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, sep)
}

// parseNum reads an x value: an integer, a float, or a size with a binary
// or decimal suffix (8B, 4KiB, 1MiB, 2k).
func parseNum(s string) (float64, bool) {
	mult := 1.0
	num := s
	for _, suf := range []struct {
		s string
		m float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"KB", 1e3}, {"B", 1}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}} {
		if strings.HasSuffix(s, suf.s) {
			num, mult = strings.TrimSuffix(s, suf.s), suf.m
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	return v * mult, true
}

// specCharts draws one chart per Split value.
func specCharts(sp Spec, pts []Point, better func(string) int) []*Chart {
	type group struct {
		split  string
		points []Point
	}
	var groups []*group
	gi := map[string]*group{}
	for _, p := range pts {
		if !matches(p, sp.Where) {
			continue
		}
		if _, ok := p.Keys[sp.X]; !ok {
			continue
		}
		var kv []string
		for _, s := range sp.Split {
			if v, ok := p.Keys[s]; ok {
				kv = append(kv, s+"="+v)
			}
		}
		k := strings.Join(kv, " ")
		g := gi[k]
		if g == nil {
			g = &group{split: k}
			gi[k] = g
			groups = append(groups, g)
		}
		g.points = append(g.points, p)
	}
	var out []*Chart
	for _, g := range groups {
		if c := specChart(sp, g.split, g.points, better); c != nil {
			out = append(out, c)
		}
	}
	return out
}

func hasUnit(pts []Point, unit string) bool {
	for _, p := range pts {
		if p.Unit == unit {
			return true
		}
	}
	return false
}

func specChart(sp Spec, split string, pts []Point, better func(string) int) *Chart {
	if !hasUnit(pts, sp.Unit) {
		return nil
	}
	extraUnit := ""
	for _, u := range sp.Extra {
		if hasUnit(pts, u) {
			extraUnit = u
			break
		}
	}
	// Is x numeric for every point?
	numeric := true
	for _, p := range pts {
		if _, ok := parseNum(p.Keys[sp.X]); !ok {
			numeric = false
		}
	}
	// Keys the spec does not place (gomaxprocs from -cpu 1,2, a key a
	// family grew later) would put two points at one x of one line: they
	// join the series keys instead.
	seriesKeys := append([]string{}, sp.Series...)
	placed := map[string]bool{sp.X: true}
	for _, k := range append(append(append([]string{}, sp.Series...), sp.Split...), mapKeys(sp.Where)...) {
		placed[k] = true
	}
	vals := map[string]map[string]bool{}
	var extraKeys []string
	for _, p := range pts {
		for k, v := range p.Keys {
			if placed[k] {
				continue
			}
			if vals[k] == nil {
				vals[k] = map[string]bool{}
				extraKeys = append(extraKeys, k)
			}
			vals[k][v] = true
		}
	}
	sort.Strings(extraKeys)
	for _, k := range extraKeys {
		for _, p := range pts {
			if _, ok := p.Keys[k]; !ok {
				vals[k][""] = true // absent is a value too
			}
		}
		if len(vals[k]) > 1 {
			seriesKeys = append(seriesKeys, k)
		}
	}
	// Collect the series, and the categories in first-seen order.
	var ss []*series
	si := map[string]*series{}
	var cats []string
	ci := map[string]int{}
	var ref *Point
	extra := map[string]float64{}
	for _, p := range pts {
		if p.Unit == extraUnit && extraUnit != "" {
			extra[p.Name] = p.Summary.Center
		}
	}
	for _, p := range pts {
		if p.Unit != sp.Unit {
			continue
		}
		xv := p.Keys[sp.X]
		if sp.Reference != "" && xv == sp.Reference {
			p := p
			ref = &p
			continue
		}
		// Spec keys show values ("thread"), the added ones key=value.
		parts := []string{}
		if l := keyValues(p, sp.Series, "/"); l != "" {
			parts = append(parts, l)
		}
		for _, k := range seriesKeys[len(sp.Series):] {
			v, ok := p.Keys[k]
			switch {
			case !ok && k == "gomaxprocs":
				v = "1" // a name without -N ran at GOMAXPROCS=1
			case !ok:
				v = "none"
			}
			parts = append(parts, k+"="+v)
		}
		label := strings.Join(parts, "/")
		s := si[label]
		if s == nil {
			s = &series{label: label}
			si[label] = s
			ss = append(ss, s)
		}
		x, _ := parseNum(xv)
		if !numeric {
			if _, ok := ci[xv]; !ok {
				ci[xv] = len(cats)
				cats = append(cats, xv)
			}
			x = float64(ci[xv])
		}
		y, lo, hi := p.Summary.Center, p.Summary.Lo, p.Summary.Hi
		e := math.NaN()
		if v, ok := extra[p.Name]; ok {
			e = v
		}
		if sp.Throughput {
			y, lo, hi = inv(y), inv(hi), inv(lo)
			e = inv(e)
		}
		s.xs = append(s.xs, x)
		s.xLabels = append(s.xLabels, xv)
		s.ys = append(s.ys, y)
		s.lo = append(s.lo, lo)
		s.hi = append(s.hi, hi)
		s.extra = append(s.extra, e)
	}
	if !plottable(ss, sp.LogX && numeric, sp.LogY) {
		return nil
	}
	for _, s := range ss {
		s.sortByX()
	}
	title := sp.Title
	if split != "" {
		title += " (" + split + ")"
	}
	var all []float64
	for _, s := range ss {
		all = append(all, s.ys...)
	}
	if ref != nil {
		all = append(all, ref.Summary.Center)
	}
	// A linear axis shows scaled numbers with the prefix in the label; a
	// log axis spans decades, so each tick carries its own prefix (1µ, 1m).
	sc := benchunit.CommonScale(all, benchunit.ClassOf(sp.Unit))
	if sp.LogY {
		sc = benchunit.Scaler{Factor: 1}
	}
	yLabel := fmt.Sprintf("%s (%s)", sp.YLabel, sc.Prefix+displayUnit(sp))
	if sp.Throughput && sc.Prefix != "" {
		yLabel = fmt.Sprintf("%s (%s %s)", sp.YLabel, sc.Prefix, displayUnit(sp))
	}
	b := better(sp.Unit)
	if sp.Throughput {
		b = 1
	}
	c := &Chart{Name: sp.Family + "-" + strings.ReplaceAll(split, " ", "-"), Title: title, width: 7 * vg.Inch, height: 4.5 * vg.Inch}
	if split == "" {
		c.Name = sp.Family
	}
	c.Sentence, c.winner = sentence(sp, ss, cats, numeric, ref, b, func(v float64) string { return fmtVal(v, sp) })
	if sp.Knee && numeric && b == -1 {
		if k := knee(sp, ss); k != "" {
			c.Sentence += " " + k
		}
	}
	c.bestWord, _ = words(sp, b)
	c.build = func() (*plot.Plot, *plot.Legend, error) {
		return linePlot(sp, title, yLabel, ss, cats, numeric, ref, extraUnit != "", sc.Factor)
	}
	return c
}

// plottable reports whether any point survives clean: a chart with no
// drawable point would be an empty frame (and a log axis with no range).
func plottable(ss []*series, logX, logY bool) bool {
	for _, s := range ss {
		if clean(s.xs, s.ys, s.lo, s.hi, logX, logY).Len() > 0 {
			return true
		}
	}
	return false
}

// displayUnit is the unit as the y axis shows it: "s/op" for "sec/op",
// YUnit for throughput.
func displayUnit(sp Spec) string {
	if sp.Throughput {
		return sp.YUnit
	}
	if strings.HasSuffix(sp.Unit, "-sec") { // stop-sec, p99-sec: a time
		return "s"
	}
	return strings.ReplaceAll(sp.Unit, "sec", "s")
}

func inv(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return math.NaN()
	}
	return 1 / v
}

func (s *series) sortByX() {
	idx := make([]int, len(s.xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.xs[idx[a]] < s.xs[idx[b]] })
	reorder := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, j := range idx {
			out[i] = v[j]
		}
		return out
	}
	labels := make([]string, len(idx))
	for i, j := range idx {
		labels[i] = s.xLabels[j]
	}
	s.xs, s.ys, s.lo, s.hi, s.extra, s.xLabels = reorder(s.xs), reorder(s.ys), reorder(s.lo), reorder(s.hi), reorder(s.extra), labels
}

// fmtVal formats a value with its unit for a sentence: "1.72µs/op",
// "4.83M tasks/s".
func fmtVal(v float64, sp Spec) string {
	if sp.Throughput {
		return benchunit.Scale(v, benchunit.Decimal) + " " + sp.YUnit
	}
	u := displayUnit(sp)
	// A prefix joins a unit of seconds or bytes (1.2µs/op, 3GiB/s); a
	// count is a number and a word (2.000 busy-cores, 54.30M iters/s).
	if num, _, _ := strings.Cut(u, "/"); num != "s" && num != "B" {
		u = " " + u
	}
	return benchunit.Scale(v, benchunit.ClassOf(sp.Unit)) + u
}

// xyErr adapts a series to gonum's XYer and YErrorer.
type xyErr struct {
	xs, ys, lo, hi []float64
}

func (e xyErr) Len() int                    { return len(e.xs) }
func (e xyErr) XY(i int) (float64, float64) { return e.xs[i], e.ys[i] }
func (e xyErr) YError(i int) (float64, float64) {
	return e.ys[i] - e.lo[i], e.hi[i] - e.ys[i]
}

// clean drops points a log axis cannot show (<= 0 or NaN).
func clean(xs, ys, lo, hi []float64, logX, logY bool) xyErr {
	var e xyErr
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) || math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) ||
			(logY && ys[i] <= 0) || (logX && xs[i] <= 0) {
			continue
		}
		// No whisker where the CI is unknown: too few runs give ±∞.
		l, h := lo[i], hi[i]
		if math.IsNaN(l) || math.IsInf(l, 0) || (logY && l <= 0) {
			l = ys[i]
		}
		if math.IsNaN(h) || math.IsInf(h, 0) {
			h = ys[i]
		}
		e.xs, e.ys, e.lo, e.hi = append(e.xs, xs[i]), append(e.ys, ys[i]), append(e.lo, l), append(e.hi, h)
	}
	return e
}

func scaled(v []float64, f float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] / f
	}
	return out
}

func linePlot(sp Spec, title, yLabel string, ss []*series, cats []string, numeric bool, ref *Point, hasExtra bool, factor float64) (*plot.Plot, *plot.Legend, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = sp.XLabel
	p.Y.Label.Text = yLabel
	style(p)
	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = vg.Points(10)
	logX := sp.LogX && numeric
	if logX {
		p.X.Scale = plot.LogScale{}
	}
	if sp.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	// Ticks at the x values that exist, labelled as in the names.
	var ticks []plot.Tick
	seen := map[float64]bool{}
	for _, s := range ss {
		for i, x := range s.xs {
			if !seen[x] && (!logX || x > 0) {
				seen[x] = true
				label := s.xLabels[i]
				ticks = append(ticks, plot.Tick{Value: x, Label: label})
			}
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if len(sp.Series) > 0 && len(ss) > 1 {
		leg.Add(strings.Join(sp.Series, "/") + ":") // says what the lines are
	}
	n := len(ss)
	for i, s := range ss {
		col := plotutil.Color(i)
		xs := s.xs
		if !numeric && n > 1 {
			// Spread the series of one category so whiskers do not overlap.
			xs = make([]float64, len(s.xs))
			for j := range s.xs {
				xs[j] = s.xs[j] + 0.5*(float64(i)/float64(n-1)-0.5)
			}
		}
		d := clean(xs, scaled(s.ys, factor), scaled(s.lo, factor), scaled(s.hi, factor), logX, sp.LogY)
		if d.Len() == 0 {
			continue
		}
		sc, err := plotter.NewScatter(d)
		if err != nil {
			return nil, nil, err
		}
		sc.GlyphStyle.Color = col
		sc.GlyphStyle.Radius = vg.Points(3)
		sc.GlyphStyle.Shape = plotutil.Shape(i)
		eb, err := plotter.NewYErrorBars(d)
		if err != nil {
			return nil, nil, err
		}
		eb.LineStyle.Color = col
		eb.LineStyle.Width = vg.Points(1)
		p.Add(eb, sc)
		label := s.label
		if label == "" {
			label = "median, 95% CI"
		}
		if numeric {
			ln, err := plotter.NewLine(d)
			if err != nil {
				return nil, nil, err
			}
			ln.LineStyle.Color = col
			ln.LineStyle.Width = vg.Points(1.5)
			p.Add(ln)
			leg.Add(label, ln, sc)
		} else {
			leg.Add(label, sc)
		}
		if hasExtra {
			nan := make([]float64, len(s.extra))
			for j := range nan {
				nan[j] = s.extra[j]
			}
			ed := clean(xs, scaled(s.extra, factor), scaled(nan, factor), scaled(nan, factor), logX, sp.LogY)
			if ed.Len() > 0 {
				el, err := plotter.NewLine(ed)
				if err != nil {
					return nil, nil, err
				}
				el.LineStyle.Color = col
				el.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				el.LineStyle.Width = vg.Points(1)
				p.Add(el)
				leg.Add(label+" "+sp.ExtraLabel, el)
			}
		}
	}
	if !numeric {
		p.NominalX(cats...)
		p.X.Min, p.X.Max = -0.6, float64(len(cats))-0.4
	}
	if ref != nil {
		y := ref.Summary.Center / factor
		if !math.IsNaN(y) && !math.IsInf(y, 0) && (!sp.LogY || y > 0) {
			ln, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}})
			if err != nil {
				return nil, nil, err
			}
			ln.LineStyle.Color = color.Gray{Y: 90}
			ln.LineStyle.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
			ln.LineStyle.Width = vg.Points(1.5)
			p.Add(ln)
			leg.Add(sp.X+"="+ref.Keys[sp.X]+" (reference)", ln)
		}
	}
	if sp.LogY {
		padLog(p)
	}
	if logX && p.X.Min > 0 && p.X.Max > 0 {
		// Room around the first and last x, and a range at all when
		// there is one x value (gonum would widen it to [x-1, x+1], and
		// a log axis cannot hold 0).
		p.X.Min, p.X.Max = p.X.Min/1.2, p.X.Max*1.2
	}
	p.Add(plotter.NewGrid())
	return p, &leg, nil
}

// padLog widens a log y axis to whole 1-2-5 steps, so the extremes are not
// glued to the frame and there are always labelled ticks.
func padLog(p *plot.Plot) {
	if !(p.Y.Min > 0 && p.Y.Max > 0) || math.IsInf(p.Y.Max, 0) {
		return
	}
	p.Y.Min = niceDown(p.Y.Min * 0.9)
	p.Y.Max = niceUp(p.Y.Max * 1.1)
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

// logTicks labels 1, 2 and 5 times each power of ten (just powers of ten
// when the range spans many decades), so every log axis has readable labels.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
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
