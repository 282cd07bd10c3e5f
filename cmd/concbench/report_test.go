package main

import (
	"bytes"
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
