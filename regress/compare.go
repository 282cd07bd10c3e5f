package regress

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/concbench/concbench/report/results"
	"github.com/concbench/concbench/workloads"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
)

// Options are the gate's knobs; every one is a flag of concbench compare.
type Options struct {
	Alpha            float64        // family-wise error rate, Holm-corrected across the tests
	ThresholdCPU     float64        // time units of CPU-bound benchmarks (CPUBound matches the name)
	ThresholdDefault float64        // everything else that is not assume=exact
	Geomean          float64        // suite-wide gate on the time units' geomean; < 0 turns it off
	CPUBound         *regexp.Regexp // which benchmark names are CPU-bound
	Units            *regexp.Regexp // which (tidied) units are gated; nil: all
	Skip             *regexp.Regexp // units never gated (shown only); nil: none
	Force            bool           // compare results of different machines
	Confidence       float64        // of the confidence intervals shown (not of the gate)
}

// CPUBoundDefault matches the CPU-bound scaling benchmarks: kind=cpu with
// a kernel that computes, built from the kernel table of package workloads
// so that a new CPU kernel is gated at the CPU limit with no change here.
// kind=cpu/kernel=noop is left out on purpose: its time is the model's own
// hand-off overhead, scheduler-bound, and moves beyond the CPU limit
// between identical runs (docs/regression.md has the A/A figures).
var CPUBoundDefault = cpuBound(workloads.Names(workloads.CPU))

// overheadKernels are CPU kernels whose time is the model's overhead, not
// computation.
var overheadKernels = map[string]bool{"noop": true}

func cpuBound(kernels []string) string {
	var names []string
	for _, k := range kernels {
		if !overheadKernels[k] {
			names = append(names, regexp.QuoteMeta(k))
		}
	}
	return `/kind=cpu/kernel=(` + strings.Join(names, "|") + `)(/|-|$)`
}

// SkipDefault matches the units that say nothing about the code under
// test: steal-% is the neighbours' share of the machine, rt/sample (older
// results) the harness's own batch size for timing fast round trips,
// timed-rt how many round trips the harness timed (it follows b.N).
const SkipDefault = `^(steal-%|rt/sample|timed-rt)$`

// DefaultOptions returns the defaults documented in docs/regression.md.
func DefaultOptions() Options {
	return Options{
		Alpha:            0.05,
		ThresholdCPU:     0.10,
		ThresholdDefault: 0.25,
		Geomean:          0.05,
		CPUBound:         regexp.MustCompile(CPUBoundDefault),
		Skip:             regexp.MustCompile(SkipDefault),
		Confidence:       0.95,
	}
}

// Verdict says what became of one benchmark×unit.
type Verdict string

const (
	Regression  Verdict = "REGRESSION"
	Improvement Verdict = "improvement"
	NoChange    Verdict = "~"           // not significant after Holm
	Small       Verdict = "<threshold"  // significant, but within the threshold
	Unknown     Verdict = "changed?"    // significant and large, but the unit has no known better direction
	Missing     Verdict = "only-in-one" // in one side only: nothing to compare
	NotGated    Verdict = "not-gated"   // unit left out by Options.Units or Options.Skip: shown, not judged
	Same        Verdict = "same"        // assume=exact and equal
)

// A Row is the comparison of one benchmark and unit.
type Row struct {
	Name, Unit string
	Base, Head benchmath.Summary
	NBase      int
	NHead      int
	Exact      bool    // assume=exact: compared by value, not by test
	Better     int     // +1 higher is better, -1 lower is better, 0 unknown
	Delta      float64 // head/base - 1 of the centers (NaN when not defined)
	Worse      float64 // how much worse, as a fraction (negative: better)
	P          float64 // Mann-Whitney p (1 for exact rows)
	PAdj       float64 // Holm-adjusted p
	Threshold  float64
	Verdict    Verdict
	Notes      []string // benchmath warnings, one line each

	baseVals, headVals []float64 // in file order: sample i is run i
}

// judged says whether the gate judges the row: it is on both sides and its
// unit is gated.
func (r *Row) judged() bool { return r.Verdict != Missing && r.Verdict != NotGated }

// NoiseFloor is |delta| of the medians: in an A/A run, the change the
// gate sees for nothing. A limit below it relies on significance alone.
func (r *Row) NoiseFloor() float64 {
	if math.IsNaN(r.Delta) {
		return 0
	}
	return math.Abs(r.Delta)
}

// CIWidth is the wider of the two sides' confidence-interval half-widths,
// as a fraction of the median: how far one side's median can move.
func (r *Row) CIWidth() float64 {
	w := 0.0
	for _, s := range []benchmath.Summary{r.Base, r.Head} {
		if s.Center != 0 && !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
			w = math.Max(w, math.Max(s.Hi/s.Center-1, 1-s.Lo/s.Center))
		}
	}
	return w
}

// Geo is the suite-wide gate. Its size is the geometric mean over
// benchmarks of the worse-oriented head/base ratios of their time units'
// medians (a benchmark's time rows move together, so they count once).
// Its significance comes from the runs, not the benchmarks: all benchmarks
// of one run share that run's machine state, so a busy moment shifts them
// together and benchmarks are not independent votes. Each run gets a score,
// the geomean over benchmarks of its sample against the base median, and a
// Mann-Whitney test compares the base runs' scores with the head runs'.
type Geo struct {
	N            int     // benchmarks in the geomean
	Ratio        float64 // geomean of head/base medians, > 1 is worse
	NBase, NHead int     // runs scored per side (the i-th sample of each benchmark is run i)
	P            float64 // Mann-Whitney p of the run scores
	PAdj         float64 // P, Holm-adjusted with the rows
	Limit        float64 // Options.Geomean
	Regressed    bool
}

// A Report is the outcome of a comparison.
type Report struct {
	Rows      []Row
	Tests     int // m of the Holm correction: tested rows, plus the suite gate
	Geo       Geo
	Warnings  []string
	Regressed bool
	// Blind: no row could be significant with these sample counts after
	// Holm, so the per-row gate cannot fail; compare treats it as bad input.
	Blind bool
	Opt   Options
}

// Regressions are the rows that failed the gate.
func (r *Report) Regressions() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Verdict == Regression {
			out = append(out, row)
		}
	}
	return out
}

// MachineError is Compare's refusal of results from two machines.
type MachineError struct{ Msg string }

func (e *MachineError) Error() string { return e.Msg }

// checkMachine refuses sets whose identity lines differ, within a set or
// between the two, and names both values and where they were read.
func (p *Pair) checkMachine() error {
	for _, k := range identityKeys {
		b, h := p.Base.Identity[k], p.Head.Identity[k]
		all := append(append([]Origin(nil), b...), h...)
		switch {
		case len(b) == 0 && len(h) == 0:
			continue
		case len(b) == 0:
			return &MachineError{fmt.Sprintf("machine differs: %s is %q at %s but missing in %s (use -force to compare anyway)", k, h[0].Value, h[0].Pos, strings.Join(p.Base.Files, ","))}
		case len(h) == 0:
			return &MachineError{fmt.Sprintf("machine differs: %s is %q at %s but missing in %s (use -force to compare anyway)", k, b[0].Value, b[0].Pos, strings.Join(p.Head.Files, ","))}
		}
		for _, o := range all[1:] {
			if o.Value != all[0].Value {
				return &MachineError{fmt.Sprintf("machine differs: %s is %q at %s but %q at %s (use -force to compare anyway)", k, all[0].Value, all[0].Pos, o.Value, o.Pos)}
			}
		}
	}
	return nil
}

// Compare compares head with base. It fails only on input it cannot
// judge: two machines (a *MachineError, unless opt.Force) or no benchmark
// in common; everything else is in the Report.
func (p *Pair) Compare(opt Options) (*Report, error) {
	if err := p.checkMachine(); err != nil && !opt.Force {
		return nil, err
	}
	rep := &Report{Opt: opt}
	common := 0
	for _, k := range p.keys() {
		row := p.row(k, opt)
		if row.Verdict != Missing {
			common++
			if row.Verdict != NotGated && !row.Exact {
				rep.Tests++
			}
		}
		rep.Rows = append(rep.Rows, row)
	}
	if common == 0 {
		return nil, fmt.Errorf("%s and %s: no benchmark and unit in common", strings.Join(p.Base.Files, ","), strings.Join(p.Head.Files, ","))
	}
	rep.judge()
	return rep, nil
}

// keys are every benchmark×unit of either side, sorted.
func (p *Pair) keys() []benchproc.Key {
	keys := append([]benchproc.Key(nil), p.Base.keys...)
	for _, k := range p.Head.keys {
		if _, ok := p.Base.cells[k]; !ok {
			keys = append(keys, k)
		}
	}
	benchproc.SortKeys(keys)
	return keys
}

// row summarises and tests one benchmark×unit; its verdict is Missing,
// NotGated or left for judge.
func (p *Pair) row(k benchproc.Key, opt Options) Row {
	row := Row{Name: k.Get(p.name), Unit: k.Get(p.unit), Delta: math.NaN(), Worse: math.NaN(), P: 1, PAdj: 1}
	bv, hv := p.Base.cells[k], p.Head.cells[k]
	row.NBase, row.NHead = len(bv), len(hv)
	row.baseVals, row.headVals = bv, hv
	assume := p.units.GetAssumption(row.Unit)
	row.Better = results.Better(p.units, row.Unit)
	// assume=exact claims a deterministic count. Where both sides'
	// samples vary (the lost updates of a racy counter) the claim is
	// false for this benchmark, which is then tested as a measurement
	// like any other. A count that is constant on one side and not on
	// the other (0 lost updates, then some) stays exact: a change.
	skipped := opt.Skip != nil && opt.Skip.MatchString(row.Unit)
	if assume == benchmath.AssumeExact && !skipped && !constant(bv) && !constant(hv) {
		assume = benchmath.AssumeNothing
		row.Notes = append(row.Notes, "assume=exact but the samples vary: tested as a measurement")
	}
	row.Exact = assume == benchmath.AssumeExact
	row.Threshold = threshold(opt, row)
	if len(bv) == 0 || len(hv) == 0 {
		row.Verdict = Missing
		return row
	}
	row.measure(assume, opt)
	if opt.Units != nil && !opt.Units.MatchString(row.Unit) || skipped {
		row.Verdict = NotGated
	}
	return row
}

// measure fills in the summaries, the change and the p-value.
func (row *Row) measure(assume benchmath.Assumption, opt Options) {
	th := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	bv, hv := row.baseVals, row.headVals
	bs := benchmath.NewSample(append([]float64(nil), bv...), th)
	hs := benchmath.NewSample(append([]float64(nil), hv...), th)
	row.Base = assume.Summary(bs, opt.Confidence)
	row.Head = assume.Summary(hs, opt.Confidence)
	for _, w := range append(row.Base.Warnings, row.Head.Warnings...) {
		row.Notes = append(row.Notes, w.Error())
	}
	bc, hc := row.Base.Center, row.Head.Center
	if row.Exact && !(constant(bv) && constant(hv)) {
		// benchmath's exact summary stands for a side by one value;
		// a side that varies must still show as a change, so exact
		// rows compare the means of every sample.
		bc, hc = mean(bv), mean(hv)
	}
	row.Delta = change(bc, hc)
	switch row.Better {
	case -1:
		row.Worse = row.Delta
	case 1:
		row.Worse = change(hc, bc)
	}
	if !row.Exact {
		row.P = assume.Compare(bs, hs).P
	}
}

// judge adds the suite gate, Holm-corrects every test and gives each
// judged row its verdict.
func (rep *Report) judge() {
	opt := rep.Opt
	// The suite gate is one more test of the family: Holm corrects it
	// together with the rows, so the run's false-alarm rate stays alpha.
	rep.Geo = geomean(rep.Rows, opt)
	ps := []*pvalue{}
	for i := range rep.Rows {
		if r := &rep.Rows[i]; r.judged() && !r.Exact {
			ps = append(ps, &pvalue{r.P, &r.PAdj})
		}
	}
	if opt.Geomean >= 0 && rep.Geo.N > 0 {
		ps = append(ps, &pvalue{rep.Geo.P, &rep.Geo.PAdj})
		rep.Tests++
	}
	holm(ps)
	rep.powerWarning()
	for i := range rep.Rows {
		row := &rep.Rows[i]
		if !row.judged() {
			continue
		}
		row.Verdict = verdict(row, opt.Alpha)
		if row.Verdict == Regression {
			rep.Regressed = true
		}
		if row.Verdict == Unknown {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s %s changed %+.1f%% but the unit has no better= direction: declare it with a Unit line", row.Name, row.Unit, 100*row.Delta))
		}
	}
	g := &rep.Geo
	g.Regressed = opt.Geomean >= 0 && g.N > 0 && g.Ratio-1 > opt.Geomean && g.PAdj <= opt.Alpha
	if g.Regressed {
		rep.Regressed = true
	}
	if opt.Geomean >= 0 && g.N > 0 && MinP(g.NBase, g.NHead) > opt.Alpha/float64(rep.Tests) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("geomean gate cannot trip: %d+%d runs cannot reach p <= %.2g (Holm over %d tests)", g.NBase, g.NHead, opt.Alpha/float64(rep.Tests), rep.Tests))
	}
}

func mean(vs []float64) float64 {
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	return sum / float64(len(vs))
}

// constant says whether every value is the same.
func constant(vs []float64) bool {
	for _, v := range vs {
		if v != vs[0] {
			return false
		}
	}
	return true
}

// change is to/from - 1, with a change from 0 infinite (as a count that
// should be 0 going to 3 is) and none from 0 to 0.
func change(from, to float64) float64 {
	switch {
	case from != 0:
		return to/from - 1
	case to == 0:
		return 0
	}
	return math.Copysign(math.Inf(1), to)
}

func threshold(opt Options, r Row) float64 {
	switch {
	case r.Exact:
		return 0
	case results.IsTime(r.Unit) && opt.CPUBound != nil && opt.CPUBound.MatchString(r.Name):
		return opt.ThresholdCPU
	}
	return opt.ThresholdDefault
}

func verdict(r *Row, alpha float64) Verdict {
	if r.Exact {
		if r.Delta == 0 {
			return Same
		}
	} else if r.PAdj > alpha {
		return NoChange
	}
	switch {
	case r.Better == 0:
		if math.IsNaN(r.Delta) || math.Abs(r.Delta) > r.Threshold {
			return Unknown
		}
		return Small
	case r.Worse > r.Threshold:
		return Regression
	case -r.Worse > r.Threshold:
		return Improvement
	}
	return Small
}

// pvalue is one test of the Holm family: its p and where its adjusted p goes.
type pvalue struct {
	p   float64
	adj *float64
}

// holm sets each adjusted p: Holm's step-down adjustment, p(i) * (m-i+1)
// made monotone. Holm keeps the family-wise error rate at alpha for any
// dependence between the tests and rejects at least what Bonferroni rejects.
func holm(ps []*pvalue) {
	sort.SliceStable(ps, func(a, b int) bool { return ps[a].p < ps[b].p })
	m, run := len(ps), 0.0
	for j, t := range ps {
		run = math.Max(run, math.Min(1, float64(m-j)*t.p))
		*t.adj = run
	}
}

var minPCache sync.Map // [2]int -> float64

// MinP is the smallest p-value benchmath's Mann-Whitney test can give for
// samples of n1 and n2 values: that of two fully separated samples. With
// n=10 per side it is about 1.1e-5, with 5 per side 0.0079.
func MinP(n1, n2 int) float64 {
	if p, ok := minPCache.Load([2]int{n1, n2}); ok {
		return p.(float64)
	}
	if n1 == 0 || n2 == 0 {
		return 1
	}
	a, b := make([]float64, n1), make([]float64, n2)
	for i := range a {
		a[i] = float64(i)
	}
	for i := range b {
		b[i] = float64(n1 + i)
	}
	th := &benchmath.DefaultThresholds
	p := benchmath.AssumeNothing.Compare(benchmath.NewSample(a, th), benchmath.NewSample(b, th)).P
	minPCache.Store([2]int{n1, n2}, p)
	return p
}

// powerWarning says when Holm makes significance impossible: the first
// step needs p <= alpha/m, and a Mann-Whitney test with few samples cannot
// get below MinP(n1, n2) however far apart the samples are.
func (rep *Report) powerWarning() {
	m := rep.Tests
	if m == 0 {
		return
	}
	need := rep.Opt.Alpha / float64(m)
	best, n1, n2 := 1.0, 0, 0
	blind := 0
	for _, r := range rep.Rows {
		if r.Exact || !r.judged() {
			continue
		}
		p := MinP(r.NBase, r.NHead)
		if p > need {
			blind++
		}
		if p < best {
			best, n1, n2 = p, r.NBase, r.NHead
		}
	}
	if blind == 0 {
		return
	}
	n := 2
	for MinP(n, n) > need && n < 100 {
		n++
	}
	if best > need {
		rep.Blind = true
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("gate is blind: Holm over %d tests needs p <= %.2g, but %d+%d samples give at best p = %.2g; run >= %d rounds per side, or compare fewer benchmarks (-bench)", m, need, n1, n2, best, n))
		return
	}
	rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d of %d tests have too few samples to ever reach p <= %.2g (Holm over %d tests); run >= %d rounds per side", blind, m, need, m, n))
}

// geomean computes the suite-wide gate over the benchmarks' time rows.
func geomean(rows []Row, opt Options) Geo {
	g := Geo{Limit: opt.Geomean, Ratio: 1, P: 1, PAdj: 1}
	// per benchmark: its time rows' log ratios, and per side and run the
	// mean log of sample/base median over those rows
	type bench struct {
		logRatio   float64
		n          int
		base, head []acc
	}
	per := map[string]*bench{}
	var names []string
	for _, r := range rows {
		if !r.judged() || r.Exact || !results.IsTime(r.Unit) || r.Better == 0 || r.Base.Center <= 0 || r.Head.Center <= 0 {
			continue
		}
		b := per[r.Name]
		if b == nil {
			b = &bench{}
			per[r.Name] = b
			names = append(names, r.Name)
		}
		b.logRatio += math.Log(1 + r.Worse)
		b.n++
		b.base = addRuns(b.base, r.baseVals, r.Base.Center, r.Better)
		b.head = addRuns(b.head, r.headVals, r.Base.Center, r.Better)
	}
	if len(names) == 0 {
		return g
	}
	var sum float64
	var base, head []acc
	for _, name := range names {
		b := per[name]
		sum += b.logRatio / float64(b.n)
		base = addMeans(base, b.base)
		head = addMeans(head, b.head)
	}
	g.N = len(names)
	g.Ratio = math.Exp(sum / float64(g.N))
	bs, hs := scores(base), scores(head)
	g.NBase, g.NHead = len(bs), len(hs)
	if len(bs) > 0 && len(hs) > 0 {
		th := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
		g.P = benchmath.AssumeNothing.Compare(benchmath.NewSample(bs, th), benchmath.NewSample(hs, th)).P
	}
	return g
}

// acc accumulates a mean.
type acc struct {
	sum float64
	n   int
}

// addRuns adds, for each run i, the worse-oriented log of vals[i]/center.
func addRuns(runs []acc, vals []float64, center float64, better int) []acc {
	for i, v := range vals {
		if v <= 0 {
			continue
		}
		for len(runs) <= i {
			runs = append(runs, acc{})
		}
		l := math.Log(v / center)
		if better > 0 {
			l = -l
		}
		runs[i].sum += l
		runs[i].n++
	}
	return runs
}

// addMeans adds each run's mean of one benchmark to the suite's runs.
func addMeans(runs, bench []acc) []acc {
	for i, a := range bench {
		if a.n == 0 {
			continue
		}
		for len(runs) <= i {
			runs = append(runs, acc{})
		}
		runs[i].sum += a.sum / float64(a.n)
		runs[i].n++
	}
	return runs
}

// scores are the runs' geomean scores (as logs; the test is on ranks).
func scores(runs []acc) []float64 {
	var out []float64
	for _, a := range runs {
		if a.n > 0 {
			out = append(out, a.sum/float64(a.n))
		}
	}
	return out
}
