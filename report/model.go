package report

import (
	"path/filepath"
	"sort"
	"strings"
)

// model is the report in memory, computed before a byte of it is
// rendered: the tables, the charts of the newest input and of its samples,
// the summary, and one section per family in the report's order. The
// renderers (tableFiles, renderCharts, readme) read it and go back to the
// results only for what they print as is (files, configs, answers).
type model struct {
	s       *Set
	newest  File   // the input the charts show
	machine string // its machine's name, "" with one machine
	tables  *Tables
	charts  []*Chart // the answers' charts, then every family's
	heat    []*Chart // the per-core heatmaps of the newest input's samples
	summary *Summary
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
// column named by its machine), the charts, the heatmaps, the summary.
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
