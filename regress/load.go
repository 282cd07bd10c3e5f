package regress

import (
	"fmt"

	"github.com/concbench/concbench/report/results"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

// identityKeys are the config lines that say which machine a result came
// from; results from two machines are not comparable.
var identityKeys = []string{"cpu", "ncpu", "host-id"}

// A Set is one side of a comparison: every sample of every benchmark and
// unit in one or more result files.
type Set struct {
	Files []string
	// Identity holds, per identity key (cpu, ncpu, host-id), each distinct
	// value seen and where it was first seen.
	Identity map[string][]Origin

	cells map[benchproc.Key][]float64
	keys  []benchproc.Key // first-seen order
}

// Origin is a config value and the file:line it was first read at.
type Origin struct {
	Value string
	Pos   string
}

func newSet(files []string) *Set {
	return &Set{Files: files, Identity: map[string][]Origin{}, cells: map[benchproc.Key][]float64{}}
}

// add records one result's samples (as float64 per benchmark and unit:
// the Result itself is not kept) and its identity lines.
func (s *Set) add(rec *benchfmt.Result, proj *benchproc.Projection) {
	fn, line := rec.Pos()
	for _, k := range identityKeys {
		v := rec.GetConfig(k)
		if v != "" && !seen(s.Identity[k], v) {
			s.Identity[k] = append(s.Identity[k], Origin{v, fmt.Sprintf("%s:%d", fn, line)})
		}
	}
	for i, key := range proj.ProjectValues(rec) {
		if _, ok := s.cells[key]; !ok {
			s.keys = append(s.keys, key)
		}
		s.cells[key] = append(s.cells[key], rec.Values[i].Value)
	}
}

func seen(origins []Origin, v string) bool {
	for _, o := range origins {
		if o.Value == v {
			return true
		}
	}
	return false
}

// A Pair is a base and a head Set read for one comparison.
type Pair struct {
	Base, Head *Set
	units      benchfmt.UnitMetadataMap
	name, unit *benchproc.Field
}

// Load reads the base and head result files (a side may be several files,
// such as the rounds of an interleaved run) for Compare, with the strict
// loader of package results: both sides in one stream, so that a Unit line
// anywhere applies to both and a conflict between files is an error, and
// one projection, so that keys of both sides compare equal. Any rejected
// input is a *results.Error naming the file and line.
func Load(base, head []string) (*Pair, error) {
	var p benchproc.ProjectionParser
	proj, unit, err := p.ParseWithUnit(".fullname", nil)
	if err != nil {
		panic(err) // a constant projection
	}
	var inputs []results.Input
	for _, f := range append(append([]string(nil), base...), head...) {
		inputs = append(inputs, results.Input{Label: f, Path: f})
	}
	r, err := results.Open(inputs)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, h := newSet(base), newSet(head)
	for r.Scan() {
		side := b
		if r.Input() >= len(base) {
			side = h
		}
		side.add(r.Result(), proj)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return &Pair{Base: b, Head: h, units: r.Units(), name: proj.Fields()[0], unit: unit}, nil
}
