package regress

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// SummaryMarker starts every summary, so that a bot can find its own
// earlier pull-request comment and update it instead of adding another.
const SummaryMarker = "<!-- concbench-regress -->"

// FullTableMarker comes just before the folded full table: a pull-request
// comment (at most 65,536 characters) keeps what is above it.
const FullTableMarker = "<!-- concbench-regress full table -->"

// WriteSummary prints the gate's outcome as Markdown for a pull request:
// the verdict first, then the rows that regressed (before → after, each
// side's confidence interval, Holm's p, the limit), the suite gate, what
// else changed, which families the gate covered and which it did not,
// the warnings, and last the full table (WriteText), folded.
//
// families lists the benchmark functions the head binary has
// (BenchmarkScale, ...; go test -list); a family among them with no row
// in the comparison did not run on both sides: it skipped on this machine
// (network namespaces and perf need root) or the run's -bench left it
// out. Nil leaves that part out.
func (rep *Report) WriteSummary(w io.Writer, families []string) error {
	var b bytes.Buffer
	fmt.Fprintln(&b, SummaryMarker)
	regs := rep.Regressions()
	switch {
	case rep.Regressed:
		fmt.Fprintln(&b, "## concbench regression gate: REGRESSION")
	case rep.Blind:
		fmt.Fprintln(&b, "## concbench regression gate: BLIND (too few samples to fail; see the warnings)")
	default:
		fmt.Fprintln(&b, "## concbench regression gate: no regression")
	}
	if len(regs) > 0 {
		rep.writeRegressed(&b, regs)
	}
	fmt.Fprintf(&b, "\nSuite: %s.\n", rep.Geo)
	fmt.Fprintf(&b, "\n%s\n", rep.tally())
	rep.writeCoverage(&b, families)
	if len(rep.Warnings) > 0 {
		fmt.Fprintln(&b)
		for _, msg := range rep.Warnings {
			fmt.Fprintf(&b, "- warning: %s\n", msg)
		}
	}
	fmt.Fprintf(&b, "\n%s\n<details><summary>Full table (%d rows)</summary>\n\n```\n", FullTableMarker, len(rep.Rows))
	if err := rep.WriteText(&b); err != nil {
		return err
	}
	fmt.Fprintln(&b, "```\n\n</details>")
	_, err := w.Write(b.Bytes())
	return err
}

// writeRegressed prints the regressed rows, the worst first.
func (rep *Report) writeRegressed(w io.Writer, regs []Row) {
	sort.SliceStable(regs, func(i, j int) bool { return regs[i].Worse > regs[j].Worse })
	fmt.Fprintf(w, "\n%d benchmark×unit rows got worse beyond their limit (Holm-corrected over %d tests, alpha %g):\n\n",
		len(regs), rep.Tests, rep.Opt.Alpha)
	fmt.Fprintln(w, "| benchmark | unit | base → head | change | CI base / head | p (Holm) | limit |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range regs {
		fmt.Fprintf(w, "| `%s` | %s | %s → %s | **%s** | %s / %s | %s | %s |\n", r.Name, r.Unit,
			value(r.Base.Center, r.NBase, r.Unit), value(r.Head.Center, r.NHead, r.Unit), pct(r.Delta),
			ci(r.Base, r.NBase), ci(r.Head, r.NHead), padj(r), limit(r))
	}
}

// tally counts the rows by verdict, in the order a reader looks for them.
func (rep *Report) tally() string {
	n := map[Verdict]int{}
	for _, r := range rep.Rows {
		n[r.Verdict]++
	}
	var parts []string
	for _, v := range []struct {
		v    Verdict
		what string
	}{
		{Regression, "regressed"}, {Improvement, "improved"}, {Small, "changed within their limit"},
		{Unknown, "changed in a unit with no direction"}, {NoChange, "not significant"}, {Same, "exactly the same"},
		{NotGated, "not gated"}, {Missing, "only on one side"},
	} {
		if n[v.v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[v.v], v.what))
		}
	}
	return fmt.Sprintf("Rows: %s.", strings.Join(parts, ", "))
}

// benchSuffix is the -GOMAXPROCS suffix of a benchmark name's first part.
var benchSuffix = regexp.MustCompile(`-\d+$`)

// family is the benchmark function a row belongs to, without "Benchmark":
// Scale for Scale/kind=cpu/...-2.
func family(name string) string {
	first, _, _ := strings.Cut(name, "/")
	return benchSuffix.ReplaceAllString(first, "")
}

// writeCoverage says which families the gate compared and which of the
// head binary's families it did not.
func (rep *Report) writeCoverage(w io.Writer, families []string) {
	rows, benches := map[string]int{}, map[string]map[string]bool{}
	for _, r := range rep.Rows {
		if r.Verdict == Missing {
			continue
		}
		f := family(r.Name)
		rows[f]++
		if benches[f] == nil {
			benches[f] = map[string]bool{}
		}
		benches[f][r.Name] = true
	}
	var covered []string
	for f := range rows {
		covered = append(covered, fmt.Sprintf("%s (%d)", f, len(benches[f])))
	}
	slices.Sort(covered)
	fmt.Fprintf(w, "\nCovered: %d families on both sides (benchmarks each): %s.\n", len(rows), strings.Join(covered, ", "))
	if families == nil {
		return
	}
	var all, missed []string
	for _, f := range families {
		f, ok := strings.CutPrefix(strings.TrimSpace(f), "Benchmark")
		if !ok || slices.Contains(all, f) {
			continue // go test -list also prints tests and an ok line
		}
		all = append(all, f)
		if rows[f] == 0 {
			missed = append(missed, f)
		}
	}
	slices.Sort(missed)
	if len(missed) == 0 {
		fmt.Fprintf(w, "Not covered: none of the head binary's %d families.\n", len(all))
		return
	}
	fmt.Fprintf(w, "Not covered: %d of the head binary's %d families had no result on both sides, so the gate says nothing of them: %s. "+
		"They skipped on this machine (GitHub's runners are not root: the network-namespace and perf rows skip) or the run's -bench left them out; the full table and the job log say which.\n",
		len(missed), len(all), strings.Join(missed, ", "))
}
