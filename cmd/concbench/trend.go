package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/concbench/concbench/report"
)

// runTrend follows every benchmark over commits, one recording per commit:
// it prints the largest moves (change points) and, with -o, writes a chart
// per family over the commits with the change points ringed.
func runTrend(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trend", flag.ContinueOnError)
	out := fs.String("o", "", "write the trend report (README.md, a chart per family) into `dir`")
	n := fs.Int("n", 20, "print the `n` largest moves (0: all)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: concbench trend [-o dir] [-n 20] file...\n\n"+
			"One result file per commit (results/<host-id>/<stamp>.txt, ordered by the stamp in the name),\n"+
			"each compared with the first by x/perf's benchseries; a change point is a commit whose 95% CI\n"+
			"does not overlap the one before.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	t, err := report.LoadTrend(fs.Args())
	if err != nil {
		return err
	}
	if err := t.WriteMoves(stdout, *n); err != nil {
		return failed(err.Error())
	}
	if *out != "" {
		if err := report.WriteTrend(*out, t); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "concbench trend: wrote %s/README.md\n", *out)
	}
	return nil
}
