package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportBadInput: each bad input is exit 2, one stderr line naming the
// file (and line), no stdout, and no report directory.
func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.txt", "BenchmarkA-2 100 12 ns/op\n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"malformed", []string{write("bad.txt", "BenchmarkA-2 100 12 ns/op\nBenchmarkA-2 100 x ns/op\n")}, "bad.txt:2: parsing measurement"},
		{"unknown unit", []string{write("unit.txt", "BenchmarkA-2 100 12 ns/op 4 frobs/op\n")}, `unit.txt:1: unit "frobs/op" is not declared`},
		{"empty", []string{good, write("empty.txt", "")}, "empty.txt: no benchmark results"},
		{"missing", []string{filepath.Join(dir, "nope.txt")}, "nope.txt: no such file"},
		{"no files", nil, "no input files"},
		{"bad format", []string{"-format", "html", good}, `-format "html"`},
		{"bad col", []string{"-col", "((", good}, `-col "((": syntax error`},
		{"bad filter", []string{"-filter", "((", good}, `-filter "((": syntax error`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "report-"+strings.ReplaceAll(c.name, " ", "-"))
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"report", "-o", out}, c.args...), &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			msg := stderr.String()
			if !strings.Contains(msg, c.want) || strings.Count(msg, "\n") != 1 {
				t.Errorf("stderr %q: want one line containing %q", msg, c.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %q", stdout.String())
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("report directory %s exists after an error", out)
			}
		})
	}
}

func TestReportFormats(t *testing.T) {
	in := filepath.Join("..", "..", "report", "testdata", "old.txt")
	for format, want := range map[string]string{
		"text": "geomean",
		"md":   "| benchmark | old.txt (sec/op) |",
		"csv":  ",sec/op,CI",
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"report", "-format", format, "O=" + in}, &stdout, &stderr); code != 0 {
			t.Fatalf("-format %s: exit %d: %s", format, code, stderr.String())
		}
		got := strings.ReplaceAll(stdout.String(), "old.txt", "")
		if !strings.Contains(strings.ReplaceAll(stdout.String(), "O (", "old.txt ("), want) && !strings.Contains(got, strings.ReplaceAll(want, "old.txt", "")) {
			t.Errorf("-format %s output lacks %q:\n%s", format, want, stdout.String())
		}
	}
	out := filepath.Join(t.TempDir(), "r")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"report", "-o", out, "-col", "/model", "-filter", ".name:Scale", in}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "README.md")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(stderr.String(), "README.md") {
		t.Errorf("stderr does not say where the report is: %q", stderr.String())
	}
}

// readmeRecording is the recording README.md's figures table is made from.
const readmeRecording = "results/4574e3538ae6/20261207T203942Z.txt"

// summarySection is the text of README.md between the summary markers.
// Regenerate it with
//
//	go run ./cmd/concbench report -summary results/8ecd64460d00/20261201T234934Z.txt
//
// and paste the output between the markers.
func summarySection(readme string) (string, error) {
	const begin, end = "<!-- summary:begin -->\n", "<!-- summary:end -->"
	_, rest, ok := strings.Cut(readme, begin)
	if !ok {
		return "", fmt.Errorf("no %q line", strings.TrimSpace(begin))
	}
	body, _, ok := strings.Cut(rest, end)
	if !ok {
		return "", fmt.Errorf("no %q line after %q", end, strings.TrimSpace(begin))
	}
	return body, nil
}

// checkSummary compares a README with the summary of its recording: both
// are what `concbench report -summary` prints, byte for byte.
func checkSummary(readme, recording string) error {
	want, err := summarySection(readme)
	if err != nil {
		return err
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"report", "-summary", recording}, &stdout, &stderr); code != 0 {
		return fmt.Errorf("report -summary %s: exit %d: %s", recording, code, stderr.String())
	}
	if got := stdout.String(); got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				return fmt.Errorf("README.md's summary differs from `concbench report -summary %s` at its line %d:\nREADME: %s\nreport: %s",
					recording, i+1, w, g)
			}
		}
	}
	return nil
}

// TestReadmeSummary: README.md's figures table is the generated summary of
// the committed recording, so it cannot drift from the data.
func TestReadmeSummary(t *testing.T) {
	t.Chdir("../..")
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkSummary(string(b), readmeRecording); err != nil {
		t.Errorf("%v\nregenerate: go run ./cmd/concbench report -summary %s, pasted between the markers", err, readmeRecording)
	}
}

// TestCheckSummaryFails: a README whose table was edited by hand, or has
// no markers, fails the check.
func TestCheckSummaryFails(t *testing.T) {
	t.Chdir("../..")
	var out, errb bytes.Buffer
	if code := run([]string{"report", "-summary", readmeRecording}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	good := "# x\n<!-- summary:begin -->\n" + out.String() + "<!-- summary:end -->\nrest\n"
	if err := checkSummary(good, readmeRecording); err != nil {
		t.Fatalf("a README with the generated summary fails: %v", err)
	}
	for name, readme := range map[string]string{
		"edited":     strings.Replace(good, "goroutine is fastest", "thread is fastest", 1),
		"no markers": "# x\n" + out.String(),
		"no end":     "# x\n<!-- summary:begin -->\n" + out.String(),
	} {
		if err := checkSummary(readme, readmeRecording); err == nil {
			t.Errorf("%s: check passed", name)
		}
	}
}

// TestReportTwoMachines: files from two machines get a heading that names
// each column's machine above the tables, which compare them.
func TestReportTwoMachines(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, m := range []struct{ name, cpu, ns string }{{"a.txt", "Intel(R) Xeon(R) Processor", "1000"}, {"b.txt", "AMD EPYC 7B13", "2000"}} {
		var b strings.Builder
		fmt.Fprintf(&b, "cpu: %s\nncpu: 2\nkernel: 6.1\ngo: go1.26.8\nhost-id: %s\n", m.cpu, m.name)
		for i := range 6 {
			fmt.Fprintf(&b, "BenchmarkSpawn/model=goroutine-2 100 %s%d ns/op\n", m.ns, i)
		}
		p := filepath.Join(dir, m.name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	var out, errb bytes.Buffer
	if code := run(append([]string{"report"}, files...), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		files[0] + ": machine A, Intel(R) Xeon(R) Processor, 2 cores, kernel 6.1, go1.26.8, host a.txt\n",
		files[1] + ": machine B, AMD EPYC 7B13, 2 cores, kernel 6.1, go1.26.8, host b.txt\n",
		"+99.98% (p=0.002 n=6)", // one table, B compared with A
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
