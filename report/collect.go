package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/concbench/concbench/report/chart"
)

// A chart is made in three steps: collect gathers, for one Spec, the series
// of one chart (one per Split value); chooseAxes decides scales, units and
// labels from the values; chartFor (render.go) turns them into
// report/chart's data (chart.Lines or chart.Bars), which draws them. The
// generic chart (a Spec without X) goes the same way: its one series has a
// category per sub-benchmark, drawn as horizontal bars.

// series is one line of a chart: y (with its CI) for each x.
type series struct {
	label      string
	xs         []float64 // numeric x, or the category index
	xLabels    []string
	ys, lo, hi []float64
	extra      []float64 // NaN where absent
}

// chartData is what collect gathers for one chart.
type chartData struct {
	fam   string
	sp    Spec   // Unit resolved: the generic chart picks one
	split string // "kind=cpu kernel=sha256"; "" for a family's one chart
	ss    []*series
	// cats are the x categories in first-seen order when x is not numeric
	// (the generic chart's sub-benchmarks).
	cats    []string
	numeric bool
	ref     *Point // the Reference point, drawn as a line
	extra   bool   // the series carry an Extra unit
	note    string // said after the sentence: "The chart shows the first 40 of 57."
	ncpu    int    // the machine's cores, for a Cores spec; 0: unknown
}

// collect gathers the charts of one spec from a family's points.
func collect(fam string, sp Spec, pts []Point, ncpu string) []*chartData {
	pts = sp.Where.filter(pts, ncpu)
	if sp.X == "" {
		if d := collectGeneric(fam, sp, pts); d != nil {
			return []*chartData{d}
		}
		return nil
	}
	var out []*chartData
	for _, g := range splitGroups(sp, pts) {
		if d := collectLines(fam, sp, g.split, g.points); d != nil {
			out = append(out, d)
		}
	}
	return out
}

type group struct {
	split  string
	points []Point
}

// splitGroups selects the spec's points and groups them by Split values.
func splitGroups(sp Spec, pts []Point) []*group {
	var groups []*group
	gi := map[string]*group{}
	for _, p := range pts {
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
	return groups
}

// collectLines makes one line per series key value, over X; nil when
// nothing would be drawn.
func collectLines(fam string, sp Spec, split string, pts []Point) *chartData {
	if !hasUnit(pts, sp.Unit) {
		return nil
	}
	d := &chartData{fam: fam, sp: sp, split: split, numeric: true}
	for _, p := range pts {
		if _, ok := parseNum(p.Keys[sp.X]); !ok {
			d.numeric = false
		}
	}
	extraUnit := ""
	for _, u := range sp.Extra {
		if hasUnit(pts, u) {
			extraUnit = u
			break
		}
	}
	d.extra = extraUnit != ""
	extra := map[string]float64{}
	for _, p := range pts {
		if d.extra && p.Unit == extraUnit {
			extra[p.Name] = p.Summary.Center
		}
	}
	keys := seriesKeys(sp, pts)
	si := map[string]*series{}
	ci := map[string]int{}
	for _, p := range pts {
		xv := p.Keys[sp.X]
		switch {
		case p.Unit != sp.Unit:
			continue
		case sp.Reference != "" && xv == sp.Reference:
			p := p
			d.ref = &p
			continue
		}
		label := seriesLabel(p, sp.Series, keys)
		for _, k := range sp.Series {
			if why, ok := sp.Wrong[p.Keys[k]]; ok {
				label += " (" + why + ")"
			}
		}
		s := si[label]
		if s == nil {
			s = &series{label: label}
			si[label] = s
			d.ss = append(d.ss, s)
		}
		x, _ := parseNum(xv)
		if !d.numeric {
			if _, ok := ci[xv]; !ok {
				ci[xv] = len(d.cats)
				d.cats = append(d.cats, xv)
			}
			x = float64(ci[xv])
		}
		e, ok := extra[p.Name]
		if !ok {
			e = math.NaN()
		}
		s.add(x, xv, p.Summary, e, sp.Throughput)
	}
	if !plottable(d.ss, sp.LogX && d.numeric, sp.LogY) {
		return nil
	}
	for _, s := range d.ss {
		s.sortByX()
	}
	return d
}

// add appends one point; a throughput chart plots 1/value.
func (s *series) add(x float64, xLabel string, sum benchmath.Summary, extra float64, throughput bool) {
	y, lo, hi := sum.Center, sum.Lo, sum.Hi
	if throughput {
		y, lo, hi, extra = inv(y), inv(hi), inv(lo), inv(extra)
	}
	s.xs = append(s.xs, x)
	s.xLabels = append(s.xLabels, xLabel)
	s.ys = append(s.ys, y)
	s.lo = append(s.lo, lo)
	s.hi = append(s.hi, hi)
	s.extra = append(s.extra, extra)
}

// seriesKeys are the keys that make one line each: the spec's Series, then
// the keys the spec does not place (gomaxprocs from -cpu 1,2, a key a
// family grew later) that vary, which would otherwise put two points at one
// x of one line.
func seriesKeys(sp Spec, pts []Point) []string {
	keys := append([]string{}, sp.Series...)
	placed := map[string]bool{sp.X: true}
	for _, k := range append(append(append([]string{}, sp.Series...), sp.Split...), sp.Where.fixed()...) {
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
			keys = append(keys, k)
		}
	}
	return keys
}

// seriesLabel names p's line: the spec's keys by value ("thread"), the
// added ones as key=value.
func seriesLabel(p Point, specKeys, keys []string) string {
	var parts []string
	if l := keyValues(p, specKeys, "/"); l != "" {
		parts = append(parts, l)
	}
	for _, k := range keys[len(specKeys):] {
		v, ok := p.Keys[k]
		switch {
		case !ok && k == "gomaxprocs":
			v = "1" // a name without -N ran at GOMAXPROCS=1
		case !ok:
			v = "none"
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "/")
}

// maxRows bounds the generic chart: a chart of hundreds of rows helps
// nobody; the tables have them all.
const maxRows = 40

// collectGeneric is the median of one unit (the spec's, else sec/op when
// present, else the first) per sub-benchmark, one category each, in input
// order.
func collectGeneric(fam string, sp Spec, pts []Point) *chartData {
	if sp.Unit == "" {
		for _, p := range pts {
			if p.Unit == "sec/op" || sp.Unit == "" {
				sp.Unit = p.Unit
			}
			if sp.Unit == "sec/op" {
				break
			}
		}
	}
	var sel []Point
	seen := map[string]bool{}
	dup := false
	for _, p := range pts {
		if p.Unit != sp.Unit {
			continue
		}
		dup = dup || seen[p.Sub]
		seen[p.Sub] = true
		sel = append(sel, p)
	}
	if len(sel) == 0 {
		return nil
	}
	d := &chartData{fam: fam, sp: sp, ss: []*series{{}}}
	if len(sel) > maxRows {
		d.note = fmt.Sprintf(" The chart shows the first %d of %d.", maxRows, len(sel))
		sel = sel[:maxRows]
	}
	for i, p := range sel {
		label := p.Sub
		if p.Sub == "" || dup {
			label = p.Name
		}
		d.cats = append(d.cats, label)
		d.ss[0].add(float64(i), label, p.Summary, math.NaN(), false)
	}
	return d
}

func hasUnit(pts []Point, unit string) bool {
	for _, p := range pts {
		if p.Unit == unit {
			return true
		}
	}
	return false
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

// plottable reports whether any point survives clean: a chart with no
// drawable point would be an empty frame (and a log axis with no range).
func plottable(ss []*series, logX, logY bool) bool {
	for _, s := range ss {
		if chart.Clean(s.xs, s.ys, s.lo, s.hi, logX, logY).Len() > 0 {
			return true
		}
	}
	return false
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
