package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

// Set is every benchmark result read from a list of files, after the filter.
// Results are clones, safe to keep; they are in input order, which is the
// order benchproc uses for "first observed" sorting.
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

// Config is one file-level configuration line ("goos: linux").
type Config struct{ Key, Value string }

// Error is a load error at a place in an input. Line is 0 when the error is
// about the whole file (missing, empty).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// builtinUnits are the units the testing package reports itself, after
// benchunit.Tidy ("ns/op" becomes "sec/op", "MB/s" becomes "B/s"). Any other
// unit must be declared with a "Unit <name> key=value" line: concbench's
// bench package declares every custom metric, so an undeclared unit is a
// typo or a missing declareUnit, and its better=/assume= would be guessed.
var builtinUnits = map[string]bool{
	"sec/op": true, "B/op": true, "allocs/op": true, "B/s": true,
}

// Load reads benchmark files (each "path" or "label=path", as benchstat
// accepts) and keeps the results that match filter (benchproc syntax; "" or
// "*" keeps all). It stops at the first problem, returning an *Error: a
// malformed benchmark or Unit line, a unit that is neither built in nor
// declared, a file with no results, a file that cannot be read. The inputs
// are only read.
func Load(paths []string, filter string) (*Set, error) {
	if len(paths) == 0 {
		return nil, errors.New("no input files")
	}
	if filter == "" {
		filter = "*"
	}
	f, err := benchproc.NewFilter(filter)
	if err != nil {
		return nil, flagErr("-filter", err)
	}
	s := &Set{filter: f}
	// Open each input up front: a missing file is reported before any
	// work, and naming it needs no help from benchfmt's error text.
	for _, p := range paths {
		label, path := p, p
		if i := strings.Index(p, "="); i >= 0 {
			label, path = p[:i], p[i+1:]
		}
		st, err := os.Stat(path)
		if err != nil {
			msg := err.Error()
			if errors.Is(err, fs.ErrNotExist) {
				msg = "no such file"
			}
			return nil, &Error{File: path, Msg: msg}
		}
		if st.IsDir() {
			return nil, &Error{File: path, Msg: "is a directory, want a result file"}
		}
		s.Files = append(s.Files, File{Label: label, Path: path})
	}
	byPath := map[string]*File{}
	for i := range s.Files {
		byPath[s.Files[i].Path] = &s.Files[i]
	}

	type pos struct {
		file string
		line int
	}
	firstUse := map[string]pos{} // unit -> first result line using it
	var unitOrder []string

	files := benchfmt.Files{Paths: paths, AllowLabels: true}
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, &Error{File: rec.FileName, Line: rec.Line, Msg: rec.Msg}
		case *benchfmt.Result:
			name, line := rec.Pos()
			if in := byPath[name]; in != nil {
				if in.Results == 0 {
					for _, c := range rec.Config {
						if c.File {
							in.Config = append(in.Config, Config{c.Key, string(c.Value)})
						}
					}
				}
				in.Results++
			}
			for _, v := range rec.Values {
				if _, ok := firstUse[v.Unit]; !ok {
					firstUse[v.Unit] = pos{name, line}
					unitOrder = append(unitOrder, v.Unit)
				}
			}
			ok, err := f.Apply(rec)
			if err != nil {
				return nil, &Error{File: name, Line: line, Msg: "-filter: " + err.Error()}
			}
			if ok {
				s.Results = append(s.Results, rec.Clone())
			}
		}
	}
	if err := files.Err(); err != nil {
		return nil, err // benchfmt's I/O errors already read "file:line: ..."
	}
	for _, in := range s.Files {
		if in.Results == 0 {
			return nil, &Error{File: in.Path, Msg: "no benchmark results (empty or not benchmark output)"}
		}
	}
	s.Units = files.Units()
	declared := map[string]bool{}
	for k := range s.Units {
		declared[k.Unit] = true
	}
	for _, u := range unitOrder {
		if !builtinUnits[u] && !declared[u] {
			p := firstUse[u]
			return nil, &Error{File: p.file, Line: p.line,
				Msg: fmt.Sprintf("unit %q is not declared (add a line \"Unit %s better=lower\" or better=higher)", u, u)}
		}
	}
	if len(s.Results) == 0 {
		return nil, fmt.Errorf("-filter %q: no results match", filter)
	}
	return s, nil
}

// Better reports whether higher (+1) or lower (-1) values of unit are
// better, or 0 when unknown (benchfmt's defaults for built-in units).
func (s *Set) Better(unit string) int { return s.Units.GetBetter(unit) }
