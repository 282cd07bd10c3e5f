package report

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/perf/benchunit"

	"github.com/concbench/concbench/report/results"
)

// Machine is one machine of a set: the newest input file that came from
// it. Files are one machine when they share the host-id config line (or,
// without one, the cpu and ncpu lines).
type Machine struct {
	Name string // "A", "B", ... in input order; "" when there is one
	File File
}

// Describe is the machine in one line: "Intel(R) Xeon(R) Processor, 2
// cores, kernel 6.18.44, go1.26.8, host c32ac51fa19a".
func (m Machine) Describe() string {
	var parts []string
	add := func(format, key string) {
		if v := configValue(m.File, key); v != "" {
			parts = append(parts, fmt.Sprintf(format, v))
		}
	}
	add("%s", "cpu")
	add("%s cores", "ncpu")
	add("kernel %s", "kernel")
	add("%s", "go")
	add("host %s", "host-id")
	if len(parts) == 0 {
		return "`" + m.File.Path + "`"
	}
	return strings.Join(parts, ", ")
}

// WriteMachines writes, when the set holds more than one machine, one
// line per input file naming the machine its column is: the heading of a
// side-by-side report ("b.txt: machine B, AMD EPYC …, 2 cores, kernel …").
func (s *Set) WriteMachines(w io.Writer) error {
	ms := s.Machines()
	if len(ms) < 2 {
		return nil
	}
	name := map[string]Machine{}
	for _, m := range ms {
		name[machineKey(m.File)] = m
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d machines: tables split by %s (not by every config line) so that they share a table.\n", len(ms), machineTable)
	for _, f := range s.Files {
		m := name[machineKey(f)]
		m.File = f
		fmt.Fprintf(&b, "%s: machine %s, %s\n", f.Label, m.Name, m.Describe())
	}
	for _, warn := range s.comparisonWarnings(ms) {
		b.WriteString("warning: " + warn + "\n")
	}
	_, err := io.WriteString(w, b.String()+"\n")
	return err
}

// machineTable is the -table of a side-by-side report: the default
// .config would put each machine (its cpu, host-id, kernel lines) in a
// table of its own, with nothing to compare.
const machineTable = "goos,goarch,pkg"

// ForMachines is opts for this set: with files from several machines and
// the default -table (.config), tables split by goos, goarch and pkg only,
// so the machines share a table and the columns (the files) compare them.
func (s *Set) ForMachines(opts TableOptions) TableOptions {
	if len(s.Machines()) > 1 && (opts.Table == "" || opts.Table == ".config") {
		opts.Table = machineTable
	}
	return opts
}

// machineKey identifies the machine a file came from.
func machineKey(f File) string {
	if h := configValue(f, "host-id"); h != "" {
		return h
	}
	return configValue(f, "cpu") + "/" + configValue(f, "ncpu")
}

// Machines lists the machines of the set in input order, each with its
// newest (last) file.
func (s *Set) Machines() []Machine {
	var out []Machine
	idx := map[string]int{}
	for _, f := range s.Files {
		k := machineKey(f)
		if i, ok := idx[k]; ok {
			out[i].File = f
			continue
		}
		idx[k] = len(out)
		out = append(out, Machine{File: f})
	}
	if len(out) > 1 {
		for i := range out {
			out[i].Name = string(rune('A' + i%26))
		}
	}
	return out
}

// SummaryLink is where a summary printed outside the report links to: the
// README.md that make report writes beside the newest input
// (results/<host-id>/report/README.md for results/<host-id>/<stamp>.txt).
func SummaryLink(s *Set) string {
	return filepath.ToSlash(filepath.Join(filepath.Dir(s.Files[len(s.Files)-1].Path), "report", "README.md"))
}

// Summary is the summary table: every question answered on every machine,
// and what it shows laid out for the renderers (laid out by lay).
type Summary struct {
	Machines []Machine
	Rows     [][]row // [question][machine]
	python   bool
	better   func(string) Better

	cols     []string      // the model columns shown
	lines    []summaryLine // one per row of Rows
	noisy    bool          // some cell is marked noisyMark
	fewOps   bool          // some cell is marked fewOpsMark
	verdicts []string
}

// summaryLine is one row of the summary table as shown: the question,
// the section its cells link to, and the cells, machine by machine, column
// by column.
type summaryLine struct {
	question string // "per-task overhead (`Scale`)"
	anchor   string // "#scale"
	cells    [][]cellPart
}

// cellPart is one entry of a cell: label + "[value](link+anchor)" + note.
type cellPart struct{ label, value, note string }

// Summary answers every family's questions on the newest file of each
// machine, families in the report's order.
func (s *Set) Summary() *Summary {
	sum := &Summary{Machines: s.Machines(), better: s.Better}
	per := make([]map[string][]Point, len(sum.Machines))
	pts := make([][]Point, len(sum.Machines))
	for i, m := range sum.Machines {
		pts[i] = s.Points(m.File.Label)
	}
	pts = common(pts)
	for i := range sum.Machines {
		per[i] = map[string][]Point{}
		for _, p := range pts[i] {
			per[i][p.Family] = append(per[i][p.Family], p)
		}
	}
	for _, fam := range s.Families() {
		for _, q := range questions(fam, per[len(per)-1][fam]) {
			var rs []row
			some := false
			for i, m := range sum.Machines {
				r := answer(fam, q, per[i], ncpuOf(m.File), s.Better)
				for _, es := range r.cells {
					some = some || len(es) > 0
				}
				rs = append(rs, r)
			}
			if some { // a question the data does not answer has no row
				sum.Rows = append(sum.Rows, rs)
				for _, r := range rs {
					sum.python = sum.python || len(r.cells[colPython]) > 0
				}
			}
		}
	}
	sum.lay()
	return sum
}

// lay computes what the rows show: the columns, every cell's parts, the
// marks used, the verdicts.
func (sum *Summary) lay() {
	sum.cols = sum.columns()
	sum.lines = nil
	for _, rs := range sum.Rows {
		l := summaryLine{question: fmt.Sprintf("%s (`%s`)", rs[0].q.Text, rs[0].fam), anchor: "#" + strings.ToLower(rs[0].fam)}
		for i, r := range rs {
			for _, c := range sum.cols {
				l.cells = append(l.cells, sum.cell(r, rs[0], i > 0, c))
			}
		}
		sum.lines = append(sum.lines, l)
	}
	sum.noisy, sum.fewOps = sum.anyMarked(noisyMark), sum.anyMarked(fewOpsMark)
	sum.verdicts = sum.Verdicts()
}

// sortRefs orders every cell's kernel references by label (the README of
// several machines lists them so) and lays the summary out again.
func (sum *Summary) sortRefs() {
	for _, rs := range sum.Rows {
		for _, r := range rs {
			es := r.cells[colRef]
			sort.SliceStable(es, func(i, j int) bool { return es[i].label < es[j].label })
		}
	}
	sum.lay()
}

// columns are the model columns shown: python only when a python-* model
// answered something.
func (sum *Summary) columns() []string {
	cols := []string{colGoroutine, colThread, colProcess}
	if sum.python {
		cols = append(cols, colPython)
	}
	return append(cols, colRef)
}

// WriteMarkdown writes the table and the verdicts. link is what a cell
// links to before "#family": "" inside the report, the report's README.md
// path from elsewhere.
func (sum *Summary) WriteMarkdown(w io.Writer, link string) error {
	var b strings.Builder
	cols := sum.cols
	if len(sum.Machines) > 1 {
		for _, m := range sum.Machines {
			fmt.Fprintf(&b, "- **%s**: %s (`%s`)\n", m.Name, m.Describe(), m.File.Label)
		}
		b.WriteString("\n")
	}
	b.WriteString("| question |")
	for _, m := range sum.Machines {
		for _, c := range cols {
			fmt.Fprintf(&b, " %s |", strings.TrimSpace(c+" "+m.Name))
		}
	}
	b.WriteString("\n| --- |" + strings.Repeat(" --- |", len(cols)*len(sum.Machines)) + "\n")
	for _, l := range sum.lines {
		fmt.Fprintf(&b, "| %s |", l.question)
		for _, c := range l.cells {
			var parts []string
			for _, p := range c {
				parts = append(parts, fmt.Sprintf("%s[%s](%s)%s", p.label, p.value, link+l.anchor, p.note))
			}
			fmt.Fprintf(&b, " %s |", strings.Join(parts, "<br>"))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	if sum.noisy {
		b.WriteString(noisyMark + " after a figure: its 95% confidence interval is wider than the value; shown, never called the winner.\n\n")
	}
	if sum.fewOps {
		fmt.Fprintf(&b, "%s after a figure: a run of it did fewer than %d ops, so it is one op's cost, whatever that op met; shown, never called the winner.\n\n", fewOpsMark, results.MinOps)
	}
	for _, v := range sum.verdicts {
		b.WriteString("- " + v + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell lays out one cell: each entry's median ± CI (From → To when the
// question varies a key), to be linked to the section, labelled when the
// cell holds several or a label says what it is, with its ratio to the
// first machine's same entry.
func (sum *Summary) cell(r, first row, compare bool, col string) []cellPart {
	es := r.cells[col]
	var parts []cellPart
	for _, e := range es {
		p := cellPart{value: sum.values(e, r.q)}
		if e.label != "" && (len(es) > 1 || col == colPython || col == colRef) {
			p.label = e.label + ": "
		}
		if col == colRef && r.q.RefsApart {
			p.note += " (own run)"
		}
		if e.pick != "" {
			p.note += " (" + e.pick + ")"
		}
		if e.noisy {
			p.note += " " + e.mark
		}
		if compare {
			if f, ok := findEntry(first.cells[col], e.label); ok && f.pick == e.pick && f.at.Summary.Center > 0 {
				p.note += fmt.Sprintf(" %s×%s", trimRatio(e.at.Summary.Center/f.at.Summary.Center), sum.Machines[0].Name)
			}
		}
		parts = append(parts, p)
	}
	return parts
}

// noisyMark follows a cell whose CI is wider than its value, fewOpsMark
// one whose runs did fewer than results.MinOps ops.
const (
	noisyMark  = "(noisy)"
	fewOpsMark = "(few ops)"
)

func (sum *Summary) anyMarked(mark string) bool {
	for _, rs := range sum.Rows {
		for _, r := range rs {
			for _, es := range r.cells {
				for _, e := range es {
					if e.noisy && e.mark == mark {
						return true
					}
				}
			}
		}
	}
	return false
}

func findEntry(es []entry, label string) (entry, bool) {
	for _, e := range es {
		if e.label == label {
			return e, true
		}
	}
	return entry{}, false
}

func trimRatio(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.2g", r)
}

// values is "1.09µs ±3%" or "103µs ±1% → 55.4µs ±2%"; a count says its
// unit once: "1.004 ±1% → 2.000 busy-cores ±1%".
func (sum *Summary) values(e entry, q Question) string {
	s := sumValue(e.at, q.unit(), true)
	if e.from != nil {
		s = sumValue(*e.from, q.unit(), strings.Contains(q.unit(), "sec")) + " → " + s
	}
	return s
}

func sumValue(p Point, unit string, withUnit bool) string {
	s := strings.TrimSuffix(fmtVal(p.Summary.Center, Spec{Unit: unit}), "/op")
	if !withUnit {
		s = benchunit.Scale(p.Summary.Center, benchunit.ClassOf(unit))
	}
	if r := p.Summary.PctRangeString(); r != "∞" && r != "" {
		s += " ±" + r
	}
	return s
}

// Verdicts say what the rows show: per question, which model wins and by
// how much, what the second value of a varied key gains each model and
// whether the lead changes between them (a crossover), and how the slowest
// model compares with the reference. With several machines, each verdict
// is said per machine.
func (sum *Summary) Verdicts() []string {
	var out []string
	for _, rs := range sum.Rows {
		for i, r := range rs {
			v := sum.verdict(r)
			if v == "" {
				continue
			}
			if len(rs) > 1 {
				v = sum.Machines[i].Name + ", " + v
			}
			out = append(out, v)
		}
	}
	return out
}

func (sum *Summary) verdict(r row) string {
	unit := r.q.unit()
	better := sum.better(unit)
	sp := Spec{Unit: unit}
	w := better.words(sp)
	f := func(v float64) string { return strings.TrimSuffix(fmtVal(v, sp), "/op") }
	var at, from []ranked
	var noisyNames []string
	for _, c := range modelCols {
		for _, e := range r.cells[c] {
			name := e.label
			if name == "" {
				name = c
			}
			if e.pick != "" {
				name += " (" + e.pick + ")"
			}
			if e.noisy {
				noisyNames = append(noisyNames, fmt.Sprintf("%s (%s)", name, sumValue(e.at, unit, true)))
				continue
			}
			at = append(at, ranked{name, e.at.Summary.Center})
			if e.from != nil {
				from = append(from, ranked{name, e.from.Summary.Center})
			}
		}
	}
	if len(at) == 0 && len(noisyNames) == 0 {
		return ""
	}
	s := fmt.Sprintf("**%s** (%s): ", r.fam, r.q.Text)
	switch len(at) {
	case 0:
	case 1:
		s += fmt.Sprintf("%s: %s", at[0].name, f(at[0].v))
	default:
		s += rank(at, w, f)
	}
	if len(noisyNames) > 0 {
		if len(at) > 0 {
			s += "; "
		}
		s += "too noisy to rank (CI wider than the value, or too few ops): " + strings.Join(noisyNames, ", ")
	}
	if r.q.Vary != "" && len(from) == len(at) && len(at) > 0 {
		s += "; " + gains(r, from, at, better)
	}
	if ref := r.cells[colRef]; r.q.RefsApart && len(ref) > 0 {
		s += "; " + apart(r.q.Refs[0].Family, ref, f)
	} else if p := paired(r, f); p != "" {
		s += "; " + p
	} else if len(ref) > 0 && ref[0].at.Summary.Center > 0 && len(at) > 0 {
		worst := at[0]
		for _, x := range at {
			if better.beats(worst.v, x.v) {
				worst = x
			}
		}
		s += fmt.Sprintf("; %s (reference) is %s", ref[0].label, f(ref[0].at.Summary.Center))
		switch x := worst.v / ref[0].at.Summary.Center; {
		case strings.Contains(unit, "sec"): // a time
			s += fmt.Sprintf(", %s takes %s× as long", worst.name, trimRatio(x))
		case better > 0 && x > 0:
			s += fmt.Sprintf(", %s reaches %s× of it", worst.name, trimRatio(x))
		}
	}
	return s + "."
}

// paired sets each entry that a ref pairs with against that ref:
// "process takes 35× as long as Go pipe queue (2.0µs)".
func paired(r row, f func(float64) string) string {
	var parts []string
	for _, ref := range r.cells[colRef] {
		if ref.pair == "" || !(ref.at.Summary.Center > 0) {
			continue
		}
		for _, c := range modelCols {
			for _, e := range r.cells[c] {
				if name := cmp.Or(e.label, c); name == ref.pair && !e.noisy {
					parts = append(parts, fmt.Sprintf("%s takes %s× as long as %s (%s)", name,
						trimRatio(e.at.Summary.Center/ref.at.Summary.Center), ref.label, f(ref.at.Summary.Center)))
				}
			}
		}
	}
	return strings.Join(parts, ", ")
}

// apart says references measured in a run of their own, each beside the
// first: "in WebReference's own run (…), A is 90.8k req/s, B 94.9k req/s (1.05× A)".
func apart(fam string, ref []entry, f func(float64) string) string {
	s := fmt.Sprintf("in %s's own run (not comparable with the columns), ", fam)
	for i, e := range ref {
		verb := " is "
		if i > 0 {
			s, verb = s+", ", " "
		}
		s += e.label + verb + f(e.at.Summary.Center)
		if i > 0 && ref[0].at.Summary.Center > 0 {
			s += fmt.Sprintf(" (%.2f× %s)", e.at.Summary.Center/ref[0].at.Summary.Center, ref[0].label)
		}
	}
	return s
}

// gains says what moving the varied key from From to To gives each model,
// and where the lead changes hands.
func gains(r row, from, at []ranked, better Better) string {
	vf, vt := "", ""
	for _, c := range modelCols {
		for _, e := range r.cells[c] {
			if e.from != nil {
				vf, _ = keyVal(*e.from, r.q.Vary)
				vt, _ = keyVal(e.at, r.q.Vary)
			}
		}
	}
	var parts []string
	for i := range at {
		g := better.factor(at[i].v, from[i].v)
		if math.IsNaN(g) || math.IsInf(g, 0) {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.2f×", at[i].name, g))
	}
	s := fmt.Sprintf("from %s=%s to %s: %s", r.q.Vary, vf, vt, strings.Join(parts, ", "))
	if b1, b2 := clearBest(from, better), clearBest(at, better); b1 != "" && b2 != "" && b1 != b2 {
		s += fmt.Sprintf(" (crossover: %s leads at %s=%s, %s at %s)", b1, r.q.Vary, vf, b2, vt)
	}
	return s
}

// clearBest is the best contender when it leads the next by 5% or more
// (the gap rank calls noise-sized), else "": a tie is no lead to change.
func clearBest(rs []ranked, better Better) string {
	name := best(rs, better)
	var lead, next float64
	for _, r := range rs {
		switch {
		case r.name == name:
			lead = r.v
		case math.IsNaN(r.v) || r.v <= 0:
		case next == 0 || better.beats(r.v, next):
			next = r.v
		}
	}
	if next == 0 || lead == 0 {
		return name
	}
	if better.factor(lead, next) < 1.05 {
		return ""
	}
	return name
}

// common keeps, of several machines' points, those of a sub-benchmark and
// unit that every machine has: a summary compares like with like (one
// machine's chunk=512 is not the other's chunk=64). The GOMAXPROCS suffix
// is left out of the match, as machines of other sizes run at their own.
func common(per [][]Point) [][]Point {
	if len(per) < 2 {
		return per
	}
	key := func(p Point) string { return p.Family + "/" + p.Sub + " " + p.Unit + " " + gomaxprocsOne(p) }
	count := map[string]int{}
	for _, pts := range per {
		seen := map[string]bool{}
		for _, p := range pts {
			if k := key(p); !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	out := make([][]Point, len(per))
	for i, pts := range per {
		for _, p := range pts {
			if count[key(p)] == len(per) {
				out[i] = append(out[i], p)
			}
		}
	}
	return out
}

// gomaxprocsOne tells GOMAXPROCS 1 (which every machine runs alike) from
// the rest.
func gomaxprocsOne(p Point) string {
	if p.Keys["gomaxprocs"] == "1" {
		return "1"
	}
	return ""
}
