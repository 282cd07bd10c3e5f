package report

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trendFiles writes one recording per commit: Spawn/model=goroutine moves
// 1000 → 1000 → 3000 ns (a change at the third commit), model=thread stays
// at 30 µs, and busy-cores (higher is better) halves at the second. The
// paths are returned newest first: the stamps in the names order them.
func trendFiles(t *testing.T) []string {
	dir := filepath.Join(t.TempDir(), "h")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i, c := range []struct {
		commit          string
		goroutine, busy float64
	}{{"aaaa", 1000, 2}, {"bbbb", 1000, 1}, {"cccc", 3000, 1}} {
		cfg := append(append([]string{}, machineA...), "commit: "+c.commit)
		p := synth(t, dir, fmt.Sprintf("2026120%dT120000Z.txt", i+1), cfg,
			fmt.Sprintf("BenchmarkSpawn/model=goroutine-2 %g ns/op", c.goroutine),
			"BenchmarkSpawn/model=thread-2 30000 ns/op",
			"BenchmarkSampler-2 14000 ns/op", // a FamilyTable entry without specs
			fmt.Sprintf("BenchmarkBusyLoop/model=thread-2 %g busy-cores", c.busy))
		paths = append([]string{p}, paths...)
	}
	return paths
}

func TestTrend(t *testing.T) {
	tr, err := LoadTrend(trendFiles(t), TrendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tr.Commits, " "); got != "aaaa bbbb cccc" {
		t.Errorf("commits %q, want oldest first by stamp", got)
	}
	var got []string
	for _, m := range tr.Moves() {
		got = append(got, fmt.Sprintf("%s %s %s→%s %.2f", m.Line.Name, m.Line.Unit, tr.Commits[m.From], tr.Commits[m.To], m.Factor))
	}
	want := []string{"Spawn/model=goroutine-2 sec/op bbbb→cccc 3.00", "BusyLoop/model=thread-2 busy-cores aaaa→bbbb 0.50"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("moves\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range tr.Lines {
		if l.Name == "Spawn/model=thread-2" {
			for i, p := range l.Points {
				if !p.Present || p.Change || math.Abs(p.Center-1) > 0.01 {
					t.Errorf("thread at commit %d: %+v, want a steady 1.0", i, p)
				}
			}
		}
	}
	if _, err := LoadTrend(trendFiles(t)[:1], TrendOptions{}); err == nil {
		t.Error("one recording: no error")
	}
}

// TestWriteTrend: the trend report has the moves table and one chart per
// family, each a PNG that renders; a directory that is not a report is
// refused as Write refuses it.
func TestWriteTrend(t *testing.T) {
	tr, err := LoadTrend(trendFiles(t), TrendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "trend")
	if err := WriteTrend(dir, tr); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"2 change points over 3 commits (aaaa … cccc)",
		"| Spawn/model=goroutine-2 | sec/op | bbbb | cccc | 3× |",
		"![Spawn over 3 commits: sec/op relative to aaaa](trend-spawn.png)",
		"## BusyLoop",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("README lacks %q:\n%s", want, md)
		}
	}
	for _, f := range []string{"trend-spawn.png", "trend-busyloop.svg", "trend-sampler.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if err := WriteTrend(filepath.Dir(trendFiles(t)[0]), tr); !errors.Is(err, ErrNotReport) {
		t.Errorf("trend over a results folder: %v, want ErrNotReport", err)
	}
}

// TestTrendLeavesOut: a unit the gate does not judge is not followed, a
// benchmark the first recording lacks is not followed (benchseries would
// print "numerator/denominator mismatch" for it), a point with another
// number of runs (another -count or profile) is never a change point,
// recordings of two machines are named; each says so in one warning.
func TestTrendLeavesOut(t *testing.T) {
	dir := t.TempDir()
	write := func(name, host string, lines ...string) string {
		var b strings.Builder
		b.WriteString("host-id: " + host + "\ncommit: " + name + "\nUnit timed-rt better=higher\n")
		for _, l := range lines {
			f := strings.Fields(l) // name runs ns/op
			var runs int
			var ns float64
			fmt.Sscan(f[1], &runs)
			fmt.Sscan(f[2], &ns)
			for i := range runs {
				fmt.Fprintf(&b, "%s 100 %g ns/op %d timed-rt\n", f[0], ns*(1+0.001*float64(i)), 10*(i+1))
			}
		}
		p := filepath.Join(dir, "20261201T00000"+name[1:]+"Z.txt")
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := []string{
		write("c1", "h1", "BenchmarkX-2 6 1000", "BenchmarkY-2 6 1000"),
		write("c2", "h2", "BenchmarkX-2 2 3000", "BenchmarkY-2 6 3000", "BenchmarkZ-2 6 5"),
	}
	tr, err := LoadTrend(files, TrendOptions{Gated: func(u string) bool { return u != "timed-rt" }})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range tr.Moves() {
		got = append(got, m.Line.Name+" "+m.Line.Unit)
	}
	if strings.Join(got, ",") != "Y-2 sec/op" {
		t.Errorf("moves %q, want only Y-2 sec/op", got)
	}
	warn := strings.Join(tr.Warnings, "\n")
	for _, want := range []string{"2 machines (h1, h2)", "does not judge are not followed: timed-rt", "c2: 1 benchmarks that the first recording (c1) lacks", "other settings", "X (1)"} {
		if !strings.Contains(warn, want) {
			t.Errorf("warnings lack %q:\n%s", want, warn)
		}
	}
}
