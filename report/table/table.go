package table

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/aclements/go-moremath/stats"
	"github.com/concbench/concbench/report/results"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
)

// Options are benchstat's projection and statistics flags. The zero
// value means benchstat's defaults: -table .config -row .fullname -col .file
// -confidence 0.95 -alpha 0.05.
type Options struct {
	Table, Row, Col, Ignore string
	Confidence, Alpha       float64
}

func (o Options) withDefaults() Options {
	if o.Table == "" {
		o.Table = ".config"
	}
	if o.Row == "" {
		o.Row = ".fullname"
	}
	if o.Col == "" {
		o.Col = ".file"
	}
	if o.Confidence == 0 {
		o.Confidence = 0.95
	}
	if o.Alpha == 0 {
		o.Alpha = benchmath.DefaultThresholds.CompareAlpha
	}
	return o
}

// Config is one file-level configuration line ("goos: linux").
type Config struct{ Key, Value string }

// Tables is a sequence of tables, one per distinct -table key (which always
// ends with the unit), in benchproc's sort order.
type Tables struct {
	Tables []*Table
}

// Table is one unit's grid of cells: Rows × Cols, every column compared with
// the first one, row by row.
type Table struct {
	// Key is the table's -table key; its last field is .unit.
	Key benchproc.Key
	// Config is Key's fields other than .unit, as "name: value" pairs.
	Config []Config
	Unit   string
	// Better is +1 if higher values are better, -1 if lower, 0 unknown.
	Better     int
	Assumption benchmath.Assumption
	Rows, Cols []benchproc.Key
	Cells      map[CellKey]*Cell
	// Geomean is the summary row, by column, benchstat's "geomean".
	Geomean map[benchproc.Key]*Geomean
	// machines names the machine of each column key (a file label) when
	// the tables hold several machines (see Tables.NameMachines).
	machines map[string]string
}

// CellKey addresses one cell.
type CellKey struct{ Row, Col benchproc.Key }

// Cell is the sample of values that share a row and a column key.
type Cell struct {
	Sample  *benchmath.Sample
	Summary benchmath.Summary
	// Base is the cell in the row's first column, nil in the first column
	// or when the row has no baseline; Comparison is meaningful only with
	// a Base.
	Base       *Cell
	Comparison benchmath.Comparison
	// Warnings gathers the sample's, summary's and residue warnings.
	Warnings []error
}

// Delta is the cell's change from its Base as benchstat prints it
// ("-17.20%", or "~" when the difference is not significant).
func (c *Cell) Delta() string {
	if c.Base == nil {
		return ""
	}
	return c.Comparison.FormatDelta(c.Base.Summary.Center, c.Summary.Center)
}

// Significant reports whether the cell differs from its Base at the
// table's alpha.
func (c *Cell) Significant() bool {
	return c.Base != nil && c.Delta() != "~"
}

// Geomean summarises one column: the geometric mean of the cell centers
// and, for compared columns, of the ratios to the baseline.
type Geomean struct {
	HasSummary bool
	Summary    float64
	HasRatio   bool
	Ratio      float64
	Warnings   []error
}

// Grouper builds tables one result at a time, so the tables of a stream
// need no copy of its results (see StreamTables).
type Grouper struct {
	opts Options
	pr   projections
	raw  map[benchproc.Key]*rawTable
	last lastKeys
}

// lastKeys are the projections of the previous result. A recording holds
// each benchmark's runs one after another, with one config, so most
// results project exactly as the one before: reusing its keys skips
// benchproc's interning (hashing every config value), half the cost of a
// large input.
type lastKeys struct {
	name, units []byte // the units, joined
	config      []benchfmt.Config
	tableKeys   []benchproc.Key
	cell        CellKey
	residue     benchproc.Key
}

// same reports whether r projects as the last result did.
func (l *lastKeys) same(r *benchfmt.Result) bool {
	if l.tableKeys == nil || !bytes.Equal(l.name, r.Name) || !results.SameConfig(l.config, r.Config) {
		return false
	}
	u := l.units
	for _, v := range r.Values {
		rest, ok := bytes.CutPrefix(u, []byte(v.Unit+"\x00"))
		if !ok {
			return false
		}
		u = rest
	}
	return len(u) == 0
}

// keep remembers r's projections (copying what r's reader reuses).
func (l *lastKeys) keep(r *benchfmt.Result, tableKeys []benchproc.Key, cell CellKey, residue benchproc.Key) {
	l.name = append(l.name[:0], r.Name...)
	l.units = l.units[:0]
	for _, v := range r.Values {
		l.units = append(append(l.units, v.Unit...), 0)
	}
	l.config = l.config[:0]
	for _, c := range r.Config {
		l.config = append(l.config, benchfmt.Config{Key: c.Key, Value: bytes.Clone(c.Value), File: c.File})
	}
	l.tableKeys, l.cell, l.residue = append(l.tableKeys[:0], tableKeys...), cell, residue
}

func NewGrouper(opts Options, filter *benchproc.Filter) (*Grouper, error) {
	opts = opts.withDefaults()
	if opts.Alpha < 0 || opts.Alpha > 1 {
		return nil, errors.New("-alpha must be in range [0, 1]")
	}
	if opts.Confidence <= 0 || opts.Confidence > 1 {
		return nil, errors.New("-confidence must be in range (0, 1]")
	}
	pr, err := parseProjections(opts, filter)
	if err != nil {
		return nil, err
	}
	return &Grouper{opts: opts, pr: pr, raw: map[benchproc.Key]*rawTable{}}, nil
}

// tables summarises and compares what was added.
func (g *Grouper) Tables(units benchfmt.UnitMetadataMap) *Tables {
	thresholds := benchmath.DefaultThresholds
	thresholds.CompareAlpha = g.opts.Alpha
	out := &Tables{}
	for _, tk := range sortedKeys(g.raw) {
		out.Tables = append(out.Tables, newTable(units, tk, g.raw[tk], g.pr.unit, &thresholds, g.opts.Confidence))
	}
	return out
}

// projections are the parsed -table, -row and -col flags, and what is left
// over (the residue a cell's results may vary in).
type projections struct {
	table, row, col, residue *benchproc.Projection
	unit                     *benchproc.Field
}

func parseProjections(opts Options, filter *benchproc.Filter) (projections, error) {
	var p benchproc.ProjectionParser
	var pr projections
	var err error
	if pr.table, pr.unit, err = p.ParseWithUnit(opts.Table, filter); err != nil {
		return pr, FlagError("-table", err)
	}
	if pr.row, err = p.Parse(opts.Row, filter); err != nil {
		return pr, FlagError("-row", err)
	}
	if pr.col, err = p.Parse(opts.Col, filter); err != nil {
		return pr, FlagError("-col", err)
	}
	if _, err := p.Parse(opts.Ignore, filter); err != nil {
		return pr, FlagError("-ignore", err)
	}
	pr.residue = p.Residue()
	return pr, nil
}

// rawTable is one table's values before statistics.
type rawTable struct {
	rows, cols map[benchproc.Key]struct{}
	cells      map[CellKey]*rawCell
}

type rawCell struct {
	values  []float64
	residue map[benchproc.Key]struct{}
}

// add puts every value of r in its table and cell. r may be reused by
// the caller afterwards: benchproc interns the keys, values are copied.
func (g *Grouper) Add(r *benchfmt.Result) {
	tableKeys, ck, res := g.last.tableKeys, g.last.cell, g.last.residue
	if !g.last.same(r) {
		pr := g.pr
		tableKeys = pr.table.ProjectValues(r)
		ck = CellKey{pr.row.Project(r), pr.col.Project(r)}
		res = pr.residue.Project(r)
		g.last.keep(r, tableKeys, ck, res)
	}
	for i, tk := range tableKeys {
		t := g.raw[tk]
		if t == nil {
			t = &rawTable{map[benchproc.Key]struct{}{}, map[benchproc.Key]struct{}{}, map[CellKey]*rawCell{}}
			g.raw[tk] = t
		}
		c := t.cells[ck]
		if c == nil {
			c = &rawCell{residue: map[benchproc.Key]struct{}{}}
			t.cells[ck] = c
			t.rows[ck.Row] = struct{}{}
			t.cols[ck.Col] = struct{}{}
		}
		c.values = append(c.values, r.Values[i].Value)
		c.residue[res] = struct{}{}
	}
}

// newTable summarises and compares the cells of one table.
func newTable(units benchfmt.UnitMetadataMap, tk benchproc.Key, rt *rawTable, unitField *benchproc.Field, th *benchmath.Thresholds, confidence float64) *Table {
	unit := tk.Get(unitField)
	t := &Table{
		Key:        tk,
		Unit:       unit,
		Better:     results.Better(units, unit),
		Assumption: units.GetAssumption(unit),
		Rows:       sortedKeys(rt.rows),
		Cols:       sortedKeys(rt.cols),
		Cells:      map[CellKey]*Cell{},
		Geomean:    map[benchproc.Key]*Geomean{},
	}
	for _, f := range tk.Projection().FlattenedFields() {
		if f.Name != ".unit" {
			t.Config = append(t.Config, Config{f.Name, tk.Get(f)})
		}
	}
	for k, rc := range rt.cells {
		t.Cells[k] = &Cell{Sample: benchmath.NewSample(rc.values, th)}
	}
	base := t.Cols[0]
	for k, rc := range rt.cells {
		c := t.Cells[k]
		c.Summary = t.Assumption.Summary(c.Sample, confidence)
		if k.Col != base {
			c.Base = t.Cells[CellKey{k.Row, base}]
		}
		// benchstat's order: the sample's, the residue's, the summary's.
		c.Warnings = append(c.Warnings, c.Sample.Warnings...)
		if nsk := benchproc.NonSingularFields(sortedKeys(rc.residue)); len(nsk) > 0 {
			var names []string
			for _, f := range nsk {
				names = append(names, f.Name)
			}
			c.Warnings = append(c.Warnings, errors.New("benchmarks vary in "+strings.Join(names, ", ")))
		}
		c.Warnings = append(c.Warnings, c.Summary.Warnings...)
	}
	// Comparisons need every baseline's summary, so a second pass.
	for _, c := range t.Cells {
		if c.Base != nil {
			c.Comparison = t.Assumption.Compare(c.Base.Sample, c.Sample)
		}
	}
	t.summarize()
	return t
}

// summarize fills the geomean row exactly as benchstat does: the geomean
// of the ratios (not the ratio of geomeans), with a warning when a column's
// benchmark set differs from the baseline's.
func (t *Table) summarize() {
	base := t.Cols[0]
	nBase := 0
	for _, row := range t.Rows {
		if _, ok := t.Cells[CellKey{row, base}]; ok {
			nBase++
		}
	}
	for i, col := range t.Cols {
		g := &Geomean{}
		t.Geomean[col] = g
		var centers, ratios []float64
		badRatio := false
		for _, row := range t.Rows {
			c, ok := t.Cells[CellKey{row, col}]
			if !ok {
				continue
			}
			centers = append(centers, c.Summary.Center)
			if c.Base == nil {
				continue
			}
			a, b := c.Summary.Center, c.Base.Summary.Center
			switch {
			case a == b:
				ratios = append(ratios, 1)
			case b == 0:
				badRatio = true
				ratios = append(ratios, 0)
			default:
				ratios = append(ratios, a/b)
			}
		}
		if i > 0 && nBase != len(ratios) {
			g.Warnings = append(g.Warnings, errors.New("benchmark set differs from baseline; geomeans may not be comparable"))
		}
		if gm := stats.GeoMean(centers); math.IsNaN(gm) {
			g.Warnings = append(g.Warnings, errors.New("summaries must be >0 to compute geomean"))
		} else {
			g.HasSummary, g.Summary = true, gm
		}
		if i > 0 && !badRatio {
			if gm := stats.GeoMean(ratios); math.IsNaN(gm) {
				g.Warnings = append(g.Warnings, errors.New("ratios must be >0 to compute geomean"))
			} else {
				g.HasRatio, g.Ratio = true, gm
			}
		}
	}
}

func sortedKeys[V any](m map[benchproc.Key]V) []benchproc.Key {
	keys := make([]benchproc.Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	benchproc.SortKeys(keys)
	return keys
}

// FlagError makes benchproc's three-line syntax errors (message, query,
// caret) one line: "-col \"((\": syntax error: expected key at column 2".
func FlagError(flag string, err error) error {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		return fmt.Errorf("%s: %s", flag, strings.Join(lines, " "))
	}
	col := strings.Index(lines[2], "^")
	return fmt.Errorf("%s %q: %s at column %d", flag, strings.TrimPrefix(lines[1], "\t"), lines[0], col)
}
