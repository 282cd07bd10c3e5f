package report

import (
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/concbench/concbench/report/results"
)

// The summary answers first: one row per question of the seeds (from
// FamilyTable's Questions, or a generic row for a family that has none),
// one column per execution model, each cell the median with its 95% CI
// linked to the family's section. It is computed from the same Points the
// charts use (one file per machine, never pooled), so README.md's figures
// table and the report cannot disagree.

// Question is one row of the summary table: which sub-benchmarks of a
// family answer it and how they spread over the model columns.
type Question struct {
	Text string
	// Where selects the sub-benchmarks that answer it.
	Where Where
	Unit  string // after benchunit.Tidy; default sec/op
	// By is the key whose value picks the column (default "model"):
	// goroutine, thread, process, python-* (the python column), or a
	// value Map names. Column is the column of a point whose By value is
	// none of those, or that has no By key (Counter's Go rows, all
	// goroutines, have no model key; its Python rows have one).
	By     string
	Column string
	Map    map[string]string
	// Vary shows each cell as "value at From → value at To" of this key
	// (workers 1 → ncpu); From and To are terms of Where's language.
	Vary, From, To string
	// Refs fill the reference column.
	Refs []Ref
	// RefsApart says the Refs are a run of their own (another family's
	// pass): the verdict compares them with each other, never with the
	// columns, which a run apart would make a ratio of two runs.
	RefsApart bool
	// Labels rename a By value in its cell where the name alone would
	// mislead (Coroutine's python-thread row is a generator on one thread).
	Labels map[string]string
}

// Ref is one reference figure of a question: a sub-benchmark of the same
// family or of another (the kernel's, in Reference).
type Ref struct {
	Label  string // default: the Where values
	Family string // default: the question's family
	Where  Where
	Unit   string // default: the question's
	// Fallback refs are shown only when no other ref of the question is:
	// model=exec-true stands in for the floors in older recordings.
	Fallback bool
	// Pair names the column entry (its label, or its column) this ref is
	// the baseline of: the verdict sets each such entry against its own
	// ref instead of the slowest entry against the first ref.
	Pair string
}

// summary columns, in order.
const (
	colGoroutine = "goroutine"
	colThread    = "thread"
	colProcess   = "process"
	colPython    = "python"
	colRef       = "reference"
)

var modelCols = []string{colGoroutine, colThread, colProcess, colPython}

// entry is one answer in a cell: a model's median (and CI), at To, with
// the value at From when the question varies a key.
type entry struct {
	label string // "python-thread", "floor-kernel"; what distinguishes it in its cell
	pick  string // the sub-benchmark keys that were picked as best ("transport=shm-spin")
	from  *Point
	at    Point
	noisy bool   // at's 95% CI is wider than its value, or it rests on too few ops: shown, never called a winner
	mark  string // what says so after the figure: noisyMark or fewOpsMark
	pair  string // a ref's Pair
}

// noisy reports whether p's 95% CI is wider than its value, or whether a
// run of it did too few ops (results.FewOps): a figure that cannot be
// trusted to rank.
func noisy(p Point) bool { return untrusted(p) != "" }

// untrusted says why p cannot be trusted to rank (the mark that follows
// its figure), or "".
func untrusted(p Point) string {
	if results.FewOps(p.Family, p.MinIters) && p.MinIters > 0 {
		return fewOpsMark
	}
	lo, hi := p.Summary.Lo, p.Summary.Hi
	if !math.IsInf(lo, 0) && !math.IsInf(hi, 0) && hi-lo > math.Abs(p.Summary.Center) {
		return noisyMark
	}
	return ""
}

// trusted are the points of pts a winner is picked from: those with a
// usable CI (no wider than the value), else those without a CI (too few
// runs to have one), else all of them (every one noisy).
func trusted(pts []Point) []int {
	var usable, unknown, all []int
	for i, p := range pts {
		all = append(all, i)
		switch finite := !math.IsInf(p.Summary.Lo, 0) && !math.IsInf(p.Summary.Hi, 0); {
		case finite && !noisy(p):
			usable = append(usable, i)
		case !finite && !noisy(p):
			unknown = append(unknown, i)
		}
	}
	switch {
	case len(usable) > 0:
		return usable
	case len(unknown) > 0:
		return unknown
	}
	return all
}

// row is one question answered on one machine: entries per column.
type row struct {
	fam   string
	q     Question
	cells map[string][]entry
}

func (q Question) unit() string {
	if q.Unit == "" {
		return "sec/op"
	}
	return q.Unit
}

func (q Question) by() string {
	if q.By == "" {
		return "model"
	}
	return q.By
}

// questions are a family's summary rows: its entry's Questions or one
// generic row on its first spec's unit.
func questions(fam string, pts []Point) []Question {
	f := familyInfo(fam)
	if f.Last {
		return nil
	}
	if len(f.Questions) > 0 {
		return f.Questions
	}
	q := Question{Text: fam + ": the best sub-benchmark per model"}
	if u := f.headlineUnit(); u != "" {
		q.Unit = u
		if t := f.Specs[0].Title; t != "" {
			q.Text = t + ": the best per model"
		}
	} else if !hasUnit(pts, "sec/op") && len(pts) > 0 {
		q.Unit = pts[0].Unit
	}
	return []Question{q}
}

// keyVal is p's value of k; a name without -N ran at GOMAXPROCS 1.
func keyVal(p Point, k string) (string, bool) {
	v, ok := p.Keys[k]
	if !ok && k == "gomaxprocs" {
		return "1", true
	}
	return v, ok
}

// resolve turns a special Where value into a concrete one over pts.
func resolve(k, v, ncpu string, pts []Point) (string, bool) {
	switch v {
	case "ncpu":
		for _, p := range pts {
			if x, _ := keyVal(p, k); x == ncpu {
				return ncpu, true
			}
		}
		v = "max"
	}
	if v != "max" && v != "min" {
		return v, true
	}
	best, bestX, found := "", 0.0, false
	for _, p := range pts {
		x, ok := keyVal(p, k)
		n, isNum := parseNum(x)
		if !ok || !isNum {
			continue
		}
		if !found || (v == "max" && n > bestX) || (v == "min" && n < bestX) {
			best, bestX, found = x, n, true
		}
	}
	return best, found
}

// selectPoints keeps the points of unit that match where.
func selectPoints(pts []Point, unit string, where Where, ncpu string) []Point {
	var sel []Point
	for _, p := range pts {
		if p.Unit == unit {
			sel = append(sel, p)
		}
	}
	return where.filter(sel, ncpu)
}

// column is the summary column of a point's model, "" for none.
func (q Question) column(p Point) (col, label string) {
	if v, ok := keyVal(p, q.by()); ok {
		if c, ok := q.Map[v]; ok {
			return c, v
		}
		switch {
		case v == colGoroutine || v == colThread || v == colProcess:
			return v, v
		case strings.HasPrefix(v, "python-"):
			return colPython, v
		}
	}
	return q.Column, ""
}

// answer computes a question's row over one file's points of its family
// (all holds every family's points, for Refs to other families).
func answer(fam string, q Question, byFam map[string][]Point, ncpu string, better func(string) Better) row {
	r := row{fam: fam, q: q, cells: map[string][]entry{}}
	sel := selectPoints(byFam[fam], q.unit(), q.Where, ncpu)
	groups := map[[2]string][]Point{}
	var order [][2]string
	for _, p := range sel {
		col, label := q.column(p)
		if col == "" {
			continue
		}
		k := [2]string{col, label}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], p)
	}
	for _, k := range order {
		// a By value that is not a column is what tells the
		// Column's points apart: name it
		if e, ok := q.pick(groups[k], ncpu, better(q.unit()), k[1] != ""); ok {
			e.label = k[1]
			if l, ok := q.Labels[k[1]]; ok {
				e.label = l
			}
			r.cells[k[0]] = append(r.cells[k[0]], e)
		}
	}
	r.cells[colRef] = q.refs(fam, byFam, ncpu, better)
	return r
}

// pick chooses the best point of a group (the cheapest, or the highest of
// a higher-is-better unit) at To among those whose CI can be trusted
// (trusted), paired with the same sub-benchmark at From, and names what
// was picked when there was a choice.
func (q Question) pick(g []Point, ncpu string, better Better, skipBy bool) (entry, bool) {
	at, from := g, []Point(nil)
	if q.Vary != "" {
		at = selectPoints(g, q.unit(), Where{q.Vary: q.To}, ncpu)
		from = selectPoints(g, q.unit(), Where{q.Vary: q.From}, ncpu)
	}
	if len(at) == 0 {
		return entry{}, false
	}
	cand := trusted(at)
	bi := cand[0]
	for _, i := range cand {
		c, b := at[i].Summary.Center, at[bi].Summary.Center
		if math.IsNaN(b) || better.beats(c, b) {
			bi = i
		}
	}
	e := entry{at: at[bi], noisy: noisy(at[bi]), mark: untrusted(at[bi])}
	skip := map[string]bool{q.by(): skipBy, q.Vary: true}
	if len(at) > 1 {
		e.pick = differing(at, bi, skip)
	}
	for _, p := range from {
		if sameExcept(p, at[bi], q.Vary) {
			p := p
			e.from = &p
			break
		}
	}
	return e, true
}

// differing names the keys in which point i differs from another of pts.
func differing(pts []Point, i int, skip map[string]bool) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(pts[i].Keys)) {
		if skip[k] {
			continue
		}
		for _, p := range pts {
			if v, _ := keyVal(p, k); v != pts[i].Keys[k] {
				parts = append(parts, k+"="+pts[i].Keys[k])
				break
			}
		}
	}
	return strings.Join(parts, " ")
}

func sameExcept(a, b Point, key string) bool {
	for _, k := range append(slices.Sorted(maps.Keys(a.Keys)), slices.Sorted(maps.Keys(b.Keys))...) {
		va, _ := keyVal(a, k)
		vb, _ := keyVal(b, k)
		if k != key && va != vb {
			return false
		}
	}
	return true
}

// refs are the question's reference entries present in the data.
func (q Question) refs(fam string, byFam map[string][]Point, ncpu string, better func(string) Better) []entry {
	var out []entry
	for _, fallback := range []bool{false, true} {
		if fallback && len(out) > 0 {
			break
		}
		for _, rf := range q.Refs {
			if rf.Fallback != fallback {
				continue
			}
			f, u := rf.Family, rf.Unit
			if f == "" {
				f = fam
			}
			if u == "" {
				u = q.unit()
			}
			where := rf.Where
			if f == fam { // the same family: within the question's selection
				where = Where{}
				for k, v := range q.Where {
					where[k] = v
				}
				for k, v := range rf.Where {
					where[k] = v
				}
			}
			sel := selectPoints(byFam[f], u, where, ncpu)
			sub := q
			sub.Unit, sub.Vary = u, ""
			if e, ok := sub.pick(sel, ncpu, better(u), true); ok {
				e.label, e.pair = rf.Label, rf.Pair
				if e.label == "" {
					e.label = strings.Join(whereValues(rf.Where), " ")
				}
				out = append(out, e)
			}
		}
	}
	return out
}

func whereValues(m Where) []string {
	var vs []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		vs = append(vs, m[k])
	}
	return vs
}

// ncpuOf is a file's ncpu config line, "" when absent.
func ncpuOf(f File) string { return configValue(f, "ncpu") }
