package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/concbench/concbench/report"
)

func init() {
	register("report", "benchstat tables, charts and a README.md from result files", runReport)
}

// runReport is benchstat's command line plus -o: without -o it prints the
// tables; with -o it also writes the full report directory.
func runReport(args []string) int {
	return reportMain(args, os.Stdout, os.Stderr)
}

func reportMain(args []string, stdout, stderr io.Writer) int {
	var o report.Options
	fs := flag.NewFlagSet("concbench report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.Register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: concbench report [flags] [label=]file...\n\n"+
			"Prints benchstat's tables for the files; with -o dir also writes dir/README.md,\n"+
			"PNG and SVG charts and tables.txt/tables.csv. Flags as benchstat's:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "concbench report: no input files (usage: concbench report [flags] file...)")
		return 2
	}
	switch o.Format {
	case "text", "md", "csv":
	default:
		fmt.Fprintf(stderr, "concbench report: -format %q: want text, md or csv\n", o.Format)
		return 2
	}
	s, err := report.Load(fs.Args(), o.Filter)
	if err != nil {
		fmt.Fprintln(stderr, "concbench report:", err)
		return 2
	}
	ts, err := s.Tables(o.TableOptions)
	if err != nil {
		fmt.Fprintln(stderr, "concbench report:", err)
		return 2
	}
	switch o.Format {
	case "text":
		err = ts.WriteText(stdout)
	case "md":
		err = ts.WriteMarkdown(stdout)
	case "csv":
		err = ts.WriteCSV(stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "concbench report:", err)
		return 1
	}
	if o.Out != "" {
		if err := report.Write(o.Out, s, o.TableOptions); err != nil {
			fmt.Fprintln(stderr, "concbench report:", err)
			return 2
		}
		fmt.Fprintf(stderr, "concbench report: wrote %s/README.md\n", o.Out)
	}
	return 0
}
