package report

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestTwoMachineReport renders the report of two machines
// (testdata/machines/a.txt and b.txt, cut by mk.py from the committed
// recordings of hosts 8ecd64460d00 and c32ac51fa19a) and compares its
// README.md with testdata/machines/README.golden.md (go test ./report -run
// TestTwoMachineReport -update rewrites it). Beyond the golden: the
// machine is named in every chart, table column and comparison, "vs base"
// appears nowhere, the differences in settings, config and kernel
// reference are warned about, and the summary compares only what both
// machines ran (A has Pool chunk=64 alone, B also chunk=512).
func TestTwoMachineReport(t *testing.T) {
	s, err := Load([]string{"testdata/machines/a.txt", "testdata/machines/b.txt"}, "")
	if err != nil {
		t.Fatal(err)
	}
	files, err := renderReport(s, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.name] = f.data
	}
	md := byName["README.md"]
	const golden = "testdata/machines/README.golden.md"
	if *update {
		if err := os.WriteFile(golden, md, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, want) {
		t.Errorf("README.md differs from %s (go test ./report -run TestTwoMachineReport -update, then review the diff)", golden)
	}
	for _, name := range []string{"README.md", "tables.txt", "tables.csv"} {
		if bytes.Contains(byName[name], []byte("vs base")) {
			t.Errorf("%s says \"vs base\" across machines", name)
		}
		if !bytes.Contains(byName[name], []byte("machine B / machine A")) {
			t.Errorf("%s lacks \"machine B / machine A\"", name)
		}
	}
	text := string(md)
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "### ") && !strings.HasSuffix(line, "(machine B)") {
			t.Errorf("chart title without its machine: %q", line)
		}
		if strings.HasPrefix(line, "| benchmark |") && !strings.Contains(line, "(machine A: ") && !strings.Contains(line, "| machine A: ") && !strings.Contains(line, "| machine B: ") {
			t.Errorf("table header without machines: %q", line)
		}
	}
	for _, want := range []string{
		"Machines A (host `8ecd64460d00`), B (host `c32ac51fa19a`).",
		"2 runs on A, 10 on B: BusyLoop",
		"config lines differ: process-worker",
		"the kernel's own reference differs: tool=perf-sched-pipe/peer=process 44.68µs/op on A, 12.39µs/op on B",
		"| per-task overhead, no-op task, 1 worker (`Scale`), reference perf bench sched pipe | process | B / A | 0.31× | 1.1× |",
		"[21.25ns/item ±7%](#pool) 1.5×A", // chunk=64 on both, not B's chunk=512
	} {
		if !strings.Contains(text, want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
}

// TestModelHoldsAnswersAndComparison checks that buildModel computes the
// Answers and Comparing machines sections before rendering: the model of
// two machines holds both machines' answers and the comparison's warnings
// and scaled ratios, and rendering them from the model alone gives the
// README's text.
func TestModelHoldsAnswersAndComparison(t *testing.T) {
	s, err := Load([]string{"testdata/machines/a.txt", "testdata/machines/b.txt"}, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := buildModel(s, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.answers == nil || len(m.answers.Per) != 2 || len(m.answers.Keys) == 0 {
		t.Fatalf("model's answers = %+v, want the keys of two machines", m.answers)
	}
	c := m.comparison
	if c == nil || len(c.machines) != 2 || len(c.warnings) == 0 || len(c.scaled) == 0 {
		t.Fatalf("model's comparison = %+v, want two machines, warnings and scaled ratios", c)
	}
	md, err := readme(m)
	if err != nil {
		t.Fatal(err)
	}
	var ans, cmp strings.Builder
	if err := m.answers.WriteMarkdown(&ans, ""); err != nil {
		t.Fatal(err)
	}
	writeComparison(&cmp, c)
	for name, part := range map[string]string{"answers": ans.String(), "comparison": cmp.String()} {
		if part == "" || !strings.Contains(string(md), part) {
			t.Errorf("README.md lacks the %s rendered from the model:\n%s", name, part)
		}
	}
	var none strings.Builder
	if writeComparison(&none, nil); none.Len() != 0 {
		t.Errorf("comparison of one machine wrote %q", none.String())
	}
}
