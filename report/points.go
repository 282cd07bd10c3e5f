package report

import (
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"
)

// Point is one benchmark (by full name) in one unit, summarised: what a
// chart draws and a sentence talks about.
type Point struct {
	// Name is the full name without the "Benchmark" prefix
	// ("Scale/kind=cpu/model=thread/workers=4-2").
	Name string
	// Family is the base name without "Benchmark" ("Scale").
	Family string
	// Keys holds the sub-name key=value parts ("model": "thread"), and
	// "gomaxprocs" when the name ends in -N.
	Keys map[string]string
	// Sub is the name without the family and GOMAXPROCS suffix
	// ("kind=cpu/model=thread/workers=4").
	Sub     string
	Unit    string
	Summary benchmath.Summary
	N       int
	Values  []float64 // one per run (sorted): what a bootstrap resamples
	// MinIters is the fewest ops any of its runs did (results.FewOps
	// says when that is too few to call the figure a winner).
	MinIters int
}

// Points summarises the results of one input file (by .file label; "" is
// the last file, the newest of a set) per benchmark and unit, in input order,
// with the unit's assumption and a 95% confidence interval. Charts use one
// file so that results of different runs are never pooled.
func (s *Set) Points(file string) []Point {
	if file == "" && len(s.Files) > 0 {
		file = s.Files[len(s.Files)-1].Label
	}
	type key struct{ name, unit string }
	idx := map[key]int{}
	var out []Point
	var vals [][]float64
	var iters []int
	for _, r := range s.Results {
		if r.GetConfig(".file") != file {
			continue
		}
		full := string(r.Name.Full())
		for _, v := range r.Values {
			k := key{full, v.Unit}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, newPoint(r.Name, v.Unit))
				vals = append(vals, nil)
				iters = append(iters, r.Iters)
			}
			vals[i] = append(vals[i], v.Value)
			iters[i] = min(iters[i], r.Iters)
		}
	}
	th := benchmath.DefaultThresholds
	for i := range out {
		smp := benchmath.NewSample(vals[i], &th)
		out[i].Summary = s.Units.GetAssumption(out[i].Unit).Summary(smp, 0.95)
		out[i].N = len(vals[i])
		out[i].Values = vals[i]
		out[i].MinIters = iters[i]
	}
	return out
}

func newPoint(name interface{ Parts() ([]byte, [][]byte) }, unit string) Point {
	base, parts := name.Parts()
	p := Point{Family: strings.TrimPrefix(string(base), "Benchmark"), Keys: map[string]string{}, Unit: unit}
	var sub []string
	for _, part := range parts {
		s := string(part)
		switch {
		case strings.HasPrefix(s, "-"):
			p.Keys["gomaxprocs"] = s[1:]
		default:
			s = strings.TrimPrefix(s, "/")
			if k, v, ok := strings.Cut(s, "="); ok {
				p.Keys[k] = v
			}
			sub = append(sub, s)
		}
	}
	p.Sub = strings.Join(sub, "/")
	p.Name = p.Family
	if p.Sub != "" {
		p.Name += "/" + p.Sub
	}
	if g := p.Keys["gomaxprocs"]; g != "" {
		p.Name += "-" + g
	}
	return p
}

// NCPU is the newest file's ncpu config line, 0 when it has none.
func (s *Set) NCPU() int {
	if len(s.Files) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(configValue(s.Files[len(s.Files)-1], "ncpu"))
	return n
}
