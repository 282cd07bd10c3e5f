// Package report turns benchmark result files into something a person can
// read: benchstat-equivalent tables, gonum charts and a README.md that says
// in one sentence per section what the numbers show.
//
// Why not just run benchstat? Its table code is internal to x/perf, and a
// report needs more than text: the same statistics feed charts (throughput
// with confidence intervals, log axes) and sentences ("process is 3.1×
// slower"). So this package rebuilds benchstat's pipeline on x/perf's public
// packages, and a golden test proves it prints the same numbers as a pinned
// benchstat on the same files.
//
// The pipeline goes one way, step by step, each in its files:
//
//  1. Load (load.go, reading through package results) reads files with
//     benchfmt.Files (label=path allowed), streaming. Unlike benchstat it
//     is strict: a malformed line, an undeclared custom unit, an empty or
//     missing file is an error naming file:line, because a report built on
//     half the data is worse than none. The -filter expression (benchproc
//     syntax) is applied while reading.
//  2. buildModel (model.go) computes the whole report in memory before a
//     byte of it is rendered: (a) the tables (tables.go): Set.Tables hands
//     the results to package table (report/table, the benchstat-equivalent
//     tables, readable alone), which projects them with benchproc (-table,
//     -row, -col, -ignore, benchstat's defaults), summarises each cell with
//     benchmath (median and 95% CI under AssumeNothing, or AssumeExact when
//     a Unit line says assume=exact) and compares every column with the
//     first (Mann-Whitney U, alpha 0.05); (b) the charts: Set.Points
//     (points.go) summarises one file's results per benchmark name and unit,
//     and Charts (chart.go) makes them charts: collect (collect.go) gathers
//     the series a Spec asks for (FamilyTable, spec.go, holds per family its
//     specs: which sub-name key goes on the x axis, which keys make one line
//     each, which unit to plot), chooseAxes (axes.go) picks log or linear,
//     scale and labels, and chartFor (render.go) says the chart's sentence
//     (sentence.go) and turns the series into report/chart's plain data
//     (chart.Lines, chart.Bars: series of x, y, CI and labels in the axis's
//     units). A family without an entry gets the generic chart (one bar or
//     dot per sub-benchmark), itself a Spec without X, so a new family shows
//     up with no code change. ReadSamples and HeatmapChart (heatmap.go) make
//     the sampler's per-core heatmaps; AnswerCharts (answers_md.go) the
//     Answers section's chart; (c) the summary (summary.go, summary_md.go):
//     Set.Summary answers one row per question of FamilyTable (a generic row
//     for a family without questions), one column per model (goroutine,
//     thread, process, python when present, reference), the median ± CI of
//     one file per machine (Set.Machines: a column group each), and lays out
//     its cells and verdicts from the same numbers; (d) the answers
//     (answers.go, breakeven.go): Set.AnswerTable, the break-even points of
//     every machine from the sweeps; (e) the comparison of machines
//     (machines.go), with several machines; (f) one section per family in
//     Set.Families' order.
//  3. The renderers only render the model: Tables.WriteText, WriteCSV and
//     WriteMarkdown (report/table) the tables; Picture.Render (report/chart,
//     the one place that knows fonts, colours, log ticks, the legend's
//     place) every chart as PNG and SVG; readme (write.go) the README.md,
//     with AnswerTable.WriteMarkdown, writeComparison and
//     Summary.WriteMarkdown. `concbench report -summary` prints the answers
//     and the summary; README.md's figures table is its output.
//  4. install (out.go) writes the rendered files into a temporary
//     directory beside the target and swaps it in only when every part
//     succeeded: a failed run leaves no partial report behind. The target
//     must be missing, empty, or a report directory Write made (its
//     .concbench-report marker lists its files, and it holds nothing
//     else); anything else is refused untouched (ErrNotReport), because a
//     report must never delete what it did not make.
//
// Write (write.go) runs steps 2 to 4 on a loaded Set.
//
// Two more entry points: StreamTables builds the tables while reading,
// keeping no copy of the results (the text tables of a large input), and
// LoadTrend follows every benchmark over commits, one recording each, with
// x/perf's benchseries (WriteTrend draws it). Package perfdata moves
// recordings to and from a perfdata server.
package report
