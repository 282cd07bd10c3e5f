package regress

import (
	"fmt"
	"os"

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

// loader reads both sides with one benchfmt.Reader, so that unit metadata
// ("Unit x better=...") is shared and a conflict between files is an
// error, and one projection, so that keys of both sides compare equal.
type loader struct {
	r         *benchfmt.Reader
	proj      *benchproc.Projection
	nameField *benchproc.Field
	unitField *benchproc.Field
}

func newLoader() *loader {
	var p benchproc.ProjectionParser
	proj, unit, err := p.ParseWithUnit(".fullname", nil)
	if err != nil {
		panic(err) // a constant projection
	}
	return &loader{r: new(benchfmt.Reader), proj: proj, nameField: proj.Fields()[0], unitField: unit}
}

// load reads files into one Set. A syntax error, a missing file or a file
// with no results is an error naming the file (and line).
func (l *loader) load(files ...string) (*Set, error) {
	s := &Set{Files: files, Identity: map[string][]Origin{}, cells: map[benchproc.Key][]float64{}}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		n, err := l.loadFile(s, f, file)
		f.Close()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: no benchmark results", file)
		}
	}
	return s, nil
}

func (l *loader) loadFile(s *Set, f *os.File, file string) (int, error) {
	l.r.Reset(f, file)
	n := 0
	for l.r.Scan() {
		switch rec := l.r.Result().(type) {
		case *benchfmt.SyntaxError:
			return n, rec
		case *benchfmt.Result:
			n++
			fn, line := rec.Pos()
			pos := fmt.Sprintf("%s:%d", fn, line)
			for _, k := range identityKeys {
				v := rec.GetConfig(k)
				if v == "" {
					continue
				}
				if !seen(s.Identity[k], v) {
					s.Identity[k] = append(s.Identity[k], Origin{v, pos})
				}
			}
			for i, key := range l.proj.ProjectValues(rec) {
				if _, ok := s.cells[key]; !ok {
					s.keys = append(s.keys, key)
				}
				s.cells[key] = append(s.cells[key], rec.Values[i].Value)
			}
		}
	}
	return n, l.r.Err()
}

func seen(os []Origin, v string) bool {
	for _, o := range os {
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
// such as the rounds of an interleaved run) for Compare.
func Load(base, head []string) (*Pair, error) {
	l := newLoader()
	b, err := l.load(base...)
	if err != nil {
		return nil, err
	}
	h, err := l.load(head...)
	if err != nil {
		return nil, err
	}
	return &Pair{Base: b, Head: h, units: l.r.Units(), name: l.nameField, unit: l.unitField}, nil
}
