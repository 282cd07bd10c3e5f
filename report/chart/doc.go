// Package chart draws the report's pictures with gonum/plot: the one place
// that knows fonts, colours, log axes and how a plot and its legend share a
// page.
//
// A caller builds a Picture: its size, the number of series it draws, and
// a Build function that makes the plot and its legend from the report's
// model, using NewPlot (the report's fonts), SeriesColor (eleven colours
// no two alike), DotsWithWhiskers and StyledLine (a series and its 95% CI),
// Clean (what a log axis can show), PadLog and LogTicks (1-2-5 ticks on
// every log axis). Picture.Render then lays it out (Layout: the legend
// beside the plot, or below when its names are long, the title broken to
// fit, the x labels turned until XLabelClashes finds none) and writes PNG
// or SVG. A heatmap sets Draw (and Heat, its layout) instead of Build.
package chart
