package report

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// committedRecording is the committed recording; 20 copies of it are the issue's
// 100,040-line input.
const committedRecording = "../results/c32ac51fa19a/20261201T192635Z.txt"

// writeRecording20 concatenates the committed recording 20 times.
func writeRecording20(tb testing.TB) string {
	b, err := os.ReadFile(committedRecording)
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(tb.TempDir(), "x20.txt")
	if err := os.WriteFile(p, bytes.Repeat(b, 20), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// tools builds concbench into dir and finds the pinned benchstat.
func tools(tb testing.TB, dir string) (concbench, benchstat string) {
	cb := filepath.Join(dir, "concbench")
	if out, err := exec.Command("go", "build", "-o", cb, "../cmd/concbench").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v: %s", err, out)
	}
	bs, err := exec.Command("go", "tool", "-n", "benchstat").Output()
	if err != nil {
		tb.Fatalf("go tool -n benchstat: %v", err)
	}
	return cb, strings.TrimSpace(string(bs))
}

// timed runs a command and returns its wall time and peak RSS; its
// stdout must contain want. The peak is measured by /usr/bin/time, which
// forks the command from its own small process: a child started straight
// from this test (vfork, then exec) would inherit the test's high-water
// RSS in its rusage, and every tool would seem to need 30 MB.
func timed(tb testing.TB, want string, name string, args ...string) (time.Duration, float64) {
	rss := filepath.Join(tb.TempDir(), "rss")
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rss, name}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %v: %v: %s", name, args, err, errb.String())
	}
	d := time.Since(start)
	if !strings.Contains(out.String(), want) {
		tb.Fatalf("%s %v: output lacks %q", filepath.Base(name), args, want)
	}
	b, err := os.ReadFile(rss)
	if err != nil {
		tb.Fatal(err)
	}
	var kib float64
	if _, err := fmt.Sscan(string(b), &kib); err != nil {
		tb.Fatalf("/usr/bin/time: %q: %v", b, err)
	}
	return d, kib / 1024
}

var speedUnits sync.Once

// BenchmarkSideBySide100k runs, in one op, benchstat, `concbench report
// -format text` and `concbench report -o DIR` on the committed committedRecording
// concatenated 20 times (100,040 result lines), each a child process, and
// reports each one's wall time and peak RSS: the targets are text
// within 1.2× benchstat's time and 2× its memory, the full report ≤ 2 s.
// One op = the three commands.
func BenchmarkSideBySide100k(b *testing.B) {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		b.Skip("needs /usr/bin/time for the peak RSS of each command")
	}
	in := writeRecording20(b)
	tmp := b.TempDir()
	cb, bs := tools(b, tmp)
	out := filepath.Join(tmp, "report")
	speedUnits.Do(func() {
		for _, u := range []string{"benchstat-s", "text-s", "full-s", "benchstat-MB", "text-MB", "full-MB"} {
			fmt.Printf("Unit %s better=lower\n", u)
		}
	})
	var sum [6]float64
	for b.Loop() {
		d1, m1 := timed(b, "geomean", bs, in)
		d2, m2 := timed(b, "geomean", cb, "report", "-format", "text", in)
		d3, m3 := timed(b, "geomean", cb, "report", "-o", out, in)
		for i, v := range []float64{d1.Seconds(), d2.Seconds(), d3.Seconds(), m1, m2, m3} {
			sum[i] += v
		}
	}
	if _, err := os.Stat(filepath.Join(out, "README.md")); err != nil {
		b.Fatal(err)
	}
	for i, u := range []string{"benchstat-s", "text-s", "full-s", "benchstat-MB", "text-MB", "full-MB"} {
		b.ReportMetric(sum[i]/float64(b.N), u)
	}
}

// TestStreamTablesSameAsLoad: the streamed tables are the loaded ones,
// text byte for byte, for single files, A/B pairs and projections.
func TestStreamTablesSameAsLoad(t *testing.T) {
	for _, c := range []struct {
		files []string
		opts  TableOptions
	}{
		{[]string{"testdata/old.txt"}, TableOptions{}},
		{[]string{"testdata/old.txt", "testdata/new.txt"}, TableOptions{}},
		{[]string{"testdata/models.txt"}, TableOptions{Col: "/model"}},
		{[]string{committedRecording}, TableOptions{Row: "/workers"}},
	} {
		s, err := Load(c.files, "")
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.Tables(c.opts)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := StreamTables(c.files, "", c.opts)
		if err != nil {
			t.Fatal(err)
		}
		var wb, gb strings.Builder
		want.WriteText(&wb)
		got.WriteText(&gb)
		if wb.String() != gb.String() || wb.Len() == 0 {
			t.Errorf("%v %+v: streamed tables differ from loaded ones", c.files, c.opts)
		}
	}
	if _, _, err := StreamTables([]string{"testdata/old.txt"}, "", TableOptions{Col: "(("}); err == nil || !strings.Contains(err.Error(), "-col") {
		t.Errorf("bad -col: %v", err)
	}
}
