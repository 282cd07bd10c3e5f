package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/concbench/concbench/report/table"
)

// Write renders the full report for s into dir: README.md (config, one
// section per benchmark family with its sentences, charts and tables),
// every chart as PNG and SVG, and the tables as tables.txt and tables.csv.
// Per-core samples are read from the .samples directory next to the newest
// input (results/<host>/<stamp>.samples/*.csv), when there is one.
//
// dir may be missing, empty, or a report directory an earlier Write made
// (see out.go); anything else is refused with an error wrapping
// ErrNotReport, before any work and untouched. The report is rendered in
// memory, written into a temporary directory beside dir and swapped in only
// when all of it succeeded: on error, or when killed, the old report in dir
// is as it was.
func Write(dir string, s *Set, opts TableOptions) error {
	dir = filepath.Clean(dir)
	if _, _, err := checkOut(dir); err != nil {
		return err
	}
	files, err := renderReport(s, opts)
	if err != nil {
		return err
	}
	return install(dir, files)
}

// samplesDir is the sampler's directory for a result file.
func samplesDir(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".samples"
}

// renderReport makes every file of the report: the tables, the charts of the
// newest input, the heatmaps of its samples and the README that ties them.
func renderReport(s *Set, opts TableOptions) ([]outFile, error) {
	opts = s.ForMachines(opts)
	files, err := tableFiles(s, opts)
	if err != nil {
		return nil, err
	}
	charts := append(s.AnswerCharts(), Charts(s.Points(""), s.Better, s.NCPU())...)
	heat, err := heatmaps(samplesDir(s.Files[len(s.Files)-1].Path))
	if err != nil {
		return nil, err
	}
	newest := s.MachineNames()[s.Files[len(s.Files)-1].Label]
	nameChartMachine(charts, newest)
	nameChartMachine(heat, newest)
	pics, err := renderCharts(append(append([]*Chart{}, charts...), heat...))
	if err != nil {
		return nil, err
	}
	files = append(files, pics...)
	md, err := readme(s, opts, charts, heat)
	if err != nil {
		return nil, err
	}
	return append(files, outFile{"README.md", md}), nil
}

// renderCharts renders every chart as PNG and SVG, GOMAXPROCS charts at a
// time (PNG compression is most of a report's time, on one core without
// this). The files come in the charts' order, and the first error in that
// order is the one returned, so the output does not depend on scheduling.
func renderCharts(charts []*Chart) ([]outFile, error) {
	exts := []string{"png", "svg"}
	files := make([]outFile, len(charts)*len(exts))
	errs := make([]error, len(files))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range files {
		c, ext := charts[i/len(exts)], exts[i%len(exts)]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var b bytes.Buffer
			errs[i] = c.Render(&b, ext)
			files[i] = outFile{c.Name + "." + ext, b.Bytes()}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// tableFiles are tables.txt and tables.csv.
func tableFiles(s *Set, opts TableOptions) ([]outFile, error) {
	all, err := s.Tables(opts)
	if err != nil {
		return nil, err
	}
	all.NameMachines(s.MachineNames())
	var txt, csvOut, csvWarn bytes.Buffer
	if err := all.WriteText(&txt); err != nil {
		return nil, err
	}
	if err := all.WriteCSV(&csvOut, &csvWarn); err != nil {
		return nil, err
	}
	return []outFile{{"tables.txt", txt.Bytes()}, {"tables.csv", csvOut.Bytes()}}, nil
}

// heatmaps draws one heatmap per benchmark of the samples in dir (none
// when there is no such directory).
func heatmaps(dir string) ([]*Chart, error) {
	csvs, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	sort.Strings(csvs)
	var all []*Samples
	for _, p := range csvs {
		smp, err := ReadSamples(p)
		if err != nil {
			return nil, err
		}
		all = append(all, smp)
	}
	var heat []*Chart
	for _, smp := range Representatives(all) {
		heat = append(heat, HeatmapChart(smp))
	}
	return heat, nil
}

// readme is README.md: what it was made from, the machine, then a section
// per family.
func readme(s *Set, opts TableOptions, charts, heat []*Chart) ([]byte, error) {
	newest := s.Files[len(s.Files)-1]
	var md strings.Builder
	md.WriteString("# concbench report\n\n")
	ms := s.Machines()
	if len(ms) > 1 {
		var parts []string
		for _, m := range ms {
			parts = append(parts, fmt.Sprintf("%s (host `%s`)", m.Name, configValue(m.File, "host-id")))
		}
		fmt.Fprintf(&md, "Machines %s. ", strings.Join(parts, ", "))
	} else if h := configValue(newest, "host-id"); h != "" {
		fmt.Fprintf(&md, "Host `%s`. ", h)
	}
	var names []string
	for _, f := range s.Files {
		names = append(names, fmt.Sprintf("`%s` (%d results)", f.Path, f.Results))
	}
	fmt.Fprintf(&md, "Made by `concbench report` from %s. ", strings.Join(names, ", "))
	shows := "the newest input"
	if len(ms) > 1 {
		shows += ", machine " + s.MachineNames()[newest.Label]
	}
	md.WriteString("Tables are benchstat's: median ± 95% confidence interval; with several inputs every column is compared with the first " +
		"(Mann-Whitney U test, `~` = no significant difference at p < 0.05). Charts show " + shows + "; whiskers are the 95% CI. " +
		"Plain-text and CSV tables: [tables.txt](tables.txt), [tables.csv](tables.csv).\n\n")
	if err := answersSection(&md, s, charts); err != nil {
		return nil, err
	}
	sum := s.Summary()
	s.writeComparison(&md, sum)
	md.WriteString("## Summary\n\n")
	if err := sum.WriteMarkdown(&md, ""); err != nil {
		return nil, err
	}
	md.WriteString("\n## Machine\n\n")
	machine := map[string]string{}
	for _, m := range s.Machines() {
		machine[machineKey(m.File)] = m.Name
	}
	for _, f := range s.Files {
		switch {
		case len(machine) > 1:
			fmt.Fprintf(&md, "`%s` (machine %s):\n\n", f.Label, machine[machineKey(f)])
		case len(s.Files) > 1:
			fmt.Fprintf(&md, "`%s`:\n\n", f.Label)
		}
		md.WriteString("| key | value |\n| :-- | :-- |\n")
		for _, c := range f.Config {
			fmt.Fprintf(&md, "| %s | %s |\n", table.EscapeMarkdown(c.Key), table.EscapeMarkdown(c.Value))
		}
		md.WriteString("\n")
	}
	byFam := map[string][]*Chart{}
	for _, c := range charts {
		byFam[c.Family] = append(byFam[c.Family], c)
	}
	for _, fam := range s.Families() {
		cs := byFam[fam]
		if familyInfo(fam).Heatmaps {
			cs, heat = append(cs, heat...), nil
		}
		if err := familySection(&md, s, fam, cs, opts); err != nil {
			return nil, err
		}
	}
	if len(heat) > 0 {
		md.WriteString("## Per-core samples\n\n")
		for _, c := range heat {
			writeChart(&md, c)
		}
	}
	return []byte(md.String()), nil
}

// familySection is one family's part of the README: its summary line, its
// charts, and its tables (the first open, the others folded).
func familySection(md *strings.Builder, s *Set, fam string, charts []*Chart, opts TableOptions) error {
	fmt.Fprintf(md, "## %s\n\n", fam)
	if sum := familySummary(charts); sum != "" {
		if m := s.MachineNames()[s.Files[len(s.Files)-1].Label]; m != "" {
			sum = "Machine " + m + ": " + sum
		}
		md.WriteString(sum + "\n\n")
	}
	for _, c := range charts {
		writeChart(md, c)
	}
	ts, err := s.family(fam).Tables(opts)
	if err != nil {
		return err
	}
	ts.NameMachines(s.MachineNames())
	for i, t := range ts.Tables {
		one := &Tables{Tables: []*Table{t}}
		var tb strings.Builder
		if err := one.WriteMarkdownShown(&tb, s.Files[len(s.Files)-1].Config); err != nil {
			return err
		}
		title := fmt.Sprintf("%s, %s", fam, t.Unit)
		if i == 0 {
			fmt.Fprintf(md, "**Table: %s.** %s\n\n%s\n", title, t.Sentence(), tb.String())
		} else {
			fmt.Fprintf(md, "<details><summary>Table: %s</summary>\n\n%s\n\n%s\n</details>\n\n", title, t.Sentence(), tb.String())
		}
	}
	return nil
}

func writeChart(md *strings.Builder, c *Chart) {
	fmt.Fprintf(md, "### %s\n\n%s\n\n![%s](%s.png)\n\n([SVG](%s.svg))\n\n", c.Title, c.Sentence, c.Title, c.Name, c.Name)
}

func configValue(f File, key string) string {
	for _, c := range f.Config {
		if c.Key == key {
			return c.Value
		}
	}
	return ""
}

// Families lists the benchmark families (base names without "Benchmark")
// in the report's order: FamilyTable's (the seeds' order), then families
// without an entry in input order, then the Last ones (reference figures,
// the suite's own costs).
func (s *Set) Families() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.Results {
		f := strings.TrimPrefix(string(r.Name.Base()), "Benchmark")
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	rank := func(f string) int {
		for i, e := range FamilyTable {
			if e.Name == f && e.Last {
				return len(FamilyTable) + 1 + i
			} else if e.Name == f {
				return i
			}
		}
		return len(FamilyTable)
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// family is the subset of s in one family, sharing units and filter.
func (s *Set) family(fam string) *Set {
	sub := &Set{Units: s.Units, Files: s.Files, filter: s.filter}
	for _, r := range s.Results {
		if strings.TrimPrefix(string(r.Name.Base()), "Benchmark") == fam {
			sub.Results = append(sub.Results, r)
		}
	}
	return sub
}
