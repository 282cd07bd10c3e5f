package report

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/concbench/concbench/report/results"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchseries"
	"golang.org/x/perf/benchunit"
)

// A trend follows every benchmark over commits: one recording per commit
// (results/<host>/<stamp>.txt, or what a perfdata query returns), each
// compared with the first by x/perf's benchseries (the Go project's own
// tracking: a bootstrap 95% CI of the ratio of the medians), and a change
// point wherever two neighbouring commits' intervals do not overlap
// (benchseries.ChangeScore ≥ 1). benchseries' API is marked experimental,
// so compareSeries is the only function that touches it.

// TrendPoint is one benchmark at one commit: its median as a ratio to the
// first commit's, with the CI of that ratio.
type TrendPoint struct {
	Center, Lo, Hi float64
	Present        bool
	// Change marks a change point: this point's CI and the previous
	// present point's do not overlap.
	Change bool
	// Runs is how many samples the recording has; a point whose Runs
	// differ from the previous point's was recorded with other settings
	// (-count, the profile's environment), so it is never a change point.
	Runs int
}

// TrendLine is one benchmark and unit over every commit.
type TrendLine struct {
	Family, Name, Unit string // Name without "Benchmark"
	Points             []TrendPoint
}

// Trend is every line over Commits (oldest first).
type Trend struct {
	Commits []string
	Lines   []*TrendLine
	// Warnings are one line each: what the trend leaves out and why
	// (a unit the gate does not judge, a benchmark the first recording
	// lacks, a point recorded with other settings).
	Warnings []string
}

// TrendOptions say which units a trend follows.
type TrendOptions struct {
	// Gated says whether the regression gate judges a (tidied) unit;
	// nil: every unit. cmd/concbench passes package regress's rule, so
	// the trend ranks what the gate would.
	Gated func(unit string) bool
}

// recording is one trend input: its results, commit and time, and how
// many samples it has of each benchmark name.
type recording struct {
	path, commit, stamp string
	machine             string // machine-class, else host-id
	results             []*benchfmt.Result
	runs                map[string]int
}

// stampRE is the UTC stamp of results/<host>/<stamp>.txt.
var stampRE = regexp.MustCompile(`^(\d{8}T\d{6})Z?$`)

// LoadTrend reads the recordings (at least two, each through the strict
// loader), orders them by the stamp in their file names (files without
// one keep their order, after those with one) and compares every
// benchmark with the first recording.
func LoadTrend(paths []string, o TrendOptions) (*Trend, error) {
	if len(paths) < 2 {
		return nil, fmt.Errorf("trend: %d recordings; want two or more (one per commit)", len(paths))
	}
	var recs []*recording
	for i, p := range paths {
		rec, err := readRecording(p, i)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].stamp < recs[j].stamp })
	t := &Trend{}
	t.machinesWarning(recs)
	recs[0].results = t.gatedOnly(recs[0].results, o.Gated)
	for _, rec := range recs[1:] {
		t.comparable(rec, recs[0], o.Gated)
	}
	lines, err := compareSeries(recs)
	if err != nil {
		return nil, err
	}
	t.Lines = lines
	t.settingsWarning()
	for _, r := range recs {
		t.Commits = append(t.Commits, r.commit)
	}
	return t, nil
}

// readRecording loads one file; its stamp is the one in its name, else a
// stamp after every real one, in input order.
func readRecording(path string, i int) (*recording, error) {
	r, err := results.Open(results.ParseArgs([]string{path}))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rec := &recording{path: path, stamp: fmt.Sprintf("99991231T%06d", i), runs: map[string]int{}}
	if m := stampRE.FindStringSubmatch(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))); m != nil {
		rec.stamp = m[1]
	}
	for r.Scan() {
		res := r.Result().Clone()
		if rec.commit == "" {
			rec.commit = string(res.GetConfig("commit"))
		}
		if rec.machine == "" {
			rec.machine = res.GetConfig("machine-class")
		}
		if rec.machine == "" {
			rec.machine = res.GetConfig("host-id")
		}
		rec.results = append(rec.results, res)
		rec.runs[string(res.Name)]++
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if rec.commit == "" {
		rec.commit = filepath.Base(path)
	}
	return rec, nil
}

// compareSeries is the one use of benchseries: recording i is the
// numerator ("experiment", series point i) against recording 0 (the
// "baseline") in an experiment dated at i; AddSummaries bootstraps each
// ratio's CI.
func compareSeries(recs []*recording) ([]*TrendLine, error) {
	opts := benchseries.DefaultBuilderOptions()
	opts.Ignore += ",commit,host-id,kernel,ncpu,gomaxprocs,cpu,goos,goarch,pkg,.file"
	opts.Warn = func(string, ...interface{}) {}
	b, err := benchseries.NewBuilder(opts)
	if err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	add := func(res *benchfmt.Result, role, stamp, hash string) {
		r := res.Clone()
		r.SetConfig("toolchain", role)
		r.SetConfig("runstamp", stamp)
		r.SetConfig("experiment-commit-time", stamp)
		r.SetConfig(map[string]string{"experiment": "experiment-commit", "baseline": "baseline-commit"}[role], hash)
		b.Add(r)
	}
	for i, rec := range recs {
		for _, res := range rec.results {
			add(res, "experiment", rec.stamp, fmt.Sprintf("%d-%s", i, rec.commit))
		}
		for _, res := range recs[0].results {
			add(res, "baseline", rec.stamp, recs[0].commit)
		}
	}
	css, err := b.AllComparisonSeries(nil, benchseries.DUPE_REPLACE)
	if err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	at := map[string]int{} // series (normalized stamp) to recording index
	for i, rec := range recs {
		n, err := benchseries.NormalizeDateString(rec.stamp)
		if err != nil {
			return nil, fmt.Errorf("trend: %s: stamp %q: %w", rec.path, rec.stamp, err)
		}
		at[n] = i
	}
	var out []*TrendLine
	for _, cs := range css {
		cs.AddSummaries(0.95, 500)
		for j, name := range cs.Benchmarks {
			l := &TrendLine{Name: strings.TrimPrefix(name, "Benchmark"), Unit: cs.Unit, Points: make([]TrendPoint, len(recs))}
			l.Family, _, _ = strings.Cut(l.Name, "/")
			l.Family = trimProcs(l.Family)
			for i, s := range cs.Series {
				if sum := cs.Summaries[i][j]; sum.Present {
					l.Points[at[s]] = TrendPoint{Center: sum.Center, Lo: sum.Low, Hi: sum.High, Present: true,
						Runs: recs[at[s]].runs[name]}
				}
			}
			markChanges(l.Points)
			out = append(out, l)
		}
	}
	return out, nil
}

// trimProcs drops a -N GOMAXPROCS suffix from a family without sub-names.
func trimProcs(s string) string {
	if i := strings.LastIndex(s, "-"); i > 0 && strings.Trim(s[i+1:], "0123456789") == "" {
		return s[:i]
	}
	return s
}

// markChanges marks the points whose CI does not overlap the previous
// present point's.
func markChanges(ps []TrendPoint) {
	prev := -1
	for i, p := range ps {
		if !p.Present {
			continue
		}
		if prev >= 0 && ps[prev].Runs == p.Runs {
			q := ps[prev]
			// The score is signed by direction; ±1 is touching intervals.
			ps[i].Change = math.Abs(benchseries.ChangeScore(q.Lo, q.Center, q.Hi, p.Lo, p.Center, p.Hi)) >= 1
		}
		prev = i
	}
}

// Move is one change point: a benchmark's ratio from one commit to the next.
type Move struct {
	Line     *TrendLine
	From, To int     // commit indexes
	Factor   float64 // the To median over the From median
}

// Moves are the change points, the largest first (by |log factor|).
func (t *Trend) Moves() []Move {
	var ms []Move
	for _, l := range t.Lines {
		prev := -1
		for i, p := range l.Points {
			if !p.Present {
				continue
			}
			if p.Change && prev >= 0 && l.Points[prev].Center > 0 {
				ms = append(ms, Move{l, prev, i, p.Center / l.Points[prev].Center})
			}
			prev = i
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return math.Abs(math.Log(ms[i].Factor)) > math.Abs(math.Log(ms[j].Factor)) })
	return ms
}

// gatedOnly drops the values of units the gate does not judge.
func (t *Trend) gatedOnly(rs []*benchfmt.Result, gated func(string) bool) []*benchfmt.Result {
	if gated == nil {
		return rs
	}
	skipped := map[string]bool{}
	out := rs[:0]
	for _, r := range rs {
		vs := r.Values[:0]
		for _, v := range r.Values {
			if u := tidyUnit(v.Unit); gated(u) {
				vs = append(vs, v)
			} else {
				skipped[u] = true
			}
		}
		if r.Values = vs; len(vs) > 0 {
			out = append(out, r)
		}
	}
	if len(skipped) > 0 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("units the regression gate does not judge are not followed: %s",
			strings.Join(slices.Sorted(maps.Keys(skipped)), ", ")))
	}
	return out
}

// comparable keeps the gated values of rs whose benchmark and unit the
// first recording has: a trend is a ratio to the first recording, and
// benchseries says "numerator/denominator mismatch" on stderr for every
// benchmark without one.
func (t *Trend) comparable(rec, first *recording, gated func(string) bool) {
	base := map[string]bool{}
	for _, r := range first.results {
		for _, v := range r.Values {
			base[string(r.Name)+" "+v.Unit] = true
		}
	}
	var out []*benchfmt.Result
	absent := map[string]bool{}
	for _, r := range rec.results {
		var vs []benchfmt.Value
		for _, v := range r.Values {
			if gated != nil && !gated(tidyUnit(v.Unit)) {
				continue
			}
			if base[string(r.Name)+" "+v.Unit] {
				vs = append(vs, v)
			} else {
				absent[string(r.Name)] = true
			}
		}
		if len(vs) > 0 {
			r.Values = vs
			out = append(out, r)
		}
	}
	rec.results = out
	if len(absent) > 0 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("%s: %d benchmarks that the first recording (%s) lacks are not followed",
			rec.commit, len(absent), first.commit))
	}
}

// tidyUnit is the unit as benchstat and the gate name it (ns/op: sec/op).
func tidyUnit(u string) string {
	_, t := benchunit.Tidy(1, u)
	return t
}

// settingsWarning says which families have points recorded with other
// settings than the commit before (see TrendPoint.Runs).
func (t *Trend) settingsWarning() {
	fams := map[string]int{}
	for _, l := range t.Lines {
		prev := -1
		for i, p := range l.Points {
			if !p.Present {
				continue
			}
			if prev >= 0 && l.Points[prev].Runs != p.Runs {
				fams[l.Family]++
				break
			}
			prev = i
		}
	}
	if len(fams) == 0 {
		return
	}
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(fams)) {
		parts = append(parts, fmt.Sprintf("%s (%d)", f, fams[f]))
	}
	t.Warnings = append(t.Warnings, "recorded with other settings than the commit before (another -count or profile), so never a change point: "+
		strings.Join(parts, ", "))
}

// machinesWarning says when the recordings come from more than one
// machine (by machine-class, else host-id): a trend follows one machine.
func (t *Trend) machinesWarning(recs []*recording) {
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.machine] = true
	}
	if len(seen) > 1 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("the recordings come from %d machines (%s): a trend follows one machine; "+
			"give each machine's recordings, or key them with a machine-class line (concbench upload -machine-class)",
			len(seen), strings.Join(slices.Sorted(maps.Keys(seen)), ", ")))
	}
}
