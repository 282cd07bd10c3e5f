package report

import (
	"path/filepath"
	"sort"
	"strings"
)

// model is the report in memory, computed before a byte of it is
// rendered: the tables, the charts of the newest input and of its samples,
// the summary, the answers, the comparison of machines, and one section
// per family in the report's order. The renderers (tableFiles,
// renderCharts, readme) read it and go back to the results only for what
// they print as is (files, configs).
type model struct {
	s       *Set
	newest  File   // the input the charts show
	machine string // its machine's name, "" with one machine
	tables  *Tables
	charts  []*Chart // the answers' charts, then every family's
	heat    []*Chart // the per-core heatmaps of the newest input's samples
	summary *Summary
	answers *AnswerTable // the Answers section's break-even points
	// comparison is the Comparing machines section, nil with one machine
	comparison *comparison
	// sections are the families in Set.Families' order; loose are the
	// heatmaps no Heatmaps family took.
	sections []section
	loose    []*Chart
}

// section is one family's part of the README.
type section struct {
	name   string
	charts []*Chart // the heatmaps too, in the Heatmaps family
	tables *Tables  // this family's tables alone
}

// buildModel computes the report of s: benchstat's tables with opts (each
// column named by its machine), the charts, the heatmaps, the summary, the
// answers and the comparison of machines.
func buildModel(s *Set, opts TableOptions) (*model, error) {
	opts = s.ForMachines(opts)
	names := s.MachineNames()
	m := &model{s: s, newest: s.Files[len(s.Files)-1]}
	m.machine = names[m.newest.Label]
	var err error
	if m.tables, err = s.Tables(opts); err != nil {
		return nil, err
	}
	m.tables.NameMachines(names)
	m.charts = append(s.AnswerCharts(), Charts(s.Points(""), s.Better, s.NCPU())...)
	if m.heat, err = heatmaps(samplesDir(m.newest.Path)); err != nil {
		return nil, err
	}
	nameChartMachine(m.charts, m.machine)
	nameChartMachine(m.heat, m.machine)
	m.summary = s.Summary()
	if len(m.summary.Machines) > 1 { // the README of machines lists references by label
		m.summary.sortRefs()
	}
	m.answers = s.AnswerTable()
	m.comparison = s.comparison(m.summary)
	byFam := map[string][]*Chart{}
	for _, c := range m.charts {
		byFam[c.Family] = append(byFam[c.Family], c)
	}
	m.loose = m.heat
	for _, fam := range s.Families() {
		sec := section{name: fam, charts: byFam[fam]}
		if familyInfo(fam).Heatmaps {
			sec.charts, m.loose = append(sec.charts, m.loose...), nil
		}
		if sec.tables, err = s.family(fam).Tables(opts); err != nil {
			return nil, err
		}
		sec.tables.NameMachines(names)
		m.sections = append(m.sections, sec)
	}
	return m, nil
}

// samplesDir is the sampler's directory for a result file.
func samplesDir(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".samples"
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
