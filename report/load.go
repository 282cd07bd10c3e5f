package report

import (
	"bytes"
	"fmt"

	"github.com/concbench/concbench/report/results"
	"github.com/concbench/concbench/report/table"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

// Set is every benchmark result read from a list of files, after the filter.
// Results are in input order, which is the order benchproc uses for "first
// observed" sorting. They are safe to keep but share storage with each
// other (see keeper): treat them as read-only.
type Set struct {
	Results []*benchfmt.Result
	Units   benchfmt.UnitMetadataMap
	Files   []File

	filter *benchproc.Filter
}

// File is one input: its .file label, its path, its file-level config lines
// in the order they first appeared, and how many results it held.
type File struct {
	Label, Path string
	Config      []Config
	Results     int
}

// Error is a load error at a place in an input. Line is 0 when the error is
// about the whole file (missing, empty).
type Error = results.Error

// Load reads benchmark files (each "path" or "label=path", as benchstat
// accepts) with the strict loader of package results, and keeps the
// results that match filter (benchproc syntax; "" or "*" keeps all). It
// stops at the first problem, returning a *results.Error naming the file
// and line (see package results for what is rejected). The inputs are
// only read. A malformed selector in FamilyTable (see Where) is an error
// before any file is read.
func Load(paths []string, filter string) (*Set, error) {
	if err := checkFamilies(FamilyTable); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	s := &Set{}
	k := keeper{names: map[string]benchfmt.Name{}}
	err := s.scan(paths, filter, func(rec *benchfmt.Result) { s.Results = append(s.Results, k.keep(rec)) })
	if err != nil {
		return nil, err
	}
	return s, nil
}

// StreamTables is Load followed by Set.Tables without keeping the results:
// each result goes into its table cell as it is read, as benchstat does,
// so the text tables of a large input cost its values, not its records.
// The returned Set has the files and units but no Results.
func StreamTables(paths []string, filter string, opts TableOptions) (*Tables, *Set, error) {
	if err := checkFamilies(FamilyTable); err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	s := &Set{}
	var g *table.Grouper
	var gerr error
	err := s.scan(paths, filter, func(rec *benchfmt.Result) {
		if g == nil && gerr == nil {
			g, gerr = table.NewGrouper(opts, s.filter)
		}
		if gerr == nil {
			g.Add(rec)
		}
	})
	if err == nil {
		err = gerr
	}
	if err != nil {
		return nil, nil, err
	}
	return g.Tables(s.Units), s, nil
}

// scan reads the files strictly, hands every result that matches filter
// to each (which must copy what it keeps: the record is reused), and fills
// in s's files, units and filter.
func (s *Set) scan(paths []string, filter string, each func(*benchfmt.Result)) error {
	if filter == "" {
		filter = "*"
	}
	f, err := benchproc.NewFilter(filter)
	if err != nil {
		return table.FlagError("-filter", err)
	}
	s.filter = f
	r, err := results.Open(results.ParseArgs(paths))
	if err != nil {
		return err
	}
	defer r.Close()
	n := 0
	for r.Scan() {
		rec := r.Result()
		ok, err := f.Apply(rec)
		if err != nil {
			name, line := rec.Pos()
			return &Error{File: name, Line: line, Err: fmt.Errorf("-filter: %w", err)}
		}
		if ok {
			n++
			each(rec)
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	for _, in := range r.Files() {
		f := File{Label: in.Label, Path: in.Path, Results: in.Results}
		for _, c := range in.Config {
			f.Config = append(f.Config, Config(c))
		}
		s.Files = append(s.Files, f)
	}
	s.Units = r.Units()
	if n == 0 {
		return fmt.Errorf("-filter %q: no results match", filter)
	}
	return nil
}

// keeper copies results compactly, so that a million-line input costs
// little more than its values. Results with the same config (one file,
// usually) share one Config slice and its key index: a copy of a template
// Result shares the template's index map, which would otherwise be built
// per result on the first GetConfig. Equal names share one byte slice.
type keeper struct {
	tmpl  *benchfmt.Result
	names map[string]benchfmt.Name
}

func (k *keeper) keep(rec *benchfmt.Result) *benchfmt.Result {
	if k.tmpl == nil || !results.SameConfig(k.tmpl.Config, rec.Config) {
		k.tmpl = &benchfmt.Result{Config: make([]benchfmt.Config, len(rec.Config))}
		for i, c := range rec.Config {
			k.tmpl.Config[i] = benchfmt.Config{Key: c.Key, Value: bytes.Clone(c.Value), File: c.File}
		}
		k.tmpl.ConfigIndex("") // build the shared index before sharing it
	}
	name, ok := k.names[string(rec.Name)]
	if !ok {
		name = bytes.Clone(rec.Name)
		k.names[string(name)] = name
	}
	out := *k.tmpl
	out.Name = name
	out.Iters = rec.Iters
	out.Values = append([]benchfmt.Value(nil), rec.Values...)
	return &out
}

// Better says which way unit's values improve: results.Better, the rule
// the gate uses too.
func (s *Set) Better(unit string) Better { return Better(results.Better(s.Units, unit)) }
