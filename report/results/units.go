package results

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

// builtinUnits are the units the testing package reports itself, after
// benchunit.Tidy ("ns/op" becomes "sec/op", "MB/s" becomes "B/s").
var builtinUnits = map[string]bool{
	"sec/op": true, "B/op": true, "allocs/op": true, "B/s": true,
}

// IsTime says whether a tidied unit is a time: its numerator is in
// seconds (sec/op, cpu-sec/op, p99-sec, sec/item).
func IsTime(unit string) bool {
	num, _, _ := strings.Cut(unit, "/")
	return strings.Contains(num, "sec")
}

// IsRate says whether a unit is a rate per second (B/s, iters/s).
func IsRate(unit string) bool { return strings.HasSuffix(unit, "/s") }

// Better says whether higher (+1) or lower (-1) values of a tidied unit
// are better, or 0 when nothing says: its Unit line's better=, else
// benchfmt's defaults for the built-in units, else a time is better lower
// and a rate better higher.
func Better(units benchfmt.UnitMetadataMap, unit string) int {
	switch b := units.GetBetter(unit); {
	case b != 0:
		return b
	case IsRate(unit):
		return 1
	case IsTime(unit):
		return -1
	}
	return 0
}

// checkResult says what is wrong with a result's numbers, or "". It also
// tidies the units benchfmt left as they were because tidying did not
// change the value (0 cpu-ns/op stays "cpu-ns/op", 5 cpu-ns/op becomes
// "cpu-sec/op"), so that one unit is one unit in every table.
func checkResult(rec *benchfmt.Result) string {
	if rec.Iters < 1 {
		return fmt.Sprintf("iteration count %d: want at least 1", rec.Iters)
	}
	rec.Values = slices.DeleteFunc(rec.Values, belowPrint)
	for i := range rec.Values {
		v := &rec.Values[i]
		if msg := checkValue(*v); msg != "" {
			return msg
		}
		if v.OrigUnit == "" {
			if _, tidy := benchunit.Tidy(1, v.Unit); tidy != v.Unit {
				v.OrigValue, v.OrigUnit, v.Unit = v.Value, v.Unit, tidy
			}
		}
	}
	return ""
}

// belowPrint says whether v is go test's "0.00 MB/s": the testing package
// prints MB/s with two decimals, so a row that moved a few bytes per op
// slowly (8 B per 20 ms is 0.0004 MB/s) prints 0.00 for a positive rate.
// That is no measurement of zero but a value below the print's resolution,
// so the loader drops it (the row's time still says how fast it was)
// instead of refusing the suite's own output.
func belowPrint(v benchfmt.Value) bool {
	unit := v.Unit
	if v.OrigUnit != "" {
		unit = v.OrigUnit
	}
	val := v.Value
	if v.OrigUnit != "" {
		val = v.OrigValue
	}
	return unit == "MB/s" && val == 0
}

// checkValue says why a value cannot be a measurement, or "".
func checkValue(v benchfmt.Value) string {
	x := v.Value
	// benchfmt leaves a value's unit untidied when tidying does not
	// change the value (0 ns/op, Inf ns/op), so classify the tidied unit.
	_, tidy := benchunit.Tidy(1, v.Unit)
	var why string
	switch {
	case math.IsNaN(x):
		why = "not a number"
	case math.IsInf(x, 0):
		why = "infinite"
	case x < 0:
		why = "negative, and no unit can be"
	case x == 0 && IsTime(tidy) && !isCPUTime(tidy):
		why = "a time cannot be zero"
	case x == 0 && IsRate(tidy):
		why = "a rate cannot be zero"
	default:
		return ""
	}
	orig, unit := v.Value, v.Unit
	if v.OrigUnit != "" {
		orig, unit = v.OrigValue, v.OrigUnit
	}
	return fmt.Sprintf("value %v %s is not a measurement: %s", orig, unit, why)
}

// isCPUTime says whether a tidied time unit is CPU time (cpu-sec/op,
// server-cpu-sec/req, master-cpu-sec/task): a process's CPU clock over a
// short run of an op that mostly waits can read 0, where a wall time
// cannot.
func isCPUTime(unit string) bool {
	num, _, _ := strings.Cut(unit, "/")
	return strings.HasPrefix(num, "cpu-") || strings.Contains(num, "-cpu-")
}

// checkUnitLine says what is wrong with one key=value of a Unit line, or "".
func checkUnitLine(m *benchfmt.UnitMetadata) string {
	bad := func(want string) string {
		return fmt.Sprintf("Unit %s %s=%s: want %s", m.OrigUnit, m.Key, m.Value, want)
	}
	switch m.Key {
	case "better":
		switch {
		case m.Value != "higher" && m.Value != "lower":
			return bad("better=higher or better=lower")
		case IsTime(m.Unit) && m.Value == "higher":
			return bad("better=lower for a time")
		case IsRate(m.Unit) && m.Value == "lower":
			return bad("better=higher for a rate")
		}
	case "assume":
		if m.Value != "nothing" && m.Value != "exact" {
			return bad("assume=nothing or assume=exact")
		}
	default:
		return fmt.Sprintf("Unit %s: unknown attribute %q (want better= or assume=)", m.OrigUnit, m.Key)
	}
	return ""
}

// SameConfig reports whether two results carry the same file
// configuration, line for line.
func SameConfig(a, b []benchfmt.Config) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].File != b[i].File || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}
