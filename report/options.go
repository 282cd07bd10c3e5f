package report

import (
	"flag"

	"golang.org/x/perf/benchmath"
)

// Options are concbench report's flags, named as benchstat names them, so a
// benchstat command line works unchanged.
type Options struct {
	TableOptions
	Filter string
	Format string // text, md or csv: the tables printed to stdout
	Out    string // report directory; "" prints tables only
	// Summary prints the summary table and verdicts (Markdown) instead of
	// the tables: what README.md's figures table is made from.
	Summary bool
	// Perfdata and Query read the results from a perfdata server instead
	// of files: the results of the query, as one input.
	Perfdata, Query string
}

// Register defines the flags on fs with benchstat's defaults.
func (o *Options) Register(fs *flag.FlagSet) {
	fs.StringVar(&o.Table, "table", ".config", "split results into tables by distinct values of `projection`")
	fs.StringVar(&o.Row, "row", ".fullname", "split results into rows by distinct values of `projection`")
	fs.StringVar(&o.Col, "col", ".file", "split results into columns by distinct values of `projection`")
	fs.StringVar(&o.Ignore, "ignore", "", "ignore variations in `keys`")
	fs.StringVar(&o.Filter, "filter", "*", "use only benchmarks matching benchfilter `query`")
	fs.Float64Var(&o.Alpha, "alpha", benchmath.DefaultThresholds.CompareAlpha, "consider change significant if p < `α`")
	fs.Float64Var(&o.Confidence, "confidence", 0.95, "confidence `level` for ranges")
	fs.StringVar(&o.Format, "format", "text", "print tables to stdout in `format`: text, md or csv")
	fs.StringVar(&o.Out, "o", "", "write the full report (README.md, charts, tables) into `dir`")
	fs.StringVar(&o.Perfdata, "perfdata", "", "read results from the perfdata server at `address` (with -q) instead of files; default $CONCBENCH_PERFDATA when -q is given")
	fs.StringVar(&o.Query, "q", "", "perfdata `query` for -perfdata: 'host-id:… commit:…'")
	fs.BoolVar(&o.Summary, "summary", false, "print only the summary table and verdicts (Markdown), linked to <dir of the newest file>/report/README.md")
}
