package regress

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// header is a result file's machine identity and unit metadata, as the
// bench binary prints it.
const header = `goos: linux
goarch: amd64
cpu: AMD EPYC
ncpu: 2
host-id: 0123456789ab
Unit cpu-ns/op better=lower
Unit lost-updates better=lower assume=exact
Unit busy-cores better=higher
`

// jitter is a fixed, spread-out noise pattern (±4%) so the synthetic
// samples look like a quiet machine's and tests are deterministic.
var jitter = []float64{0.97, 1.01, 0.99, 1.03, 0.96, 1.02, 1.00, 0.98, 1.04, 1.00, 0.995, 1.005}

// bench is one synthetic benchmark: its name, its line's metrics as unit
// → center, and per unit the factor head applies.
type bench struct {
	name    string
	metrics map[string]float64
}

// writeSet writes n rounds of benches, each metric times jitter and times
// factor(name, unit), and returns the file's path.
func writeSet(t *testing.T, file, hdr string, n int, benches []bench, factor func(name, unit string) float64) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(hdr)
	for i := 0; i < n; i++ {
		for j, bn := range benches {
			fmt.Fprintf(&b, "Benchmark%s-2\t1000", bn.name)
			units := make([]string, 0, len(bn.metrics))
			for u := range bn.metrics {
				units = append(units, u)
			}
			sortStrings(units)
			for _, u := range units {
				v := bn.metrics[u] * factor(bn.name, u)
				if u != "lost-updates" {
					v *= jitter[(i+3*j)%len(jitter)]
				}
				fmt.Fprintf(&b, "\t%g %s", v, u)
			}
			b.WriteString("\n")
		}
	}
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

var suite = []bench{
	{"Scale/kind=cpu/kernel=sha256/model=goroutine/workers=1", map[string]float64{"ns/op": 2000, "cpu-ns/op": 2100}},
	{"Scale/kind=io/kernel=sleep/model=thread/workers=2", map[string]float64{"ns/op": 50000, "cpu-ns/op": 3000}},
	{"Scale/kind=cpu/kernel=noop/model=process/workers=2", map[string]float64{"ns/op": 11000, "cpu-ns/op": 20000}},
	{"Spawn/model=process", map[string]float64{"ns/op": 900000}},
	{"IPC/pattern=stream/transport=pipe/size=4KiB", map[string]float64{"ns/op": 4000, "MB/s": 1024}},
	{"Counter/sync=unsynced/workers=2", map[string]float64{"ns/op": 20, "lost-updates": 0}},
	{"BusyLoop/model=goroutine/workers=2", map[string]float64{"busy-cores": 1.9}},
}

func compareFiles(t *testing.T, base, head string, opt Options) *Report {
	t.Helper()
	p, err := Load([]string{base}, []string{head})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.Compare(opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestVerdicts plants one change at a time in synthetic sets and checks
// that exactly the planted benchmark×unit regresses (or improves).
func TestVerdicts(t *testing.T) {
	type planted struct{ name, unit string }
	for _, c := range []struct {
		desc     string
		factor   func(name, unit string) float64
		wantRegs []planted
		wantImpr []planted
		wantGeo  bool
	}{
		{"identical", func(string, string) float64 { return 1 }, nil, nil, false},
		{"cpu time 2x",
			func(n, u string) float64 { return pick(n, u, "kernel=sha256", "sec/op", 2) },
			// one of 6 benchmarks' time 2× (√2 with its steady cpu time) is
			// +6% on the suite's geomean: the suite gate trips too
			[]planted{{"kernel=sha256", "sec/op"}}, nil, true},
		{"cpu time +15% trips the 10% cpu limit",
			func(n, u string) float64 { return pick(n, u, "kernel=sha256", "sec/op", 1.15) },
			[]planted{{"kernel=sha256", "sec/op"}}, nil, false},
		{"noop (hand-off overhead) time +15% is within the 25% default",
			func(n, u string) float64 { return pick(n, u, "kernel=noop", "sec/op", 1.15) },
			nil, nil, false},
		{"io time +15% is within the 25% default",
			func(n, u string) float64 { return pick(n, u, "kernel=sleep", "sec/op", 1.15) },
			nil, nil, false},
		{"spawn 2x faster is an improvement",
			func(n, u string) float64 { return pick(n, u, "Spawn", "sec/op", 0.5) },
			nil, []planted{{"Spawn", "sec/op"}}, false},
		{"throughput halved (better=higher)",
			func(n, u string) float64 { return pick(n, u, "transport=pipe", "B/s", 0.5) },
			[]planted{{"transport=pipe", "B/s"}}, nil, false},
		{"throughput doubled",
			func(n, u string) float64 { return pick(n, u, "transport=pipe", "B/s", 2) },
			nil, []planted{{"transport=pipe", "B/s"}}, false},
		{"busy-cores halved (declared better=higher)",
			func(n, u string) float64 { return pick(n, u, "BusyLoop", "busy-cores", 0.5) },
			[]planted{{"BusyLoop", "busy-cores"}}, nil, false},
		{"lost-updates 0 -> 3 (exact)",
			func(n, u string) float64 { return pick(n, u, "sync=unsynced", "lost-updates", 1) },
			[]planted{{"sync=unsynced", "lost-updates"}}, nil, false},
		{"everything 2% slower: no row, no geomean",
			func(string, string) float64 { return 1.02 }, nil, nil, false},
	} {
		t.Run(c.desc, func(t *testing.T) {
			benches := suite
			if strings.HasPrefix(c.desc, "lost-updates") {
				// a count that must be 0: scaling cannot move it, so plant 3
				benches = append([]bench(nil), suite...)
				benches[5] = bench{suite[5].name, map[string]float64{"ns/op": 20, "lost-updates": 3}}
			}
			base := writeSet(t, "base.txt", header, 10, suite, func(string, string) float64 { return 1 })
			head := writeSet(t, "head.txt", header, 10, benches, c.factor)
			rep := compareFiles(t, base, head, DefaultOptions())
			var regs, imprs []planted
			for _, r := range rep.Rows {
				switch r.Verdict {
				case Regression:
					regs = append(regs, planted{r.Name, r.Unit})
				case Improvement:
					imprs = append(imprs, planted{r.Name, r.Unit})
				}
			}
			check := func(what string, got, want []planted) {
				ok := len(got) == len(want)
				for i := 0; ok && i < len(got); i++ {
					ok = strings.Contains(got[i].name, want[i].name) && got[i].unit == want[i].unit
				}
				if !ok {
					var b strings.Builder
					rep.WriteText(&b)
					t.Errorf("%s: got %v, want %v\n%s", what, got, want, b.String())
				}
			}
			check("regressions", regs, c.wantRegs)
			check("improvements", imprs, c.wantImpr)
			if rep.Geo.Regressed != c.wantGeo {
				t.Errorf("geomean gate regressed=%v, want %v: %s", rep.Geo.Regressed, c.wantGeo, rep.Geo)
			}
			if want := len(c.wantRegs) > 0 || c.wantGeo; rep.Regressed != want {
				t.Errorf("Regressed=%v, want %v", rep.Regressed, want)
			}
		})
	}
}

// pick returns f for the metric of the benchmarks matching match whose
// tidied unit is unit (ns/op is sec/op, MB/s is B/s), else 1.
func pick(name, unit, match, tidied string, f float64) float64 {
	tidy := map[string]string{"ns/op": "sec/op", "MB/s": "B/s"}[unit]
	if tidy == "" {
		tidy = unit
	}
	if strings.Contains(name, match) && tidy == tidied {
		return f
	}
	return 1
}

// TestGeomeanGate: a 7% slowdown of every benchmark stays under every
// per-benchmark limit but trips the suite-wide gate; 4% does not, nor does
// a 7% speed-up, nor a shift of the medians that the runs do not confirm.
func TestGeomeanGate(t *testing.T) {
	var many []bench
	for i := 0; i < 12; i++ {
		many = append(many, bench{fmt.Sprintf("Spawn/model=m%d", i), map[string]float64{"ns/op": 1000 + 100*float64(i)}})
	}
	for _, c := range []struct {
		f       float64
		benches []bench
		want    bool
	}{
		{1.07, many, true},
		{1.04, many, false},
		{0.93, many, false},
		{1.07, many[:3], true},
	} {
		base := writeSet(t, "base.txt", header, 10, c.benches, func(string, string) float64 { return 1 })
		head := writeSet(t, "head.txt", header, 10, c.benches, func(string, string) float64 { return c.f })
		rep := compareFiles(t, base, head, DefaultOptions())
		if rep.Geo.Regressed != c.want || rep.Regressed != c.want || len(rep.Regressions()) != 0 {
			t.Errorf("factor %v over %d benchmarks: geomean regressed=%v, report regressed=%v, rows %d; want %v, 0 rows: %s",
				c.f, len(c.benches), rep.Geo.Regressed, rep.Regressed, len(rep.Regressions()), c.want, rep.Geo)
		}
	}
	// a benchmark's time units count once: 3 benchmarks × 2 time units
	var two []bench
	for i := 0; i < 3; i++ {
		two = append(two, bench{fmt.Sprintf("Spawn/model=m%d", i), map[string]float64{"ns/op": 1000, "cpu-ns/op": 900}})
	}
	base := writeSet(t, "base.txt", header, 10, two, func(string, string) float64 { return 1 })
	head := writeSet(t, "head.txt", header, 10, two, func(string, string) float64 { return 1.07 })
	if rep := compareFiles(t, base, head, DefaultOptions()); rep.Geo.N != 3 || rep.Geo.NBase != 10 || rep.Geo.NHead != 10 {
		t.Errorf("3 benchmarks with 2 time units each, 10 runs: geomean over %d benchmarks, %d+%d runs; want 3, 10+10", rep.Geo.N, rep.Geo.NBase, rep.Geo.NHead)
	}
	// Run-level noise: in head, runs 0-5 are 12% slow in every benchmark
	// (a busy machine), runs 6-9 are 4% fast. Every benchmark's median moves
	// +12%, so each benchmark "votes" worse, but the runs say the two sides
	// overlap: 4 head runs are faster than every base run.
	var b, h strings.Builder
	b.WriteString(header)
	h.WriteString(header)
	for r := 0; r < 10; r++ {
		f := 1.12
		if r >= 6 {
			f = 0.96
		}
		for i, bn := range many {
			v := bn.metrics["ns/op"] * jitter[(r+i)%len(jitter)]
			fmt.Fprintf(&b, "Benchmark%s-2\t1000\t%g ns/op\n", bn.name, v)
			fmt.Fprintf(&h, "Benchmark%s-2\t1000\t%g ns/op\n", bn.name, v*f)
		}
	}
	dir := t.TempDir()
	bp, hp := filepath.Join(dir, "base.txt"), filepath.Join(dir, "head.txt")
	if err := os.WriteFile(bp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hp, []byte(h.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := compareFiles(t, bp, hp, DefaultOptions())
	if rep.Geo.Ratio < 1.05 || rep.Geo.Regressed {
		t.Errorf("run-level noise: geomean %+.1f%% regressed=%v; want > +5%% and not regressed: %s", 100*(rep.Geo.Ratio-1), rep.Geo.Regressed, rep.Geo)
	}
	base = writeSet(t, "base.txt", header, 10, many, func(string, string) float64 { return 1 })
	head = writeSet(t, "head.txt", header, 10, many, func(string, string) float64 { return 1.07 })
	opt := DefaultOptions()
	opt.Geomean = -1
	if rep := compareFiles(t, base, head, opt); rep.Regressed {
		t.Errorf("-geomean -1 should turn the gate off: %s", rep.Geo)
	}
}

func TestHolm(t *testing.T) {
	ps := []float64{0.01, 0.04, 0.03, 0.005, 0.5}
	want := []float64{0.04, 0.09, 0.09, 0.025, 0.5}
	adj := make([]float64, len(ps))
	var family []*pvalue
	for i, p := range ps {
		family = append(family, &pvalue{p, &adj[i]})
	}
	holm(family)
	for i, w := range want {
		if math.Abs(adj[i]-w) > 1e-12 {
			t.Errorf("p=%v: Holm-adjusted %v, want %v", ps[i], adj[i], w)
		}
	}
}

func TestMinP(t *testing.T) {
	for _, c := range []struct {
		n1, n2 int
		want   float64
	}{{10, 10, 2 / 184756.0}, {5, 5, 2 / 252.0}, {3, 3, 0.1}} {
		if got := MinP(c.n1, c.n2); math.Abs(got-c.want)/c.want > 1e-6 {
			t.Errorf("MinP(%d, %d) = %v, want %v", c.n1, c.n2, got, c.want)
		}
	}
}

// TestBlindWarning: 3 samples a side over many tests cannot reach Holm's
// first step; the report must say so and what would help.
func TestBlindWarning(t *testing.T) {
	base := writeSet(t, "base.txt", header, 3, suite, func(string, string) float64 { return 1 })
	head := writeSet(t, "head.txt", header, 3, suite, func(string, string) float64 { return 3 })
	rep := compareFiles(t, base, head, DefaultOptions())
	if !rep.Blind || !strings.Contains(strings.Join(rep.Warnings, "\n"), "gate is blind") {
		t.Errorf("no blind-gate warning with 3+3 samples over %d tests: %q", rep.Tests, rep.Warnings)
	}
}

func TestMachineIdentity(t *testing.T) {
	base := writeSet(t, "base.txt", header, 5, suite[:1], func(string, string) float64 { return 1 })
	for _, c := range []struct{ key, from, to string }{
		{"host-id", "0123456789ab", "ba9876543210"},
		{"ncpu", "ncpu: 2", "ncpu: 4"},
		{"cpu", "cpu: AMD EPYC", "cpu: Intel Xeon"},
	} {
		head := writeSet(t, "head.txt", strings.Replace(header, c.from, c.to, 1), 5, suite[:1], func(string, string) float64 { return 1 })
		p, err := Load([]string{base}, []string{head})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Compare(DefaultOptions())
		var me *MachineError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), "base.txt:") || !strings.Contains(err.Error(), "head.txt:") {
			t.Errorf("%s differs: got error %v, want a MachineError naming %s and both files", c.key, err, c.key)
		}
		opt := DefaultOptions()
		opt.Force = true
		if _, err := p.Compare(opt); err != nil {
			t.Errorf("%s differs with Force: %v", c.key, err)
		}
	}
	// missing on one side is a difference too
	head := writeSet(t, "head.txt", strings.Replace(header, "host-id: 0123456789ab\n", "", 1), 5, suite[:1], func(string, string) float64 { return 1 })
	p, err := Load([]string{base}, []string{head})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Compare(DefaultOptions()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("host-id missing in head: got %v, want a refusal", err)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeSet(t, "good.txt", header, 3, suite[:1], func(string, string) float64 { return 1 })
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	other := writeSet(t, "other.txt", header, 3, []bench{{"Other", map[string]float64{"ns/op": 1}}}, func(string, string) float64 { return 1 })
	for _, c := range []struct {
		desc, base, head, want string
	}{
		{"missing file", filepath.Join(dir, "nope.txt"), good, "nope.txt: no such file"},
		{"empty file", write("empty.txt", ""), good, "empty.txt: no benchmark results"},
		{"syntax error", write("bad.txt", header+"BenchmarkX-2\t10\t5 ns/op\nBenchmarkY-2\tten\t5 ns/op\n"), good, "bad.txt:10: parsing iteration count"},
		{"unit conflict", write("conflict.txt", "Unit busy-cores better=lower\nBenchmarkX 1 2 ns/op\n"), good, "good.txt:8: metadata better of unit busy-cores already set to lower"},
		// The gate checks what the report checks: the same loader.
		{"undeclared unit", write("undeclared.txt", header+"BenchmarkX-2\t10\t5 ns/op\t3 widgets/op\n"), good, `undeclared.txt:9: unit "widgets/op" is not declared`},
		{"NaN", good, write("nan.txt", header+"BenchmarkX-2\t10\tNaN ns/op\n"), "nan.txt:9: value NaN ns/op is not a measurement"},
		{"typo in better=", write("typo.txt", "Unit ctxsw/op better=lowr\n"+header+"BenchmarkX-2\t10\t5 ns/op\n"), good, "typo.txt:1: Unit ctxsw/op better=lowr: want better=higher or better=lower"},
		{"nothing in common", good, other, "no benchmark and unit in common"},
	} {
		p, err := Load([]string{c.base}, []string{c.head})
		if err == nil {
			_, err = p.Compare(DefaultOptions())
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.desc, err, c.want)
		}
	}
}

// TestVaryingExactAndSkippedUnits: an assume=exact count whose samples
// differ within both sides (a racy counter's lost updates) is no exact
// count: an A/A pair of random counts must trip nothing in either order,
// while a real jump of such a count still does, and so does a count that
// was 0 every run and no longer is. steal-% and rt/sample are never
// gated by default, whatever they do.
func TestVaryingExactAndSkippedUnits(t *testing.T) {
	const hdr = header + "Unit steal-% better=lower\nUnit rt/sample assume=exact\n"
	write := func(file string, lost func(i int) float64, steal float64) string {
		var b strings.Builder
		b.WriteString(hdr)
		for i := range 10 {
			fmt.Fprintf(&b, "BenchmarkCounter/sync=unsynced/workers=2-2\t1000\t%g ns/op\t%g lost-updates\n", 20*jitter[i], lost(i))
			fmt.Fprintf(&b, "BenchmarkBusyLoop/model=goroutine/workers=2-2\t1\t%g ns/op\t%g steal-%%\n", 1e9*jitter[i], steal*jitter[i])
			fmt.Fprintf(&b, "BenchmarkIPC/pattern=pingpong/transport=chan-buffered/peer=goroutine/size=8B-2\t1000\t%g ns/op\t%d rt/sample\n", 400*jitter[i], 90+i%3)
		}
		path := filepath.Join(t.TempDir(), file)
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	randA := func(i int) float64 { return []float64{917, 1203, 455, 1388, 760, 1021, 598, 1290, 840, 1105}[i] }
	randB := func(i int) float64 { return []float64{1012, 702, 1340, 530, 1180, 886, 1251, 640, 973, 1420}[i] }
	for _, c := range []struct {
		desc       string
		base, head string
		want       Verdict
	}{
		{"random counts A/A", write("a.txt", randA, 0.5), write("b.txt", randB, 5), NoChange},
		{"random counts A/A swapped", write("b.txt", randB, 5), write("a.txt", randA, 0.5), NoChange},
		{"counts 10x higher", write("a.txt", randA, 0.5), write("c.txt", func(i int) float64 { return 10 * randB(i) }, 0.5), Regression},
		// a count that was exact (0 every run) and now is not stays exact:
		// compared by value, its median moving from 0 is a regression
		{"0 every run, then sporadic", write("z.txt", func(int) float64 { return 0 }, 0.5), write("d.txt", func(i int) float64 { return float64(i % 2 * 7) }, 0.5), Regression},
	} {
		t.Run(c.desc, func(t *testing.T) {
			rep := compareFiles(t, c.base, c.head, DefaultOptions())
			var b strings.Builder
			rep.WriteText(&b)
			for _, r := range rep.Rows {
				want := map[string]Verdict{"lost-updates": c.want, "steal-%": NotGated, "rt/sample": NotGated}[r.Unit]
				if want != "" && r.Verdict != want {
					t.Errorf("%s %s: verdict %s, want %s\n%s", r.Name, r.Unit, r.Verdict, want, b.String())
				}
			}
			if rep.Regressed != (c.want == Regression) {
				t.Errorf("Regressed=%v, want %v\n%s", rep.Regressed, c.want == Regression, b.String())
			}
		})
	}
}
