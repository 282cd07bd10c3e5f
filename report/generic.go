package report

import (
	"fmt"
	"math"
	"strings"
)

// extremes names the best and the worst of many: "Of 6 sub-benchmarks,
// sync=atomic is fastest (2.1ns/op) and sync=channel slowest (95ns/op, 45× slower)."
func extremes(rs []ranked, better int, bestW, worseW string, f func(float64) string) string {
	var ok []ranked
	for _, r := range rs {
		if !math.IsNaN(r.v) && r.v > 0 {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return ""
	}
	if len(ok) <= 3 {
		return fmt.Sprintf("Of %d sub-benchmarks, %s.", len(ok), rank(ok, better, bestW, worseW, f))
	}
	best, worst := ok[0], ok[0]
	for _, r := range ok {
		if (better > 0) == (r.v > best.v) && r.v != best.v {
			best = r
		}
		if (better > 0) == (r.v < worst.v) && r.v != worst.v {
			worst = r
		}
	}
	x := worst.v / best.v
	if better > 0 {
		x = best.v / worst.v
	}
	return fmt.Sprintf("Of %d sub-benchmarks, %s is %s (%s) and %s the %s (%s, %s %s).",
		len(ok), best.name, bestW, f(best.v), worst.name, worstWord(bestW), f(worst.v), ratio(x), worseW)
}

func worstWord(bestW string) string {
	switch bestW {
	case "fastest":
		return "slowest"
	case "highest":
		return "lowest"
	}
	return "highest"
}

// quantity names what a unit measures, for titles and axis labels.
func quantity(unit string) string {
	switch {
	case unit == "sec/op":
		return "time per op"
	case unit == "B/s":
		return "throughput"
	case unit == "B/op":
		return "bytes allocated per op"
	case unit == "allocs/op":
		return "allocations per op"
	}
	return strings.ReplaceAll(unit, "sec", "s")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
