package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/concbench/concbench/regress"
	"github.com/concbench/concbench/report"
	"github.com/concbench/concbench/report/perfdata"
)

// runTrend follows every benchmark over commits, one recording per commit:
// it prints the largest moves (change points) and, with -o, writes a chart
// per family over the commits with the change points ringed.
func runTrend(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trend", flag.ContinueOnError)
	out := fs.String("o", "", "write the trend report (README.md, a chart per family) into `dir`")
	n := fs.Int("n", 20, "print the `n` largest moves (0: all)")
	addr := fs.String("perfdata", "", "read the recordings from the perfdata server at `address` (with -q; default $"+perfdataEnv+"): one per upload, oldest first")
	query := fs.String("q", "", "perfdata `query` for -perfdata: 'host-id:…'")
	setUsage(fs, "usage: concbench trend [-o dir] [-n 20] file... | -perfdata addr -q query\n\n"+
		"One result file per commit (results/<host-id>/<stamp>.txt, ordered by the stamp in the name),\n"+
		"each compared with the first by x/perf's benchseries; a change point is a commit whose 95% CI\n"+
		"does not overlap the one before.")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	files := fs.Args()
	*addr = perfdataAddr(*addr, *query)
	if (*addr == "") != (*query == "") || (*addr != "" && len(files) > 0) {
		return fmt.Errorf("-perfdata and -q go together, without files (usage: concbench trend -h)")
	}
	if *addr != "" {
		dir, err := os.MkdirTemp("", "concbench-trend-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir) // made above; holds only the fetched recordings
		ctx, cancel := context.WithTimeout(context.Background(), perfdataTimeout)
		defer cancel()
		if files, err = perfdata.Recordings(ctx, *addr, *query, dir); err != nil {
			return failed(err)
		}
	}
	skip := regress.DefaultOptions().Skip
	t, err := report.LoadTrend(files, report.TrendOptions{Gated: func(u string) bool { return !skip.MatchString(u) }})
	if err != nil {
		return err
	}
	for _, w := range t.Warnings {
		fmt.Fprintf(stderr, "concbench trend: %s\n", w)
	}
	if err := t.WriteMoves(stdout, *n); err != nil {
		return failed(err)
	}
	if *out != "" {
		if err := report.WriteTrend(*out, t); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "concbench trend: wrote %s/README.md\n", *out)
	}
	return nil
}
