package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
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

// renderReport makes every file of the report from its model: the
// tables, the charts of the newest input and the heatmaps of its samples as
// pictures, and the README that ties them.
func renderReport(s *Set, opts TableOptions) ([]outFile, error) {
	m, err := buildModel(s, opts)
	if err != nil {
		return nil, err
	}
	files, err := tableFiles(m.tables)
	if err != nil {
		return nil, err
	}
	pics, err := renderCharts(append(append([]*Chart{}, m.charts...), m.heat...))
	if err != nil {
		return nil, err
	}
	files = append(files, pics...)
	md, err := readme(m)
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
func tableFiles(all *Tables) ([]outFile, error) {
	var txt, csvOut, csvWarn bytes.Buffer
	if err := all.WriteText(&txt); err != nil {
		return nil, err
	}
	if err := all.WriteCSV(&csvOut, &csvWarn); err != nil {
		return nil, err
	}
	return []outFile{{"tables.txt", txt.Bytes()}, {"tables.csv", csvOut.Bytes()}}, nil
}

// readme is README.md: what it was made from, the machine, then a section
// per family.
func readme(m *model) ([]byte, error) {
	s, newest := m.s, m.newest
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
		shows += ", machine " + m.machine
	}
	md.WriteString("Tables are benchstat's: median ± 95% confidence interval; with several inputs every column is compared with the first " +
		"(Mann-Whitney U test, `~` = no significant difference at p < 0.05). Charts show " + shows + "; whiskers are the 95% CI. " +
		"Plain-text and CSV tables: [tables.txt](tables.txt), [tables.csv](tables.csv).\n\n")
	if err := answersSection(&md, m.answers, m.charts); err != nil {
		return nil, err
	}
	writeComparison(&md, m.comparison)
	md.WriteString("## Summary\n\n")
	if err := m.summary.WriteMarkdown(&md, ""); err != nil {
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
	for _, sec := range m.sections {
		if err := familySection(&md, m, sec); err != nil {
			return nil, err
		}
	}
	if len(m.loose) > 0 {
		md.WriteString("## Per-core samples\n\n")
		for _, c := range m.loose {
			writeChart(&md, c)
		}
	}
	return []byte(md.String()), nil
}

// familySection is one family's part of the README: its summary line, its
// charts, and its tables (the first open, the others folded).
func familySection(md *strings.Builder, m *model, sec section) error {
	fmt.Fprintf(md, "## %s\n\n", sec.name)
	if sum := familySummary(sec.charts); sum != "" {
		if m.machine != "" {
			sum = "Machine " + m.machine + ": " + sum
		}
		md.WriteString(sum + "\n\n")
	}
	for _, c := range sec.charts {
		writeChart(md, c)
	}
	for i, t := range sec.tables.Tables {
		one := &Tables{Tables: []*Table{t}}
		var tb strings.Builder
		if err := one.WriteMarkdownShown(&tb, m.newest.Config); err != nil {
			return err
		}
		title := fmt.Sprintf("%s, %s", sec.name, t.Unit)
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
