package report

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/concbench/concbench/report/results"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchseries"
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
}

// recording is one trend input: its results, commit and time.
type recording struct {
	path, commit, stamp string
	results             []*benchfmt.Result
}

// stampRE is the UTC stamp of results/<host>/<stamp>.txt.
var stampRE = regexp.MustCompile(`^(\d{8}T\d{6})Z?$`)

// LoadTrend reads the recordings (at least two, each through the strict
// loader), orders them by the stamp in their file names (files without
// one keep their order, after those with one) and compares every
// benchmark with the first recording.
func LoadTrend(paths []string) (*Trend, error) {
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
	lines, err := compareSeries(recs)
	if err != nil {
		return nil, err
	}
	t := &Trend{Lines: lines}
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
	rec := &recording{path: path, stamp: fmt.Sprintf("99991231T%06d", i)}
	if m := stampRE.FindStringSubmatch(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))); m != nil {
		rec.stamp = m[1]
	}
	for r.Scan() {
		res := r.Result().Clone()
		if rec.commit == "" {
			rec.commit = string(res.GetConfig("commit"))
		}
		rec.results = append(rec.results, res)
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
					l.Points[at[s]] = TrendPoint{Center: sum.Center, Lo: sum.Low, Hi: sum.High, Present: true}
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
		if prev >= 0 {
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
