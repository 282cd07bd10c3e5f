package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// A report of several machines (files whose host-id differ) names the
// machine wherever it shows one: the header, every chart's title and
// sentence, every table column and comparison ("machine B / machine A",
// never "vs base"). Before the summary it says what makes the machines
// hard to compare (other settings, other config lines, a kernel reference
// that differs) and, where a summary row has a kernel reference on both
// machines, gives the ratio between machines scaled by each machine's own
// reference.

// MachineNames maps each file's label to its machine's name ("A", "B"):
// nil when the set holds one machine.
func (s *Set) MachineNames() map[string]string {
	ms := s.Machines()
	if len(ms) < 2 {
		return nil
	}
	byKey := map[string]string{}
	for _, m := range ms {
		byKey[machineKey(m.File)] = m.Name
	}
	out := map[string]string{}
	for _, f := range s.Files {
		out[f.Label] = byKey[machineKey(f)]
	}
	return out
}

// nameChartMachine puts the machine whose file the charts show into each
// chart's title and sentence.
func nameChartMachine(charts []*Chart, machine string) {
	if machine == "" {
		return
	}
	for _, c := range charts {
		c.Title += " (machine " + machine + ")"
		c.Sentence = "Machine " + machine + ": " + c.Sentence
	}
}

// refSpread is how far two machines' kernel references may lie apart
// before the report says they differ: beyond it, one machine's kernel
// paths (or its load) differ, and raw ratios between machines mislead.
const refSpread = 1.25

// comparison is, for a report of several machines, what the comparison
// rests on: one line per difference in settings, config or kernel
// reference, and the summary's ratios scaled by each machine's own
// reference.
type comparison struct {
	machines []Machine
	warnings []string
	scaled   []scaledRatio
}

// scaledRatio is one line of the scaled ratios' table.
type scaledRatio struct{ q, model, pair, raw, scaled string }

// comparison computes the comparison of the machines of sum: nil with one
// machine.
func (s *Set) comparison(sum *Summary) *comparison {
	ms := sum.Machines
	if len(ms) < 2 {
		return nil
	}
	return &comparison{machines: ms, warnings: s.comparisonWarnings(ms), scaled: scaledRatios(sum)}
}

// writeComparison writes the Comparing machines section: nothing with
// one machine (c nil).
func writeComparison(md *strings.Builder, c *comparison) {
	if c == nil {
		return
	}
	ms := c.machines
	md.WriteString("## Comparing machines\n\n")
	md.WriteString("Every machine is compared with machine A (`machine B / machine A` in the tables). " +
		"The summary's ratios and picks use only the sub-benchmarks every machine ran; the tables list every row, " +
		"a blank cell where a machine did not run it. Charts show the newest input, machine " +
		ms[len(ms)-1].Name + ".\n\n")
	for _, w := range c.warnings {
		md.WriteString("- **Warning:** " + w + "\n")
	}
	md.WriteString("\n")
	writeScaledRatios(md, c.scaled)
}

// comparisonWarnings are the differences between each machine and A that
// make a ratio between them mean less.
func (s *Set) comparisonWarnings(ms []Machine) []string {
	var out []string
	a := ms[0]
	runsA := s.familyRuns(a.File.Label)
	for _, m := range ms[1:] {
		runsM := s.familyRuns(m.File.Label)
		groups := map[string][]string{} // "6 runs on A, 10 on B" → families
		for _, fam := range slices.Sorted(maps.Keys(runsA)) {
			if n, ok := runsM[fam]; ok && n != runsA[fam] {
				g := fmt.Sprintf("%d runs on %s, %d on %s", runsA[fam], a.Name, n, m.Name)
				groups[g] = append(groups[g], fam)
			}
		}
		var differ []string
		for _, g := range slices.Sorted(maps.Keys(groups)) {
			differ = append(differ, g+": "+strings.Join(groups[g], ", "))
		}
		if len(differ) > 0 {
			out = append(out, fmt.Sprintf("recorded with other settings (another -count, or the short profile with its own environment, such as CONCBENCH_BUSY_SECONDS): %s; "+
				"such rows measure different runs, not only different machines.", strings.Join(differ, "; ")))
		}
		if d := configDiff(a, m); d != "" {
			out = append(out, "config lines differ: "+d+".")
		}
		if d := referenceDiff(s, a, m); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// settingKeys are config lines that record how a run was made, compared
// between machines (the CPU, cores, kernel, Go and host are on each
// machine's line already; the commit is said per file).
var settingKeys = []string{"count", "benchtime", "profile", "env", "gomaxprocs", "process-worker", "machine-class"}

// configDiff lists the setting config lines whose values differ.
func configDiff(a, b Machine) string {
	var parts []string
	for _, k := range settingKeys {
		va, vb := configValue(a.File, k), configValue(b.File, k)
		if va != vb {
			parts = append(parts, fmt.Sprintf("%s (%s: %s, %s: %s)", k, a.Name, orNone(va), b.Name, orNone(vb)))
		}
	}
	return strings.Join(parts, ", ")
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return "`" + v + "`"
}

// familyRuns is, per family, the most common number of runs of a
// sub-benchmark in the file labelled label.
func (s *Set) familyRuns(label string) map[string]int {
	counts := map[string]map[int]int{}
	for _, p := range s.Points(label) {
		if counts[p.Family] == nil {
			counts[p.Family] = map[int]int{}
		}
		counts[p.Family][p.N]++
	}
	out := map[string]int{}
	for fam, c := range counts {
		best := 0
		for n, k := range c {
			if k > c[best] || k == c[best] && n > best {
				best = n
			}
		}
		out[fam] = best
	}
	return out
}

// referenceDiff says when the kernel's reference figures (the Reference
// family: perf bench sched pipe, /bin/true spawns) of two machines lie
// more than refSpread apart.
func referenceDiff(s *Set, a, b Machine) string {
	refs := func(label string) map[string]Point {
		out := map[string]Point{}
		for _, p := range s.Points(label) {
			if p.Family == "Reference" && p.Unit == "sec/op" {
				out[p.Sub] = p
			}
		}
		return out
	}
	ra, rb := refs(a.File.Label), refs(b.File.Label)
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(ra)) {
		pb, ok := rb[k]
		va, vb := ra[k].Summary.Center, pb.Summary.Center
		if !ok || !(va > 0) || !(vb > 0) {
			continue
		}
		if r := vb / va; r > refSpread || r < 1/refSpread {
			sp := Spec{Unit: "sec/op"}
			parts = append(parts, fmt.Sprintf("%s %s on %s, %s on %s (%s / %s %.2g×)", k, fmtVal(va, sp), a.Name, fmtVal(vb, sp), b.Name, b.Name, a.Name, r))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "the kernel's own reference differs: " + strings.Join(parts, "; ") +
		". The kernel paths these benchmarks use (or the machines' load) differ: see the ratios scaled by each machine's own reference (Comparing machines, in the report that -o writes)."
}

// scaledRatios are, for every summary row with a kernel reference on both
// machines, the process model's ratio between machines raw and scaled by
// the machines' own references: (B / B's reference) / (A / A's
// reference), which leaves what the model adds over the kernel. Only
// processes are scaled: the references are process to process (a pipe
// round trip), a kernel path goroutines never take.
func scaledRatios(sum *Summary) []scaledRatio {
	var lines []scaledRatio
	for _, rs := range sum.Rows {
		first := rs[0]
		refA, okA := onlyRef(first)
		for i, r := range rs[1:] {
			pair := fmt.Sprintf("%s / %s", sum.Machines[i+1].Name, sum.Machines[0].Name)
			refB, okB := onlyRef(r)
			if !okA || !okB || refA.label != refB.label || refA.at.Family != "Reference" {
				continue
			}
			for _, col := range []string{colProcess} {
				for _, e := range r.cells[col] {
					f, ok := findEntry(first.cells[col], e.label)
					if !ok || f.pick != e.pick || !(f.at.Summary.Center > 0) {
						continue
					}
					raw := e.at.Summary.Center / f.at.Summary.Center
					scaled := raw / (refB.at.Summary.Center / refA.at.Summary.Center)
					name := col
					if e.label != "" {
						name = e.label
					}
					lines = append(lines, scaledRatio{fmt.Sprintf("%s (`%s`), reference %s", first.q.Text, first.fam, refA.label),
						name + paren(e.pick), pair, trimRatio(raw) + "×", trimRatio(scaled) + "×"})
				}
			}
		}
	}
	return lines
}

// writeScaledRatios writes the scaled ratios' table: nothing without
// lines.
func writeScaledRatios(md *strings.Builder, lines []scaledRatio) {
	if len(lines) == 0 {
		return
	}
	md.WriteString("Ratios between machines for processes, raw and scaled by each machine's own kernel reference " +
		"(the value on B over B's reference, divided by the value on A over A's reference): " +
		"where the references differ, the scaled ratio compares what a process adds over its machine's kernel. " +
		"Goroutines and threads are not scaled: the reference is a round trip between two processes over a pipe (perf bench sched pipe), a kernel path they do not take.\n\n")
	md.WriteString("| question | model | machines | ratio | scaled by each one's reference |\n| --- | --- | --- | --: | --: |\n")
	for _, l := range lines {
		fmt.Fprintf(md, "| %s | %s | %s | %s | %s |\n", l.q, l.model, l.pair, l.raw, l.scaled)
	}
	md.WriteString("\n")
}

// onlyRef is a row's one kernel reference entry.
func onlyRef(r row) (entry, bool) {
	es := r.cells[colRef]
	if len(es) != 1 || !(es[0].at.Summary.Center > 0) || math.IsInf(es[0].at.Summary.Center, 0) {
		return entry{}, false
	}
	return es[0], true
}

// paren is " (s)", or nothing when s is empty.
func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
