// Package chart draws the report's pictures with gonum/plot: the one place
// that knows fonts, colours, log axes and how a plot and its legend share a
// page.
//
// A chart's data is plain: Lines (one Series per line: x, y, its 95% CI,
// tick labels, an Extra unit; a reference line; the machine's cores) or
// Bars (one value per category), in the value axis's units; their Plot
// methods draw them. A caller builds a Picture: its size, the number of
// series it draws, and a Build function that makes the plot and its
// legend: Lines.Plot, Bars.Plot, or its own, using NewPlot (the report's
// fonts), SeriesColor (eleven colours no two alike), DotsWithWhiskers and
// StyledLine (a series and its 95% CI), Clean (what a log axis can show),
// PadLog and LogTicks (1-2-5 ticks on every log axis). Picture.Render then lays it out (Layout: the legend
// beside the plot, or below when its names are long, the title broken to
// fit, the x labels turned until XLabelClashes finds none) and writes PNG
// or SVG. A heatmap sets Draw (and Heat, its layout) instead of Build.
package chart
