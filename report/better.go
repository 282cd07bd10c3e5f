package report

import "strings"

// Better says which way a unit's values improve: the one direction every
// ranking, sentence and summary cell of the report reads.
type Better int

const (
	Lower   Better = -1 // a cost: time, lost tasks
	Unknown Better = 0  // no Unit line says; ranked as a cost
	Higher  Better = 1  // a rate: tasks/s, busy cores
)

// beats reports whether x is better than y; Unknown ranks as Lower.
func (b Better) beats(x, y float64) bool {
	if b > 0 {
		return x > y
	}
	return x < y
}

// factor is how many times worse other is than lead.
func (b Better) factor(lead, other float64) float64 {
	if b > 0 {
		return lead / other
	}
	return other / lead
}

// wording is how a sentence says a Better for one chart or row: time and
// throughput read "fastest/slower/slowest", other units
// "highest/lower/lowest" or "lowest/higher/highest".
type wording struct {
	Better
	best, worse, worst string
}

// words picks the comparison words for sp's unit.
func (b Better) words(sp Spec) wording {
	switch {
	case sp.Throughput || strings.Contains(sp.Unit, "sec"):
		return wording{b, "fastest", "slower", "slowest"}
	case b > 0:
		return wording{b, "highest", "lower", "lowest"}
	}
	return wording{b, "lowest", "higher", "highest"}
}
