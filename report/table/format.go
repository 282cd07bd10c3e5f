package table

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"
)

// The three renderers share one vocabulary with benchstat: a center scaled
// with a common prefix across the row ("1.718µ"), "± 1%" for the confidence
// interval, the delta from the baseline ("-17.20%" or "~") and the test
// ("p=0.000 n=10"). Only the layout differs between text, Markdown and CSV.

// configHeaders returns, for each table, the "key: value" lines benchstat
// prints before it: the table key fields that changed since the previous
// table.
func (ts *Tables) configHeaders() [][]string {
	out := make([][]string, len(ts.Tables))
	var prev []Config
	for i, t := range ts.Tables {
		for j, c := range t.Config {
			if prev == nil || j >= len(prev) || prev[j] != c {
				out[i] = append(out[i], c.Key+": "+c.Value)
			}
		}
		prev = t.Config
	}
	return out
}

// footnotes numbers distinct warning texts per table, like benchstat.
type footnotes struct {
	list []string
	idx  map[string]int
}

func (f *footnotes) mark(errs ...[]error) string {
	if f.idx == nil {
		f.idx = map[string]int{}
	}
	var marks []string
	for _, es := range errs {
		for _, e := range es {
			s := e.Error()
			i, ok := f.idx[s]
			if !ok {
				i = len(f.list)
				f.idx[s] = i
				f.list = append(f.list, s)
			}
			marks = append(marks, superscript(i+1))
		}
	}
	return strings.Join(marks, " ")
}

func superscript(i int) string {
	digits := []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")
	s := fmt.Sprint(i)
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(digits[r-'0'])
	}
	return b.String()
}

// rowScaler is benchstat's common scale for a row's centers.
func (t *Table) rowScaler(row benchproc.Key) benchunit.Scaler {
	var vals []float64
	for _, col := range t.Cols {
		if c, ok := t.Cells[CellKey{row, col}]; ok {
			vals = append(vals, c.Summary.Center)
		}
	}
	return benchunit.CommonScale(vals, benchunit.ClassOf(t.Unit))
}

// cellText is one logical column of one row, in pieces.
type cellText struct {
	center, rng, warn  string // "1.718µ", "1%", "¹"
	delta, test, cwarn string // "-17.20%", "(p=0.000 n=10)", "²"
	present, compared  bool
}

func (t *Table) rowTexts(row benchproc.Key, fn *footnotes) []cellText {
	sc := t.rowScaler(row)
	out := make([]cellText, len(t.Cols))
	for i, col := range t.Cols {
		c, ok := t.Cells[CellKey{row, col}]
		if !ok {
			continue
		}
		ct := cellText{present: true, center: sc.Format(c.Summary.Center), rng: c.Summary.PctRangeString()}
		ct.warn = fn.mark(c.Warnings)
		if i > 0 && c.Base != nil {
			ct.compared = true
			ct.delta = c.Delta()
			ct.test = "(" + c.Comparison.String() + ")"
			ct.cwarn = fn.mark(c.Comparison.Warnings)
		}
		out[i] = ct
	}
	return out
}

func (t *Table) geomeanTexts(fn *footnotes) []cellText {
	cls := benchunit.ClassOf(t.Unit)
	out := make([]cellText, len(t.Cols))
	for i, col := range t.Cols {
		g := t.Geomean[col]
		ct := cellText{present: true}
		if g.HasSummary {
			ct.center = benchunit.Scale(g.Summary, cls)
		}
		if i > 0 {
			ct.compared = true
			ct.delta = "?"
			if g.HasRatio {
				ct.delta = fmt.Sprintf("%+.2f%%", (g.Ratio-1)*100)
			}
		}
		if i == 0 {
			ct.warn = fn.mark(g.Warnings)
		} else {
			ct.cwarn = fn.mark(g.Warnings)
		}
		out[i] = ct
	}
	return out
}

// WriteText renders the tables for a fixed-width font, in benchstat's
// layout: config lines, a header with the column keys and the unit, one
// row per benchmark, the geomean row, then numbered warnings.
func (ts *Tables) WriteText(w io.Writer) error {
	hdrs := ts.configHeaders()
	var b strings.Builder
	for i, t := range ts.Tables {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, h := range hdrs[i] {
			b.WriteString(h + "\n")
		}
		t.writeText(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func width(s string) int { return utf8.RuneCountInString(s) }

func pad(s string, w int, right bool) string {
	n := w - width(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

func center(s string, w int) string {
	n := w - width(s)
	if n <= 0 {
		return s
	}
	return strings.Repeat(" ", n/2) + s + strings.Repeat(" ", n-n/2)
}

func (t *Table) writeText(b *strings.Builder) {
	var fn footnotes
	labels := []string{}
	var rows [][]cellText
	for _, r := range t.Rows {
		labels = append(labels, r.StringValues())
		rows = append(rows, t.rowTexts(r, &fn))
	}
	if len(t.Rows) > 1 {
		labels = append(labels, "geomean")
		rows = append(rows, t.geomeanTexts(&fn))
	}
	cells, leftW := layoutCells(rows, len(t.Cols))
	colW := t.columnWidths(rows, cells, leftW)
	labelW := 0
	for _, l := range labels {
		labelW = max(labelW, width(l))
	}
	t.writeTextHeader(b, labelW, colW, leftW)
	for r, row := range cells {
		line := pad(labels[r], labelW, false)
		for i := range row {
			s := pad(row[i][0], leftW[i], false)
			if i > 0 && rows[r][i].compared {
				s += "  " + row[i][1]
			}
			line += "   " + pad(s, colW[i], false)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	for i, s := range fn.list {
		fmt.Fprintf(b, "%s %s\n", superscript(i+1), s)
	}
}

// pieceWidths are the widths of a logical column's pieces.
type pieceWidths struct{ center, rng, warn, delta, test, cwarn int }

// layoutCells lays out each cell as its left part (center ± range and
// warning) and its right part (delta, test, warning), aligned within each
// logical column; leftW is the widest left part per column.
func layoutCells(rows [][]cellText, n int) (cells [][][2]string, leftW []int) {
	ws := make([]pieceWidths, n)
	for _, row := range rows {
		for i, c := range row {
			w := &ws[i]
			w.center = max(w.center, width(c.center))
			w.rng = max(w.rng, width(c.rng))
			w.warn = max(w.warn, width(c.warn))
			w.delta = max(w.delta, width(c.delta))
			w.test = max(w.test, width(c.test))
			w.cwarn = max(w.cwarn, width(c.cwarn))
		}
	}
	leftW = make([]int, n)
	cells = make([][][2]string, len(rows))
	for r, row := range rows {
		cells[r] = make([][2]string, n)
		for i, c := range row {
			l, rt := ws[i].render(c)
			cells[r][i] = [2]string{l, rt}
			leftW[i] = max(leftW[i], width(l))
		}
	}
	return cells, leftW
}

func (w pieceWidths) render(c cellText) (left, right string) {
	if c.center != "" || c.rng != "" {
		left = pad(c.center, w.center, true)
		if c.rng != "" {
			left += " ± " + pad(c.rng, w.rng, true)
		} else {
			left += "   " + strings.Repeat(" ", w.rng)
		}
	}
	if w.warn > 0 {
		left = pad(left, w.center+3+w.rng, false) + " " + pad(c.warn, w.warn, false)
	}
	if c.compared {
		right = pad(c.delta, w.delta, true)
		if w.test > 0 {
			right += " " + pad(c.test, w.test, false)
		}
		if w.cwarn > 0 {
			right += " " + pad(c.cwarn, w.cwarn, false)
		}
	}
	return left, right
}

// columnWidths is each logical column's width: its cells, the unit and
// "vs base" header, and the column key header values above it.
func (t *Table) columnWidths(rows [][]cellText, cells [][][2]string, leftW []int) []int {
	colW := make([]int, len(t.Cols))
	for r := range rows {
		for i := range cells[r] {
			full := pad(cells[r][i][0], leftW[i], false)
			if i > 0 {
				full += "  " + cells[r][i][1]
			}
			colW[i] = max(colW[i], width(full))
		}
	}
	for i := range colW {
		colW[i] = max(colW[i], leftW[i], width(t.Unit))
		if i > 0 {
			colW[i] = max(colW[i], leftW[i]+2+width(t.deltaHeader(i)))
		}
	}
	// Widen the last column under a header value that does not fit.
	for nodes := benchproc.NewKeyHeader(t.Cols).Top; len(nodes) > 0; {
		var next []*benchproc.KeyHeaderNode
		for _, nd := range nodes {
			if d := width(nd.Value) - spanWidth(colW, nd.Start, nd.Len); d > 0 {
				colW[nd.Start+nd.Len-1] += d
			}
			next = append(next, nd.Children...)
		}
		nodes = next
	}
	return colW
}

// spanWidth is the width of length columns from start, with separators.
func spanWidth(colW []int, start, length int) int {
	w := 0
	for i := start; i < start+length; i++ {
		w += colW[i]
	}
	return w + 3*(length-1)
}

// writeTextHeader writes the column key header, one line per level of the
// key (benchstat's KeyHeader: a value spans the columns that share it), then
// the unit line.
func (t *Table) writeTextHeader(b *strings.Builder, labelW int, colW, leftW []int) {
	for nodes := benchproc.NewKeyHeader(t.Cols).Top; len(nodes) > 0; {
		var next []*benchproc.KeyHeaderNode
		b.WriteString(strings.Repeat(" ", labelW))
		for _, nd := range nodes {
			b.WriteString(" │ " + center(nd.Value, spanWidth(colW, nd.Start, nd.Len)))
			next = append(next, nd.Children...)
		}
		b.WriteString(" │\n")
		nodes = next
	}
	b.WriteString(strings.Repeat(" ", labelW))
	for i := range t.Cols {
		h := center(t.Unit, leftW[i])
		if i > 0 {
			h = pad(h, leftW[i], false) + "  " + t.deltaHeader(i)
		}
		b.WriteString(" │ " + pad(h, colW[i], false))
	}
	b.WriteString(" │\n")
}

// WriteCSV renders the tables as CSV in benchstat's -format csv layout, with
// full-precision centers; warnings go to warn with spreadsheet cell names.
func (ts *Tables) WriteCSV(w, warn io.Writer) error {
	o := csv.NewWriter(w)
	hdrs := ts.configHeaders()
	row := 1
	for i, t := range ts.Tables {
		if i > 0 {
			o.Write([]string{""})
			row++
		}
		for _, h := range hdrs[i] {
			o.Write([]string{h})
			row++
		}
		row += t.writeCSV(o, row, warn)
	}
	o.Flush()
	return o.Error()
}

// csvRows writes a table's rows in benchstat's CSV layout: logical column
// exp starts at spreadsheet column csvCol(exp), and each warning is printed
// with the name of the cell it is about ("C7: ...").
type csvRows struct {
	o        *csv.Writer
	warnings io.Writer
	row      []string
	n        int // the rows written, so the sheet row is startRow+n
	startRow int
}

func csvCol(exp int) int {
	if exp == 0 {
		return 1
	}
	return 1 + 2 + (exp-1)*4
}

func (c *csvRows) clearTo(col int) {
	for len(c.row) < col {
		c.row = append(c.row, "")
	}
}

func (c *csvRows) emit() {
	c.o.Write(c.row)
	c.row = c.row[:0]
	c.n++
}

func (c *csvRows) warn(msgs []error) {
	var name []byte
	for x := len(c.row); x > 0; x /= 26 {
		name = append([]byte{'A' + byte(x%26)}, name...)
	}
	if len(name) == 0 {
		name = []byte{'A'}
	}
	for _, m := range msgs {
		fmt.Fprintf(c.warnings, "%s%d: %s\n", name, c.startRow+c.n, m)
	}
}

func (t *Table) writeCSV(o *csv.Writer, startRow int, warnings io.Writer) (rowCount int) {
	c := &csvRows{o: o, warnings: warnings, startRow: startRow}
	for _, f := range t.Cols[0].Projection().FlattenedFields() {
		for exp, k := range t.Cols {
			c.clearTo(csvCol(exp))
			c.row = append(c.row, k.Get(f))
		}
		c.clearTo(csvCol(len(t.Cols)))
		c.emit()
	}
	for exp := range t.Cols {
		c.clearTo(csvCol(exp))
		c.row = append(c.row, t.Unit, "CI")
		if exp > 0 {
			c.row = append(c.row, t.deltaHeader(exp), "P")
		}
	}
	c.emit()
	for _, rk := range t.Rows {
		c.row = append(c.row, rk.StringValues())
		for exp, ck := range t.Cols {
			cell, ok := t.Cells[CellKey{rk, ck}]
			if !ok {
				continue
			}
			c.clearTo(csvCol(exp))
			c.warn(cell.Warnings)
			c.row = append(c.row, fmt.Sprint(cell.Summary.Center), cell.Summary.PctRangeString())
			if exp > 0 && cell.Base != nil {
				c.warn(cell.Comparison.Warnings)
				c.row = append(c.row, cell.Delta(), cell.Comparison.String())
			}
		}
		c.emit()
	}
	t.writeCSVGeomean(c)
	return c.n
}

func (t *Table) writeCSVGeomean(c *csvRows) {
	c.row = append(c.row, "geomean")
	for exp, ck := range t.Cols {
		g := t.Geomean[ck]
		c.clearTo(csvCol(exp))
		c.warn(g.Warnings)
		if g.HasSummary {
			c.row = append(c.row, fmt.Sprint(g.Summary))
		}
		if exp > 0 {
			c.clearTo(csvCol(exp) + 2)
			if g.HasRatio {
				c.row = append(c.row, fmt.Sprintf("%+.2f%%", (g.Ratio-1)*100))
			} else {
				c.row = append(c.row, "?")
			}
		}
	}
	c.clearTo(csvCol(len(t.Cols)))
	c.emit()
}

// WriteMarkdown renders each table as a GitHub-flavoured Markdown table,
// preceded by its config lines in a code span and followed by its
// numbered warnings.
func (ts *Tables) WriteMarkdown(w io.Writer) error {
	return ts.WriteMarkdownShown(w, nil)
}

// WriteMarkdownShown is WriteMarkdown leaving out the config lines that
// equal known's: the report's README shows the machine once, above every
// table.
func (ts *Tables) WriteMarkdownShown(w io.Writer, known []Config) error {
	hdrs := ts.configHeaders()
	var b strings.Builder
	for i, t := range ts.Tables {
		if i > 0 {
			b.WriteString("\n")
		}
		if known != nil {
			hdrs[i] = nil
			for _, c := range t.Config {
				if !slices.Contains(known, c) {
					hdrs[i] = append(hdrs[i], c.Key+": "+c.Value)
				}
			}
		}
		if len(hdrs[i]) > 0 {
			b.WriteString("`" + strings.Join(hdrs[i], "` · `") + "`\n\n")
		}
		t.writeMarkdown(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// EscapeMarkdown escapes s for a Markdown table cell.
func EscapeMarkdown(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// opt is sep+s, or nothing when s is empty: an optional part of a cell.
func opt(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func (t *Table) writeMarkdown(b *strings.Builder) {
	var fn footnotes
	hdr := []string{"benchmark"}
	align := []string{":--"}
	for i := range t.Cols {
		hdr = append(hdr, t.colTitle(i)+" ("+t.Unit+")")
		align = append(align, "--:")
		if i > 0 {
			hdr = append(hdr, t.deltaHeader(i))
			align = append(align, "--:")
		}
	}
	b.WriteString("| " + strings.Join(hdr, " | ") + " |\n")
	b.WriteString("| " + strings.Join(align, " | ") + " |\n")
	line := func(label string, cts []cellText) {
		cells := []string{EscapeMarkdown(label)}
		for i, c := range cts {
			cells = append(cells, c.center+opt(" ± ", c.rng)+opt(" ", c.warn))
			if i > 0 {
				cells = append(cells, c.delta+opt(" ", c.test)+opt(" ", c.cwarn))
			}
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	for _, r := range t.Rows {
		line(r.StringValues(), t.rowTexts(r, &fn))
	}
	if len(t.Rows) > 1 {
		line("**geomean**", t.geomeanTexts(&fn))
	}
	if len(fn.list) > 0 {
		b.WriteString("\n")
		for i, s := range fn.list {
			fmt.Fprintf(b, "%s %s  \n", superscript(i+1), s)
		}
	}
}
