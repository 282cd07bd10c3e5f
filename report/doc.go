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
// The pipeline, in the order a caller uses it:
//
//  1. Load reads files with benchfmt.Files (label=path allowed), streaming.
//     Unlike benchstat it is strict: a malformed line, an undeclared custom
//     unit, an empty or missing file is an error naming file:line, because a
//     report built on half the data is worse than none. The -filter
//     expression (benchproc syntax) is applied while reading.
//  2. Set.Tables hands the results to package table (report/table, the
//     benchstat-equivalent tables, readable alone), which projects them with
//     benchproc (-table, -row, -col, -ignore, benchstat's defaults),
//     summarises each cell with benchmath (median and 95% CI under
//     AssumeNothing, or AssumeExact when a Unit line says assume=exact) and
//     compares every column with the first (Mann-Whitney U, alpha 0.05).
//     Tables.WriteText, WriteCSV and WriteMarkdown render them, scaled with
//     benchunit.
//  3. Set.Points summarises one file's results (the newest by default) per
//     benchmark name and unit for charts, and Charts turns them into pictures
//     in three steps: collect the series a Spec asks for (FamilyTable holds,
//     per benchmark family, its specs: which sub-name key goes on the x axis,
//     which keys make one line each, which unit to plot), choose the axes
//     (log or linear, scale, label), render (package chart, report/chart,
//     owns the drawing: fonts, colours, log ticks, the legend's place, PNG
//     and SVG). A family without an entry gets
//     the generic chart (one bar or dot per sub-benchmark), itself a Spec
//     without X, so a new family shows up in the report with no code change,
//     and looks better with a one-entry table row. ReadSamples (through
//     sampler.ReadCSV) and HeatmapChart draw the sampler's per-core CSVs.
//  4. Set.Summary answers first: one row per question of FamilyTable (a
//     generic row for a family without questions), one column per model
//     (goroutine, thread, process, python when present, reference), the
//     median ± CI of one file per machine (Set.Machines: a column group
//     each), and verdicts computed from the same numbers. `concbench
//     report -summary` prints it; README.md's figures table is its output.
//  5. Write goes one way: it builds the report's model first (the tables,
//     the charts, the heatmaps, the summary and one section per family,
//     nothing rendered yet), then renders it (tables.txt and tables.csv,
//     PNG and SVG pictures, README.md) in memory, then installs: it writes it into a temporary directory beside the target and
//     swaps it in only when every part succeeded: a failed run leaves no
//     partial report behind. The target must be missing, empty, or a report
//     directory Write made (its .concbench-report marker lists its files, and
//     it holds nothing else); anything else is refused untouched
//     (ErrNotReport), because a report must never delete what it did not make.
//
// Two more entry points: StreamTables builds the tables while reading,
// keeping no copy of the results (the text tables of a large input), and
// LoadTrend follows every benchmark over commits, one recording each, with
// x/perf's benchseries (WriteTrend draws it). Package perfdata moves
// recordings to and from a perfdata server.
package report
