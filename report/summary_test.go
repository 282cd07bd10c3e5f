package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchmath"
)

// synth writes a result file: config lines, then 6 runs of each
// "name value unit" benchmark (value in the unit, e.g. ns/op).
func synth(t testing.TB, dir, name string, config []string, benches ...string) string {
	t.Helper()
	var b strings.Builder
	for _, c := range config {
		b.WriteString(c + "\n")
	}
	b.WriteString("Unit busy-cores better=higher\n")
	for run := range 6 {
		for _, bench := range benches {
			f := strings.Fields(bench)
			var v float64
			fmt.Sscan(f[1], &v)
			fmt.Fprintf(&b, "%s 100 %g %s\n", f[0], v*(1+0.001*float64([]int{-3, -2, -1, 1, 2, 3}[run])), f[2])
		}
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func summaryOf(t *testing.T, paths ...string) (*Set, string) {
	t.Helper()
	s, err := Load(paths, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.Summary().WriteMarkdown(&b, ""); err != nil {
		t.Fatal(err)
	}
	return s, b.String()
}

var machineA = []string{"cpu: Intel(R) Xeon(R) Processor", "ncpu: 2", "kernel: 6.18.44", "go: go1.26.8", "host-id: aaaa"}

func TestSummary(t *testing.T) {
	dir := t.TempDir()
	spawn := []string{
		"BenchmarkSpawn/model=goroutine-2 1000 ns/op",
		"BenchmarkSpawn/model=thread-2 30000 ns/op",
		"BenchmarkSpawn/model=process-2 3000000 ns/op",
		"BenchmarkSpawn/model=exec-true-2 700000 ns/op",
	}
	floors := []string{
		"BenchmarkSpawn/model=floor-kernel-2 400000 ns/op",
		"BenchmarkSpawn/model=floor-go-2 1500000 ns/op",
	}
	later := []string{ // a family with no FamilyTable entry, and Python
		"BenchmarkLater/model=goroutine/conc=8-2 20000 ns/op",
		"BenchmarkLater/model=goroutine/conc=64-2 15000 ns/op",
		"BenchmarkLater/model=python-thread/conc=8-2 90000 ns/op",
	}
	crossover := []string{ // thread leads at 1 worker, goroutine at 2
		"BenchmarkScale/kind=cpu/kernel=sha256/model=goroutine/workers=1-2 120000 ns/op",
		"BenchmarkScale/kind=cpu/kernel=sha256/model=goroutine/workers=2-2 50000 ns/op",
		"BenchmarkScale/kind=cpu/kernel=sha256/model=thread/workers=1-2 100000 ns/op",
		"BenchmarkScale/kind=cpu/kernel=sha256/model=thread/workers=2-2 60000 ns/op",
	}
	column := []string{ // Go rows have no model key, Python rows have one
		"BenchmarkCounter/sync=mutex/workers=4-2 20 ns/op",
		"BenchmarkCounter/sync=atomic/workers=4-2 8 ns/op",
		"BenchmarkCounter/sync=mutex/model=python-thread/workers=4-2 200 ns/op",
	}
	higher := []string{ // a higher-is-better question with a reference
		"BenchmarkWeb/server=goroutine/workers=2/gomaxprocs=2/path=hello/conns=16-2 40000 req/s",
		"BenchmarkWeb/server=prefork/workers=2/gomaxprocs=1/path=hello/conns=16-2 50000 req/s",
		"BenchmarkWeb/server=gunicorn-sync/workers=2/path=hello/conns=16-2 5000 req/s",
		"BenchmarkWebReference/server=goroutine/workers=2/gomaxprocs=2/path=hello/conns=16-2 60000 wrk-req/s",
		"BenchmarkWebReference/server=goroutine/workers=2/gomaxprocs=2/path=hello/conns=16-2 57000 req/s",
	}
	zero := []string{ // none lost is the best, and no factor of 0
		"BenchmarkDistributedFault/queue=stream/fault=kill-2 0 lost-tasks",
		"BenchmarkDistributedFault/queue=manager/fault=kill-2 2 lost-tasks",
		"BenchmarkDistributedFault/queue=nats/fault=kill-2 140 lost-tasks",
	}
	units := []string{"Unit req/s better=higher", "Unit wrk-req/s better=higher", "Unit lost-tasks better=lower"}
	sampler := "BenchmarkSampler-2 14000 ns/op"
	old := synth(t, dir, "old.txt", machineA, append([]string{sampler}, spawn...)...)
	all := synth(t, dir, "new.txt", append(machineA, units...),
		slices.Concat([]string{sampler}, later, spawn, floors, crossover, column, higher, zero)...)

	t.Run("exec-true stands in for missing floors", func(t *testing.T) {
		_, md := summaryOf(t, old)
		if !strings.Contains(md, "exec-true: [700.0µs") {
			t.Errorf("no exec-true reference:\n%s", md)
		}
		if strings.Contains(md, "| python |") {
			t.Errorf("python column without python rows:\n%s", md)
		}
		if strings.Contains(md, "Sampler") {
			t.Errorf("the suite's own cost has a summary row:\n%s", md)
		}
	})
	s, md := summaryOf(t, all)
	checks := []struct{ what, want string }{
		{"floors as the reference", "floor-kernel: [400.0µs"},
		{"floor-go too", "floor-go: [1.500ms"},
		{"python column", "| question | goroutine | thread | process | python | reference |"},
		{"generic row of a new family, best per model", "| Later: the best sub-benchmark per model (`Later`) | [15.00µs ±0%](#later) (conc=64) |  |  | python-thread: [90.00µs ±0%](#later) |"},
		{"CI and link", "[1.000µs ±0%](#spawn)"},
		{"verdict with factors", "**Spawn** (a worker's whole life: spawn, one task, join): goroutine is fastest (1.000µs); thread is 30× slower (30.00µs), process 3000× slower (3.000ms)"},
		{"reference in the verdict", "floor-kernel (reference) is 400.0µs, process takes 7.5× as long"},
		{"gains and crossover", "from workers=1 to 2: goroutine 2.40×, thread 1.67× (crossover: thread leads at workers=1, goroutine at 2)"},
		{"Column for rows without the By key, python for those with", "(`Counter`) | [8.000ns ±0%](#counter) (sync=atomic) |  |  | python-thread: [200.0ns ±0%](#counter) |  |"},
		{"a By value mapped to a column", "| [40.00k req/s ±0%](#web) |  | [50.00k req/s ±0%](#web) | gunicorn-sync: [5.000k req/s ±0%](#web) |"},
		// wrk ran in WebReference's pass, not beside the columns: it is
		// compared with our client in that run only (issue 21 item 7).
		{"references of a run apart, with each other only", "gunicorn-sync 10× lower (5.000k req/s); in WebReference's own run (not comparable with the columns), " +
			"our client on goroutine is 57.00k req/s, wrk on goroutine 60.00k req/s (1.05× our client on goroutine)."},
		{"references of a run apart, marked in the cell", "| our client on goroutine: [57.00k req/s ±0%](#web) (own run)<br>wrk on goroutine: [60.00k req/s ±0%](#web) (own run) |"},
		{"zero is lowest, no factor", "stream is lowest (0.000 lost-tasks); manager is 2.000 lost-tasks; nats (reference) is 140.0 lost-tasks."},
	}
	for _, c := range checks {
		if !strings.Contains(md, c.want) {
			t.Errorf("%s: summary lacks %q:\n%s", c.what, c.want, md)
		}
	}
	if strings.Contains(md, "exec-true") {
		t.Errorf("exec-true shown although the floors are there:\n%s", md)
	}
	if strings.Contains(md, "IO-bound") {
		t.Errorf("a question without data has a row:\n%s", md)
	}
	if got, want := strings.Join(s.Families(), " "), "Spawn Scale Counter DistributedFault Web Later WebReference Sampler"; got != want {
		t.Errorf("families in order %q, want %q (seeds' order, new families, then the suite's own)", got, want)
	}
}

// TestReportOpensWithSummary: the README starts with the answers (the
// recording has IPC's and Pool's sweeps), the summary, then the machine, then the sections in the seeds' order, Sampler last.
func TestReportOpensWithSummary(t *testing.T) {
	s, err := Load([]string{"../results/c32ac51fa19a/20261201T192635Z.txt"}, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := buildModel(s, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	md, err := readme(m)
	if err != nil {
		t.Fatal(err)
	}
	var heads []string
	for _, l := range strings.Split(string(md), "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			heads = append(heads, h)
		}
	}
	want := "Answers Summary Machine Spawn Scale IPC BusyLoop Pool Counter Local Coroutine Subprocess Stop SpawnParent Reference Sampler"
	if got := strings.Join(heads, " "); got != want {
		t.Errorf("sections\n%s\nwant\n%s", got, want)
	}
}

// TestRankTie: equal values read "within 1%", never "within 0%".
func TestRankTie(t *testing.T) {
	got := rank([]ranked{{"a", 2}, {"b", 2}}, Higher.words(Spec{}), func(v float64) string { return fmt.Sprint(v) })
	if want := "a is highest (2); b is within 1% (2)"; got != want {
		t.Errorf("rank = %q, want %q", got, want)
	}
}

// TestSummaryTwoMachines: files from two machines give a column group per
// machine, each named in the heading, with B's ratios to A; two files of
// one machine stay one machine (its newest file).
func TestSummaryTwoMachines(t *testing.T) {
	dir := t.TempDir()
	machineB := []string{"cpu: AMD EPYC 7B13", "ncpu: 2", "kernel: 6.1.0", "go: go1.26.8", "host-id: bbbb"}
	a := synth(t, dir, "a.txt", machineA, "BenchmarkSpawn/model=goroutine-2 1000 ns/op", "BenchmarkSpawn/model=process-2 3000000 ns/op")
	b := synth(t, dir, "b.txt", machineB, "BenchmarkSpawn/model=goroutine-2 1500 ns/op", "BenchmarkSpawn/model=process-2 1500000 ns/op")
	a2 := synth(t, dir, "a2.txt", machineA, "BenchmarkSpawn/model=goroutine-2 900 ns/op", "BenchmarkSpawn/model=process-2 3000000 ns/op")
	s, md := summaryOf(t, a, b, a2)
	for _, want := range []string{
		"- **A**: Intel(R) Xeon(R) Processor, 2 cores, kernel 6.18.44, go1.26.8, host aaaa (`" + a2 + "`)",
		"- **B**: AMD EPYC 7B13, 2 cores, kernel 6.1.0, go1.26.8, host bbbb (`" + b + "`)",
		"| question | goroutine A | thread A | process A | reference A | goroutine B | thread B | process B | reference B |",
		"[900.0ns ±0%](#spawn) |", // A's newest file
		"[1.500µs ±0%](#spawn) 1.7×A",
		"[1.500ms ±0%](#spawn) 0.5×A",
		"- B, **Spawn**",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	var head strings.Builder
	if err := s.WriteMachines(&head); err != nil {
		t.Fatal(err)
	}
	if got, want := head.String(), "2 machines: tables split by goos,goarch,pkg (not by every config line) so that they share a table.\n"+a+": machine A, Intel(R) Xeon(R) Processor, 2 cores, kernel 6.18.44, go1.26.8, host aaaa\n"+
		b+": machine B, AMD EPYC 7B13, 2 cores, kernel 6.1.0, go1.26.8, host bbbb\n"+
		a2+": machine A, Intel(R) Xeon(R) Processor, 2 cores, kernel 6.18.44, go1.26.8, host aaaa\n\n"; got != want {
		t.Errorf("machine heading:\n%s", got)
	}
	if _, one := summaryOf(t, a, a2); strings.Contains(one, "goroutine A") {
		t.Errorf("one machine's two files are shown as two machines:\n%s", one)
	}
}

// rawFile writes a result file of "name unit v1 v2 …" lines, one run per
// value, for figures that synth's fixed spread cannot make.
func rawFile(t *testing.T, lines ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Join(machineA, "\n") + "\n")
	for _, l := range lines {
		f := strings.Fields(l)
		for _, v := range f[2:] {
			fmt.Fprintf(&b, "%s 100 %s %s\n", f[0], v, f[1])
		}
	}
	p := filepath.Join(t.TempDir(), "raw.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 21 item 7: a cell whose 95% CI is wider than its value is never
// the winner of its cell or of the verdict. The thread peer's shm-spin has
// the lowest median but a CI 11× its value: the cell picks pipe-raw, whose
// CI is usable. The process peer has only a noisy row: it is shown,
// marked, and left out of the ranking.
func TestSummaryNoisyIsNoWinner(t *testing.T) {
	p := rawFile(t,
		"BenchmarkIPC/pattern=pingpong/transport=chan-buffered/peer=goroutine/size=8B-2 ns/op 400 401 402 403 404 405",
		"BenchmarkIPC/pattern=pingpong/transport=shm-spin/peer=thread/size=8B-2 ns/op 2000 2000 3000 4000 40000 40000",
		"BenchmarkIPC/pattern=pingpong/transport=pipe-raw/peer=thread/size=8B-2 ns/op 10000 10100 10200 10300 10400 10500",
		"BenchmarkIPC/pattern=pingpong/transport=shm-spin/peer=process/size=8B-2 ns/op 5000 5000 6000 7000 90000 90000",
	)
	_, md := summaryOf(t, p)
	for _, want := range []string{
		"| [402.5ns ±1%](#ipc) | [10.25µs ±2%](#ipc) (transport=pipe-raw) | [6.500µs ±1285%](#ipc) (noisy) |",
		"(noisy) after a figure: its 95% confidence interval is wider than the value; shown, never called the winner.",
		"goroutine is fastest (402.5ns); thread (transport=pipe-raw) is 25× slower (10.25µs); " +
			"too noisy to rank (CI wider than the value, or too few ops): process (6.500µs ±1285%)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "shm-spin") && !strings.Contains(md, "(noisy)") {
		t.Errorf("a noisy pick unmarked:\n%s", md)
	}
}

// Issue 20 item 4: a figure from runs of fewer than results.MinOps ops
// (a Python peer's start-up as the one op of a run sized by time) is
// marked, explained under the table and never the winner, even when it
// is the cheapest.
func TestSummaryFewOpsIsNoWinner(t *testing.T) {
	var b strings.Builder
	b.WriteString(strings.Join(machineA, "\n") + "\n")
	for range 6 {
		b.WriteString("BenchmarkIPC/pattern=pingpong/transport=chan-buffered/peer=goroutine/size=8B-2 100 400 ns/op\n")
		b.WriteString("BenchmarkIPC/pattern=pingpong/transport=pipe-raw/peer=process/size=8B-2 100 20000 ns/op\n")
		b.WriteString("BenchmarkIPC/pattern=pingpong/transport=shm-spin/peer=process/size=8B-2 1 9000 ns/op\n")
		b.WriteString("BenchmarkIPC/pattern=pingpong/transport=os-pipe/peer=thread/size=8B-2 2 7000 ns/op\n")
	}
	p := filepath.Join(t.TempDir(), "few.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, md := summaryOf(t, p)
	for _, want := range []string{
		"[20.00µs ±0%](#ipc) (transport=pipe-raw)",
		"[7.000µs ±0%](#ipc) (few ops)",
		"(few ops) after a figure: a run of it did fewer than 5 ops",
		"goroutine is fastest (400.0ns); process (transport=pipe-raw) is 50× slower (20.00µs); too noisy to rank",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "9.000µs") && !strings.Contains(md, "9.000µs ±0%](#ipc) (transport=shm-spin) (few ops)") {
		t.Errorf("a few-op figure shown unmarked:\n%s", md)
	}
}

// Issue 21 item 7: the Coroutine Python row is a generator on one thread,
// and says so; ManagerQueue asks a real question with the pipe queues
// beside the manager's.
func TestSummaryLabelsAndQuestions(t *testing.T) {
	p := synth(t, t.TempDir(), "a.txt", machineA,
		"BenchmarkCoroutine/handoff=call-2 2 ns/op",
		"BenchmarkCoroutine/handoff=generator/model=python-thread-2 100 ns/op",
		"BenchmarkManagerQueue/queue=manager/model=process/procs=2-2 60000 ns/op",
		"BenchmarkManagerQueue/queue=pipe/model=process/procs=2-2 1700 ns/op",
		"BenchmarkManagerQueue/queue=manager/model=python-process/procs=2-2 180000 ns/op",
		"BenchmarkManagerQueue/queue=pipe/model=python-process/procs=2-2 18000 ns/op",
	)
	_, md := summaryOf(t, p)
	for _, want := range []string{
		"python-generator: [100.0ns ±0%](#coroutine)",
		"process is fastest (60.00µs); python-process is 3.0× slower (180.0µs); process takes 35× as long as Go pipe queue (1.700µs), " +
			"python-process takes 10× as long as multiprocessing.Queue (18.00µs).",
		"| a task through Manager().Queue(), 2 worker processes, beside a plain pipe queue (`ManagerQueue`) |  |  | [60.00µs ±0%](#managerqueue) | python-process: [180.0µs ±0%](#managerqueue) | Go pipe queue: [1.700µs ±0%](#managerqueue)<br>multiprocessing.Queue: [18.00µs ±0%](#managerqueue) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	for _, bad := range []string{"python-thread: [100.0ns", "the best sub-benchmark per model"} {
		if strings.Contains(md, bad) {
			t.Errorf("summary still says %q:\n%s", bad, md)
		}
	}
}

// Issue 21 item 7: the counter chart's unsynced line says that it loses
// updates, in its legend and in the sentence that ranks it.
func TestCounterChartMarksUnsynced(t *testing.T) {
	p := synth(t, t.TempDir(), "a.txt", machineA,
		"BenchmarkCounter/sync=unsynced/workers=1-2 1 ns/op",
		"BenchmarkCounter/sync=unsynced/workers=4-2 3 ns/op",
		"BenchmarkCounter/sync=mutex/workers=1-2 10 ns/op",
		"BenchmarkCounter/sync=mutex/workers=4-2 50 ns/op",
	)
	s, err := Load([]string{p}, "")
	if err != nil {
		t.Fatal(err)
	}
	cs := Charts(s.Points(""), s.Better, s.NCPU())
	if len(cs) != 1 {
		t.Fatalf("%d charts, want 1", len(cs))
	}
	if want := "unsynced (wrong: loses updates)"; !strings.Contains(cs[0].Sentence, want) {
		t.Errorf("counter chart's sentence lacks %q: %s", want, cs[0].Sentence)
	}
	var svg strings.Builder
	if err := cs[0].Render(&svg, "svg"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg.String(), ">unsynced (wrong: loses updates)<") || !strings.Contains(svg.String(), ">mutex<") {
		t.Errorf("legend: want the unsynced line marked and mutex plain:\n%s", svg.String())
	}
}

// TestSummaryLaidOutBeforeRendering checks that the summary's cells are
// computed when the Summary is made (WriteMarkdown only renders, adding
// the link), and that sortRefs orders the references and lays them out
// again.
func TestSummaryLaidOutBeforeRendering(t *testing.T) {
	at := func(v float64) Point {
		return Point{Family: "Reference", Summary: benchmath.Summary{Center: v, Lo: v, Hi: v, Confidence: 0.95}}
	}
	sum := &Summary{Machines: []Machine{{Name: "A"}, {Name: "B"}}, better: func(string) Better { return -1 }}
	q := Question{Text: "cost", Unit: "sec/op"}
	var rs []row
	for range sum.Machines {
		rs = append(rs, row{fam: "Spawn", q: q, cells: map[string][]entry{
			colGoroutine: {{at: at(1e-6)}},
			colRef:       {{label: "zeta", at: at(2e-6)}, {label: "alpha", at: at(3e-6)}},
		}})
	}
	sum.Rows = [][]row{rs}
	sum.lay()
	if len(sum.lines) != 1 || sum.lines[0].anchor != "#spawn" || len(sum.lines[0].cells) != 2*len(sum.cols) {
		t.Fatalf("laid out lines = %+v, want one line of %d cells linking #spawn", sum.lines, 2*len(sum.cols))
	}
	refCell := func() []cellPart { return sum.lines[0].cells[len(sum.cols)-1] }
	if got := refCell(); len(got) != 2 || got[0].label != "zeta: " {
		t.Fatalf("reference cell before sortRefs = %+v, want zeta first", got)
	}
	sum.sortRefs()
	if got := refCell(); len(got) != 2 || got[0].label != "alpha: " {
		t.Fatalf("reference cell after sortRefs = %+v, want alpha first", got)
	}
	var b strings.Builder
	if err := sum.WriteMarkdown(&b, "r/README.md"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"alpha: [3.000µs ±0%](r/README.md#spawn)<br>zeta: ", "- B, **Spawn** (cost): goroutine: 1.000µs; alpha (reference)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("rendered summary lacks %q (laid out before rendering, sorted by sortRefs):\n%s", want, b.String())
		}
	}
}
