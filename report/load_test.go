package report

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodHeader = "goos: linux\nUnit ctxsw/op better=lower\n"

// TestLoadErrors: every bad input is one *Error naming the file and, where
// there is one, the line; the message says what is wrong.
func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, content string // content "" with missing=true: no file at all
		missing, dir  bool
		line          int
		want          string
	}{
		{name: "malformed", content: goodHeader + "BenchmarkA-2 100 12 ns/op\nBenchmarkA-2 100 twelve ns/op\n", line: 4, want: "parsing measurement"},
		{name: "bad-iters", content: "BenchmarkA-2 many 12 ns/op\n", line: 1, want: "parsing iteration count"},
		{name: "missing-unit", content: "BenchmarkA-2 100 12\n", line: 1, want: "missing units"},
		{name: "unknown-unit", content: goodHeader + "BenchmarkA-2 100 12 ns/op\nBenchmarkA-2 100 12 ns/op 3 widgets/op\n", line: 4, want: `unit "widgets/op" is not declared`},
		{name: "bad-unit-line", content: "Unit foo/op better\nBenchmarkA-2 100 12 foo/op\n", line: 1, want: "expected key=value"},
		{name: "conflicting-unit", content: "Unit foo/op better=lower\nUnit foo/op better=higher\nBenchmarkA-2 100 12 foo/op\n", line: 2, want: "already set"},
		{name: "NaN", content: goodHeader + "BenchmarkA-2 100 12 ns/op\nBenchmarkA-2 100 NaN ns/op\n", line: 4, want: "value NaN ns/op is not a measurement"},
		{name: "Inf", content: "BenchmarkA-2 100 Inf ns/op\n", line: 1, want: "value +Inf ns/op is not a measurement"},
		{name: "negative", content: "BenchmarkA-2 100 -5 ns/op\n", line: 1, want: "negative"},
		{name: "zero-time", content: "BenchmarkA-2 100 0 ns/op\n", line: 1, want: "a time cannot be zero"},
		{name: "better-typo", content: "Unit ctxsw/op better=lowr\nBenchmarkA-2 100 12 ns/op 1 ctxsw/op\n", line: 1, want: "better=lowr"},
		{name: "unknown-attribute", content: "Unit ctxsw/op better=lower colour=red\nBenchmarkA-2 100 12 ns/op 1 ctxsw/op\n", line: 1, want: "unknown attribute"},
		{name: "config-changes", content: "host-id: a\nBenchmarkA-2 100 12 ns/op\nhost-id: b\nBenchmarkA-2 100 12 ns/op\n", line: 4, want: `config "host-id"`},
		{name: "long-line", content: "BenchmarkA-2 100 12 ns/op\n" + strings.Repeat("x", 20<<20) + "\n", line: 2, want: "line longer than"},
		{name: "one-long-line", content: strings.Repeat("x", 1<<20), line: 1, want: "line longer than"},
		{name: "empty", content: "", want: "no benchmark results"},
		{name: "no-results", content: "goos: linux\nPASS\nok  pkg 1.0s\n", want: "no benchmark results"},
		{name: "missing", missing: true, want: "no such file"},
		{name: "directory", dir: true, want: "is a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), c.name+".txt")
			switch {
			case c.dir:
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
			case !c.missing:
				if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load([]string{path}, "")
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("Load: got %v (%T), want *report.Error", err, err)
			}
			if le.File != path || le.Line != c.line {
				t.Errorf("error at %s:%d, want %s:%d", le.File, le.Line, path, c.line)
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line containing %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), path) {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

// TestLoadSecondFile: the error names the file it is in, not the first.
func TestLoadSecondFile(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	os.WriteFile(a, []byte("BenchmarkA-2 100 12 ns/op\n"), 0o644)
	os.WriteFile(b, []byte("BenchmarkA-2 100 12 ns/op\n\nBenchmarkA-2 x 12 ns/op\n"), 0o644)
	_, err := Load([]string{"old=" + a, "new=" + b}, "")
	if err == nil || !strings.HasPrefix(err.Error(), b+":3:") {
		t.Fatalf("got %v, want an error at %s:3", err, b)
	}
}

func TestLoadFilterAndLabels(t *testing.T) {
	s, err := Load([]string{"O=testdata/old.txt", "N=testdata/new.txt"}, ".name:Spawn /model:(thread OR process)")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(s.Results), 2*2*10; got != want {
		t.Errorf("%d results after the filter, want %d", got, want)
	}
	if s.Files[0].Label != "O" || s.Files[1].Path != "testdata/new.txt" || s.Files[1].Results != 150 {
		t.Errorf("files: %+v", s.Files)
	}
	if got := configValue(s.Files[0], "host-id"); got != "0123456789ab" {
		t.Errorf("host-id config %q", got)
	}
	if _, err := Load([]string{"testdata/old.txt"}, ".name:Nothing"); err == nil || !strings.Contains(err.Error(), "no results match") {
		t.Errorf("filter matching nothing: got %v", err)
	}
	if _, err := Load([]string{"testdata/old.txt"}, "(("); err == nil || !strings.HasPrefix(err.Error(), "-filter") {
		t.Errorf("bad filter: got %v", err)
	}
}

// TestLoadKeepsInputs: loading never writes to an input.
func TestLoadKeepsInputs(t *testing.T) {
	before, err := os.ReadFile("testdata/new.txt")
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat("testdata/new.txt")
	if _, err := Load([]string{"testdata/new.txt"}, ""); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile("testdata/new.txt")
	st2, _ := os.Stat("testdata/new.txt")
	if string(before) != string(after) || !st.ModTime().Equal(st2.ModTime()) {
		t.Error("Load changed its input")
	}
}

// fuzzCharts adds chart building to FuzzLoad (on by default; the plots are
// the slowest part, turn them off for more executions per second).
var fuzzCharts = flag.Bool("fuzzcharts", true, "build charts in FuzzLoad")

// valueSeeds are the numbers a fuzz seed puts where a measurement goes:
// what cannot be one (NaN, ±Inf, negative, a zero time) and the extremes
// that can.
var valueSeeds = []string{"NaN", "+Inf", "-Inf", "0", "-1", "1e308", "1e-300", "5", "0x1p-1074"}

// FuzzLoad: any two files either load, and then tabulate (two columns: the
// Mann-Whitney test that loops forever on NaN) and chart without a panic,
// every value finite and not negative, or fail with a one-line *Error
// naming one of the files and, past a whole-file problem, its line.
func FuzzLoad(f *testing.F) {
	var seeds [][]byte
	for _, p := range []string{"testdata/old.txt", "testdata/new.txt", "testdata/models.txt"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		// Small seeds: the fuzzer minimises every new input, and that is
		// slow on big ones.
		b = b[:min(len(b), 900)]
		seeds = append(seeds, b[:bytes.LastIndexByte(b, '\n')+1])
	}
	f.Add(seeds[0], seeds[1])
	f.Add(seeds[2], seeds[2])
	f.Add([]byte("Unit x/op better=lower assume=exact\nBenchmarkX/a=1-2 1 0 x/op\nBenchmarkX/a=2-2 1 5 x/op\n"), []byte("BenchmarkX/a=1-2 1 0 x/op\n"))
	base := "Unit x/op better=lower\nBenchmarkScale/kind=cpu/model=a/workers=1 10 5 ns/op 1 x/op\nBenchmarkScale/kind=cpu/model=a/workers=1 10 6 ns/op 2 x/op\n"
	for _, v := range valueSeeds {
		f.Add([]byte(base), []byte(fmt.Sprintf("BenchmarkScale/kind=cpu/model=a/workers=1 10 %s ns/op 1 x/op\nBenchmarkScale/kind=cpu/model=a/workers=1 10 5 ns/op %s x/op\n", v, v)))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, a, b []byte) {
		pa, pb := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
		if err := os.WriteFile(pa, a, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pb, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Load([]string{"old=" + pa, "new=" + pb}, "")
		if err != nil {
			var le *Error
			if !errors.As(err, &le) || (le.File != pa && le.File != pb) {
				t.Fatalf("error %q is not a *Error naming an input", err)
			}
			if !strings.HasPrefix(err.Error(), le.File+": ") && !strings.HasPrefix(err.Error(), fmt.Sprintf("%s:%d: ", le.File, le.Line)) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: want one line starting with file[:line]", err)
			}
			return
		}
		checkSet(t, s)
	})
}

// checkSet: a loaded set holds only measurements, and tabulates and charts.
func checkSet(t *testing.T, s *Set) {
	if len(s.Results) == 0 {
		t.Fatal("loaded with no results and no error")
	}
	for _, r := range s.Results {
		for _, v := range r.Values {
			if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) || v.Value < 0 {
				t.Fatalf("loaded %v %s", v.Value, v.Unit)
			}
		}
	}
	ts, err := s.Tables(TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := ts.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if err := ts.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if *fuzzCharts {
		for _, c := range Charts(s.Points(""), s.Better, s.NCPU()) {
			// SVG: the whole drawing path, ticks included, without
			// the cost of rasterising.
			if err := c.Render(io.Discard, "svg"); err != nil {
				t.Fatalf("chart %s: %v", c.Name, err)
			}
		}
	}
}
