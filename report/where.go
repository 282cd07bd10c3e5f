package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Where selects sub-benchmarks by key value. It is the one selection
// language of the report: a Spec's charts, a Question's row and a Ref's
// reference all read it the same way. Each key's term is one of
//
//	v          the key's value is v
//	!v         any value but v, or the key absent
//	max, min   the largest or smallest numeric value of the key present
//	ncpu       the file's ncpu where a point has it, else max
//
// Terms apply in key order, so max and min are taken over the points the
// earlier keys kept. An empty key or value, "!" alone, a negated max, min
// or ncpu, and a value with a space, "=" or "/" (which no sub-benchmark
// value can hold) are errors: Check says so, and Load refuses a
// FamilyTable that has one, so a typo never selects nothing in silence.
type Where map[string]string

// Check reports the first malformed term of w, in key order.
func (w Where) Check() error {
	for _, k := range slices.Sorted(maps.Keys(w)) {
		if err := checkTerm(k, w[k]); err != nil {
			return fmt.Errorf("where %s=%q: %w", k, w[k], err)
		}
	}
	return nil
}

func checkTerm(k, v string) error {
	neg := strings.HasPrefix(v, "!")
	val := strings.TrimPrefix(v, "!")
	switch {
	case k == "" || strings.ContainsAny(k, " =/!"):
		return fmt.Errorf("malformed key")
	case val == "":
		return fmt.Errorf("empty value")
	case strings.ContainsAny(val, " =/!"):
		return fmt.Errorf("malformed value")
	case neg && (val == "max" || val == "min" || val == "ncpu"):
		return fmt.Errorf("%s cannot be negated", val)
	}
	return nil
}

// filter keeps the points of pts that w selects, ncpu being the file's
// ("" when unknown). A malformed w panics: Load has checked FamilyTable,
// so one here is a caller's own literal, a programming error.
func (w Where) filter(pts []Point, ncpu string) []Point {
	if err := w.Check(); err != nil {
		panic("report: " + err.Error())
	}
	sel := pts
	for _, k := range slices.Sorted(maps.Keys(w)) {
		want := w[k]
		neg := strings.HasPrefix(want, "!")
		if !neg {
			var ok bool
			if want, ok = resolve(k, want, ncpu, sel); !ok {
				return nil
			}
		}
		var keep []Point
		for _, p := range sel {
			v, ok := keyVal(p, k)
			if (neg && v != want[1:]) || (!neg && ok && v == want) {
				keep = append(keep, p)
			}
		}
		sel = keep
	}
	return sel
}

// fixed are the keys w pins to one value: every term but a negation.
func (w Where) fixed() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(w)) {
		if !strings.HasPrefix(w[k], "!") {
			out = append(out, k)
		}
	}
	return out
}

// checkFamilies checks every selector of fs: a Spec's, a Question's and
// a Ref's Where.
func checkFamilies(fs []Family) error {
	for _, f := range fs {
		for i, sp := range f.Specs {
			if err := sp.Where.Check(); err != nil {
				return fmt.Errorf("family %s spec %d: %w", f.Name, i+1, err)
			}
		}
		for i, q := range f.Questions {
			if err := q.Where.Check(); err != nil {
				return fmt.Errorf("family %s question %d: %w", f.Name, i+1, err)
			}
			for j, r := range q.Refs {
				if err := r.Where.Check(); err != nil {
					return fmt.Errorf("family %s question %d ref %d: %w", f.Name, i+1, j+1, err)
				}
			}
		}
	}
	return nil
}
