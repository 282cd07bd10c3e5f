package table

import (
	"fmt"
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// NameMachines makes every table name the machine of each column (names
// from report.Set.MachineNames; nil changes nothing).
func (ts *Tables) NameMachines(names map[string]string) {
	for _, t := range ts.Tables {
		t.machines = names
	}
}

// colMachine is the machine of column i, "" when unknown.
func (t *Table) colMachine(i int) string { return t.machines[t.Cols[i].StringValues()] }

// deltaHeader heads column i's comparison with the first column: across
// machines "machine B / machine A", else benchstat's "vs base".
func (t *Table) deltaHeader(i int) string {
	a, b := t.colMachine(0), t.colMachine(i)
	if a == "" || b == "" || a == b {
		return "vs base"
	}
	return "machine " + b + " / machine " + a
}

// colTitle is column i's title in Markdown: its label, after its machine.
func (t *Table) colTitle(i int) string {
	title := EscapeMarkdown(t.Cols[i].StringValues())
	if m := t.colMachine(i); m != "" {
		title = "machine " + m + ": " + title
	}
	return title
}

// colName is column i's name in a sentence: its label, after its machine.
func (t *Table) colName(i int) string {
	if m := t.colMachine(i); m != "" {
		return "machine " + m + " (" + t.Cols[i].StringValues() + ")"
	}
	return t.Cols[i].StringValues()
}

// Sentence says in one line what a table shows: with a comparison, how many
// rows changed and the biggest change; without, how noisy the data is.
func (t *Table) Sentence() string {
	if len(t.Cols) > 1 {
		var n, sig int
		var bigName, bigDelta string
		big := 0.0
		for _, r := range t.Rows {
			for _, col := range t.Cols[1:] {
				c, ok := t.Cells[CellKey{r, col}]
				if !ok || c.Base == nil {
					continue
				}
				n++
				if !c.Significant() {
					continue
				}
				sig++
				if b := c.Base.Summary.Center; b != 0 {
					if d := math.Abs(c.Summary.Center/b - 1); d > big {
						big, bigName, bigDelta = d, r.StringValues()+" ("+t.colName(slices.Index(t.Cols, col))+")", c.Delta()
					}
				}
			}
		}
		s := fmt.Sprintf("Against %s, %d of %d comparisons differ significantly (p < %.2g)", t.colName(0), sig, n, alphaOf(t))
		if bigName != "" {
			s += fmt.Sprintf("; the largest change is %s at %s", bigDelta, bigName)
		}
		return s + "."
	}
	var widest float64
	var widestName string
	n := 0
	runs := 0
	for _, r := range t.Rows {
		c, ok := t.Cells[CellKey{r, t.Cols[0]}]
		if !ok {
			continue
		}
		n++
		runs = max(runs, len(c.Sample.Values))
		if m := c.Summary.Center; m != 0 && !math.IsInf(c.Summary.Hi, 0) && !math.IsInf(c.Summary.Lo, 0) {
			if w := math.Max(c.Summary.Hi-m, m-c.Summary.Lo) / math.Abs(m); w > widest {
				widest, widestName = w, r.StringValues()
			}
		}
	}
	s := fmt.Sprintf("%d benchmarks, up to %d runs each", n, runs)
	switch {
	case widestName != "":
		s += fmt.Sprintf("; the noisiest is %s (95%% CI ±%.0f%% of its median)", widestName, widest*100)
	case runs < 6 && t.Assumption == benchmath.AssumeNothing:
		s += " (too few for a 95% confidence interval of the median: run with -count 6 or more)"
	}
	return s + "."
}

func alphaOf(t *Table) float64 {
	for _, c := range t.Cells {
		if c.Base != nil {
			return c.Comparison.Alpha
		}
	}
	return 0.05
}
