package report

import (
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/cmpimg"
)

// TestChartGoldens renders one chart of each kind from testdata/suite.txt
// and compares it, pixel for pixel, with testdata/charts/<name>_golden.png:
// a broken axis, a lost series or an empty plot fails here instead of in a
// reader's eyes. After a deliberate change, `go test ./report -run
// TestChartGoldens -regen` rewrites the goldens.
func TestChartGoldens(t *testing.T) {
	s, err := Load([]string{"testdata/suite.txt"}, "")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Chart{}
	for _, c := range Charts(s.Points(""), s.Better) {
		byName[c.Name] = c
	}
	smp, err := ReadSamples("testdata/suite.samples/busyloop_model=python-threads.csv")
	if err != nil {
		t.Fatal(err)
	}
	heat := HeatmapChart(smp)
	byName[heat.Name] = heat
	for _, name := range []string{
		"scale-kind=cpu-kernel=sha256",        // log-log lines, throughput
		"ipc-pattern=pingpong-peer=goroutine", // log-log with a dashed p99
		"spawn",                               // categories, reference line
		"mystery",                             // generic: dots on a log axis
		"busyloop",                            // generic: bars
		"samples-busyloop_model=python-threads",
	} {
		c := byName[name]
		if c == nil {
			t.Errorf("no chart %s", name)
			continue
		}
		file := filepath.Join("charts", name+".png")
		t.Cleanup(func() { os.Remove(filepath.Join("testdata", file)) })
		cmpimg.CheckPlot(func() {
			f, err := os.Create(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := c.Render(f, "png"); err != nil {
				t.Fatal(err)
			}
		}, t, file)
	}
}
