package regress

import (
	"fmt"
	"io"
	"math"
	"sort"
	"text/tabwriter"

	"golang.org/x/perf/benchunit"
)

// WriteText prints the comparison table, one row per benchmark and unit,
// then the suite-wide gate, the warnings and the outcome.
func (rep *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\tunit\tbase\t±\thead\t±\tdelta\tp\tp-holm\tlimit\tverdict\t")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, r.Unit,
			value(r.Base.Center, r.NBase, r.Unit), ci(r.Base, r.NBase),
			value(r.Head.Center, r.NHead, r.Unit), ci(r.Head, r.NHead),
			pct(r.Delta), pval(r.P, r.Exact, r.Verdict), padj(r), limit(r), r.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", rep.Geo)
	fmt.Fprintf(w, "Holm over %d tests (rows and suite gate) at alpha %g; limits: %s\n", rep.Tests, rep.Opt.Alpha, rep.limits())
	rep.writeWarnings(w)
	_, err := fmt.Fprintln(w, rep.Outcome())
	return err
}

// Outcome is the one-line result.
func (rep *Report) Outcome() string {
	regs := rep.Regressions()
	switch {
	case len(regs) == 0 && !rep.Geo.Regressed:
		return "outcome: no regression"
	case len(regs) == 0:
		return "outcome: REGRESSION of the suite geomean"
	}
	s := fmt.Sprintf("outcome: REGRESSION in %d benchmark×unit:", len(regs))
	for _, r := range regs {
		s += fmt.Sprintf(" %s (%s %+.1f%%)", r.Name, r.Unit, 100*r.Delta)
	}
	if rep.Geo.Regressed {
		s += " and the suite geomean"
	}
	return s
}

func (g Geo) String() string {
	if g.N == 0 {
		return "geomean gate: no benchmark with a time unit"
	}
	state := "ok"
	switch {
	case g.Limit < 0:
		state = "off"
	case g.Regressed:
		state = "REGRESSION"
	}
	return fmt.Sprintf("geomean gate: head/base %+.2f%% over %d benchmarks' time units, run scores %d+%d p %.2g (Holm %.2g), limit %+.0f%%: %s",
		100*(g.Ratio-1), g.N, g.NBase, g.NHead, g.P, g.PAdj, 100*g.Limit, state)
}

func (rep *Report) limits() string {
	o := rep.Opt
	cpu := "none"
	if o.CPUBound != nil {
		cpu = o.CPUBound.String()
	}
	s := fmt.Sprintf("%.0f%% CPU-bound time (names matching %s), %.0f%% otherwise, 0 for assume=exact", 100*o.ThresholdCPU, cpu, 100*o.ThresholdDefault)
	if o.Units != nil {
		s += fmt.Sprintf("; gated units: %s", o.Units)
	}
	if o.Skip != nil {
		s += fmt.Sprintf("; never gated: %s", o.Skip)
	}
	return s
}

func value(v float64, n int, unit string) string {
	if n == 0 {
		return "-"
	}
	return benchunit.Scale(v, benchunit.ClassOf(unit))
}

func ci(s interface{ PctRangeString() string }, n int) string {
	if n == 0 {
		return ""
	}
	return "±" + s.PctRangeString()
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "?"
	}
	if math.IsInf(f, 0) {
		return "∞"
	}
	return fmt.Sprintf("%+.1f%%", 100*f)
}

func pval(p float64, exact bool, v Verdict) string {
	switch {
	case v == Missing:
		return ""
	case exact:
		return "exact"
	}
	return fmt.Sprintf("%.2g", p)
}

func padj(r Row) string {
	if r.Verdict == NotGated {
		return "-"
	}
	return pval(r.PAdj, r.Exact, r.Verdict)
}

func limit(r Row) string {
	if r.Exact {
		return "exact"
	}
	return fmt.Sprintf("%.0f%%", 100*r.Threshold)
}

// WriteNoise prints an A/A calibration: per benchmark and unit the noise
// floor (|delta| of the medians of two identical sides) and the CI widths,
// then the false alarms the gate raised with its current limits, the
// alarms it would have raised without the Holm correction, and per limit
// class the widest floor, so a team can set limits from their own machine.
func (rep *Report) WriteNoise(w io.Writer) error {
	rows, classes, raw, err := rep.writeNoiseTable(w)
	if err != nil {
		return err
	}
	rep.writeNoiseSummary(w, rows, raw)
	var names []string
	for c := range classes {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, name := range names {
		c := classes[name]
		fmt.Fprintf(w, "limit %s: widest noise floor %.1f%% (%s %s); %d of %d rows above the limit\n",
			name, 100*c.widest.NoiseFloor(), c.widest.Name, c.widest.Unit, c.over, c.n)
	}
	rep.writeWarnings(w)
	return nil
}

// noiseClass is the rows of one limit in an A/A run.
type noiseClass struct {
	widest  Row
	n, over int
}

// writeNoiseTable prints one line per row and returns the gated rows,
// their classes by limit and how many would alarm without Holm.
func (rep *Report) writeNoiseTable(w io.Writer) (rows []Row, classes map[string]*noiseClass, raw int, err error) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\tunit\tn\tmedian\t±base\t±head\tnoise-floor\tp\tlimit\tgate\t")
	classes = map[string]*noiseClass{}
	for _, r := range rep.Rows {
		if r.Verdict == Missing {
			continue
		}
		// The summaries below are of what the gate judges: a unit it
		// never gates (steal-%, say) has no limit to set.
		if r.Verdict != NotGated {
			rows = append(rows, r)
			c := classes[limit(r)]
			if c == nil {
				c = &noiseClass{widest: r}
				classes[limit(r)] = c
			}
			c.n++
			if r.NoiseFloor() > c.widest.NoiseFloor() {
				c.widest = r
			}
			if r.NoiseFloor() > r.Threshold {
				c.over++
			}
		}
		unadjusted := r
		unadjusted.PAdj = r.P
		gate := "quiet"
		switch {
		case r.Verdict == NotGated:
			gate = "not gated"
		case r.Verdict == Regression:
			gate = "FALSE ALARM"
		case verdict(&unadjusted, rep.Opt.Alpha) == Regression:
			gate = "alarm without Holm"
			raw++
		}
		fmt.Fprintf(tw, "%s\t%s\t%d+%d\t%s\t%s\t%s\t%.1f%%\t%s\t%s\t%s\t\n", r.Name, r.Unit, r.NBase, r.NHead,
			value(r.Base.Center, r.NBase, r.Unit), ci(r.Base, r.NBase), ci(r.Head, r.NHead),
			100*r.NoiseFloor(), pval(r.P, r.Exact, r.Verdict), limit(r), gate)
	}
	return rows, classes, raw, tw.Flush()
}

// writeNoiseSummary prints the A/A run's false alarms and widest rows.
func (rep *Report) writeNoiseSummary(w io.Writer, rows []Row, raw int) {
	geo := 0
	if rep.Geo.Regressed {
		geo = 1
	}
	fmt.Fprintf(w, "\nA/A run: %d gated rows, Holm over %d tests at alpha %g\n", len(rows), rep.Tests, rep.Opt.Alpha)
	fmt.Fprintf(w, "false alarms: %d benchmark×unit, %d suite geomean\n", len(rep.Regressions()), geo)
	fmt.Fprintf(w, "false alarms without the Holm correction (raw p <= %g, worse than the limit): %d\n", rep.Opt.Alpha, raw)
	fmt.Fprintln(w, rep.Geo)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].NoiseFloor() > rows[j].NoiseFloor() })
	for i := 0; i < len(rows) && i < 5; i++ {
		label := "  next"
		if i == 0 {
			label = "widest noise floor"
		}
		fmt.Fprintf(w, "%s: %.1f%% (%s %s)\n", label, 100*rows[i].NoiseFloor(), rows[i].Name, rows[i].Unit)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].CIWidth() > rows[j].CIWidth() })
	if len(rows) > 0 {
		fmt.Fprintf(w, "widest CI half-width of one side: %.1f%% (%s %s)\n", 100*rows[0].CIWidth(), rows[0].Name, rows[0].Unit)
	}
}

// writeWarnings prints the report's warnings, then benchmath's notes on
// the samples (such as too few for a confidence interval), each once with
// the number of rows it concerns.
func (rep *Report) writeWarnings(w io.Writer) {
	for _, msg := range rep.Warnings {
		fmt.Fprintln(w, "warning:", msg)
	}
	count := map[string]int{}
	var notes []string
	for _, r := range rep.Rows {
		for _, n := range r.Notes {
			if count[n] == 0 {
				notes = append(notes, n)
			}
			count[n]++
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s (%d sides)\n", n, count[n])
	}
}
