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
			pct(r.Delta), pval(r.P, r.Exact, r.Verdict), pval(r.PAdj, r.Exact, r.Verdict), limit(r), r.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", rep.Geo)
	fmt.Fprintf(w, "Holm over %d tests at alpha %g; limits: %s\n", rep.Tests, rep.Opt.Alpha, rep.limits())
	for _, msg := range rep.Warnings {
		fmt.Fprintln(w, "warning:", msg)
	}
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
		return "geomean gate: no time rows"
	}
	state := "ok"
	switch {
	case g.Limit < 0:
		state = "off"
	case g.Regressed:
		state = "REGRESSION"
	}
	return fmt.Sprintf("geomean gate: head/base %+.2f%% over %d time rows (%d worse, %d better, sign-test p %.2g), limit %+.0f%%: %s",
		100*(g.Ratio-1), g.N, g.NWorse, g.NBetter, g.P, 100*g.Limit, state)
}

func (rep *Report) limits() string {
	o := rep.Opt
	cpu := "none"
	if o.CPUBound != nil {
		cpu = o.CPUBound.String()
	}
	return fmt.Sprintf("%.0f%% CPU-bound time (names matching %s), %.0f%% otherwise, 0 for assume=exact", 100*o.ThresholdCPU, cpu, 100*o.ThresholdDefault)
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

func limit(r Row) string {
	if r.Exact {
		return "exact"
	}
	return fmt.Sprintf("%.0f%%", 100*r.Threshold)
}

// WriteNoise prints an A/A calibration: each benchmark's noise floor (the
// widest of |delta| and both sides' CI half-widths), the false alarms the
// gate raised with its current limits, the widest floors, and per limit
// class the widest floor, so a team can set limits above their own noise.
func (rep *Report) WriteNoise(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\tunit\tn\tmedian\t±base\t±head\tdelta\tp\tnoise-floor\tlimit\tgate\t")
	type floor struct {
		f   float64
		row Row
	}
	var floors []floor
	classMax := map[string]floor{}
	for _, r := range rep.Rows {
		if r.Verdict == Missing {
			continue
		}
		f := r.NoiseFloor()
		floors = append(floors, floor{f, r})
		if c := limit(r); f > classMax[c].f || classMax[c].row.Name == "" {
			classMax[c] = floor{f, r}
		}
		gate := "quiet"
		if r.Verdict == Regression {
			gate = "FALSE ALARM"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d+%d\t%s\t%s\t%s\t%s\t%s\t%.1f%%\t%s\t%s\t\n", r.Name, r.Unit, r.NBase, r.NHead,
			value(r.Base.Center, r.NBase, r.Unit), ci(r.Base, r.NBase), ci(r.Head, r.NHead),
			pct(r.Delta), pval(r.P, r.Exact, r.Verdict), 100*f, limit(r), gate)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	alarms := len(rep.Regressions())
	geo := 0
	if rep.Geo.Regressed {
		geo = 1
	}
	fmt.Fprintf(w, "\nA/A run: %d rows, Holm over %d tests at alpha %g\n", len(floors), rep.Tests, rep.Opt.Alpha)
	fmt.Fprintf(w, "false alarms: %d benchmark×unit, %d suite geomean\n", alarms, geo)
	fmt.Fprintln(w, rep.Geo)
	sort.SliceStable(floors, func(i, j int) bool { return floors[i].f > floors[j].f })
	if len(floors) > 0 {
		fmt.Fprintf(w, "widest noise floor: %.1f%% (%s %s)\n", 100*floors[0].f, floors[0].row.Name, floors[0].row.Unit)
	}
	for i := 1; i < len(floors) && i < 5; i++ {
		fmt.Fprintf(w, "  next: %.1f%% (%s %s)\n", 100*floors[i].f, floors[i].row.Name, floors[i].row.Unit)
	}
	var classes []string
	for c := range classMax {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		m := classMax[c]
		fmt.Fprintf(w, "limit %s: widest noise floor %.1f%% (%s %s)\n", c, 100*m.f, m.row.Name, m.row.Unit)
	}
	for _, msg := range rep.Warnings {
		fmt.Fprintln(w, "warning:", msg)
	}
	return nil
}
