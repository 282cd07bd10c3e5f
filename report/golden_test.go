package report

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "regenerate testdata/golden from the pinned benchstat (needs the go command and the module proxy or cache)")

// goldenCase is one line of testdata/golden/cases.txt: a benchstat command
// line whose expected text and CSV outputs were produced by the benchstat of
// the x/perf version that go.mod pins.
type goldenCase struct {
	name string
	args []string
}

func readCases(t *testing.T) []goldenCase {
	f, err := os.Open("testdata/golden/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []goldenCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("cases.txt: no tab in %q", line)
		}
		out = append(out, goldenCase{name, splitArgs(rest)})
	}
	return out
}

// splitArgs splits like a shell for the simple cases in cases.txt: spaces
// separate words, double quotes group them.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	inQ, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQ, have = !inQ, true
		case r == ' ' && !inQ:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// pinnedBenchstat runs benchstat at the x/perf version in go.mod: the
// module's `tool golang.org/x/perf/cmd/benchstat` line.
func pinnedBenchstat(t *testing.T, dir string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "benchstat"}, args...)...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("go tool benchstat %v: %v\n%s", args, err, e.Bytes())
	}
	return o.Bytes(), e.Bytes()
}

// TestGoldenIsBenchstat proves the stored golden files are what the pinned
// benchstat prints today, byte for byte, so TestGolden compares the report
// with benchstat itself and not with an old copy. (-short skips it: it
// builds benchstat.)
func TestGoldenIsBenchstat(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds benchstat")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("no go on PATH: %v", err)
	}
	for _, c := range readCases(t) {
		t.Run(c.name, func(t *testing.T) {
			base, err := filepath.Abs(filepath.Join("testdata", "golden", c.name))
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Dir(filepath.Dir(base))
			txt, _ := pinnedBenchstat(t, dir, c.args...)
			csvOut, csvWarn := pinnedBenchstat(t, dir, append([]string{"-format", "csv"}, c.args...)...)
			for ext, got := range map[string][]byte{".txt": txt, ".csv": csvOut, ".csv.warn": csvWarn} {
				want, err := os.ReadFile(base + ext)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s%s differs from what the pinned benchstat prints now (go test ./report -run TestGolden -update)", c.name, ext)
				}
			}
		})
	}
}

// render runs this package on a benchstat command line.
func render(t *testing.T, dir string, args []string, format string) (out, warn []byte) {
	t.Helper()
	var o Options
	fs := flag.NewFlagSet("golden", flag.ContinueOnError)
	o.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir) // benchfmt names inputs by the paths given
	s, err := Load(fs.Args(), o.Filter)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := s.Tables(o.TableOptions)
	if err != nil {
		t.Fatal(err)
	}
	var b, w bytes.Buffer
	switch format {
	case "text":
		err = ts.WriteText(&b)
	case "csv":
		err = ts.WriteCSV(&b, &w)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.Bytes()
}

// tokens drops benchstat's box rules and spacing: what must match is every
// label, center, ± range, delta and p-value, in order, line by line.
func tokens(b []byte) [][]string {
	var out [][]string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(strings.ReplaceAll(line, "│", " "))
		if len(f) > 0 {
			out = append(out, f)
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, c := range readCases(t) {
		t.Run(c.name, func(t *testing.T) {
			base, err := filepath.Abs(filepath.Join("testdata", "golden", c.name))
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				txt, _ := pinnedBenchstat(t, filepath.Dir(filepath.Dir(base)), c.args...)
				csvOut, csvWarn := pinnedBenchstat(t, filepath.Dir(filepath.Dir(base)), append([]string{"-format", "csv"}, c.args...)...)
				for ext, b := range map[string][]byte{".txt": txt, ".csv": csvOut, ".csv.warn": csvWarn} {
					if err := os.WriteFile(base+ext, b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			wantTxt, err := os.ReadFile(base + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			gotTxt, _ := render(t, filepath.Dir(filepath.Dir(base)), c.args, "text")
			want, got := tokens(wantTxt), tokens(gotTxt)
			for i := 0; i < max(len(want), len(got)); i++ {
				var w, g []string
				if i < len(want) {
					w = want[i]
				}
				if i < len(got) {
					g = got[i]
				}
				if strings.Join(w, " ") != strings.Join(g, " ") {
					t.Errorf("text line %d:\nbenchstat: %s\nreport:    %s", i+1, strings.Join(w, " "), strings.Join(g, " "))
				}
			}
			if t.Failed() {
				t.Logf("report text:\n%s", gotTxt)
			}
			// CSV carries full-precision centers: it must match byte for byte.
			wantCSV, err := os.ReadFile(base + ".csv")
			if err != nil {
				t.Fatal(err)
			}
			wantWarn, err := os.ReadFile(base + ".csv.warn")
			if err != nil {
				t.Fatal(err)
			}
			gotCSV, gotWarn := render(t, filepath.Dir(filepath.Dir(base)), c.args, "csv")
			if !bytes.Equal(gotCSV, wantCSV) {
				t.Errorf("csv differs from benchstat:\n--- benchstat\n%s\n--- report\n%s", wantCSV, gotCSV)
			}
			if !bytes.Equal(gotWarn, wantWarn) {
				t.Errorf("csv warnings differ:\n--- benchstat\n%s\n--- report\n%s", wantWarn, gotWarn)
			}
		})
	}
}
