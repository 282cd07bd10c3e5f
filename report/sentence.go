package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// ranked is one contender in a sentence: a series at one x, or a category.
type ranked struct {
	name string
	v    float64
}

func ratio(r float64) string {
	if r < 10 {
		return fmt.Sprintf("%.1f×", r)
	}
	return fmt.Sprintf("%.0f×", r)
}

// measured keeps the contenders with a figure to compare: a number above 0.
func measured(rs []ranked) []ranked {
	var ok []ranked
	for _, r := range rs {
		if !math.IsNaN(r.v) && r.v > 0 {
			ok = append(ok, r)
		}
	}
	return ok
}

// rank orders contenders best first and says how far behind the others are:
// "goroutine is fastest (3.2M tasks/s); thread is 3.1× slower (1.0M tasks/s), process 12× slower (…)".
func rank(rs []ranked, w wording, f func(float64) string) string {
	ok := measured(rs)
	if w.Better == Lower {
		// lower is better and none is the best there is: lost tasks
		for _, r := range rs {
			if r.v == 0 {
				ok = append(ok, r)
			}
		}
	}
	if len(ok) == 0 {
		return ""
	}
	sort.SliceStable(ok, func(i, j int) bool { return w.beats(ok[i].v, ok[j].v) })
	if ok[0].v == 0 {
		return rankFromZero(ok, w.best, f)
	}
	s := fmt.Sprintf("%s is %s (%s)", ok[0].name, w.best, f(ok[0].v))
	for i, r := range ok[1:] {
		x := w.factor(ok[0].v, r.v)
		sep, verb := ", ", ""
		if i == 0 {
			sep, verb = "; ", " is"
		}
		if x < 1.05 {
			// Noise-sized gaps are not worth a factor; a tie reads "within 1%".
			s += fmt.Sprintf("%s%s%s within %.0f%% (%s)", sep, r.name, verb, math.Max(1, math.Ceil((x-1)*100)), f(r.v))
			continue
		}
		s += fmt.Sprintf("%s%s%s %s %s (%s)", sep, r.name, verb, ratio(x), w.worse, f(r.v))
	}
	return s
}

// rankFromZero is rank when the best is 0, which no factor is of: "stream,
// jetstream are lowest (0 lost-tasks); manager is 1 lost-tasks, nats 141
// lost-tasks".
func rankFromZero(ok []ranked, bestW string, f func(float64) string) string {
	var zeros []string
	i := 0
	for ; i < len(ok) && ok[i].v == 0; i++ {
		zeros = append(zeros, ok[i].name)
	}
	verb := "is"
	if len(zeros) > 1 {
		verb = "are"
	}
	s := fmt.Sprintf("%s %s %s (%s)", strings.Join(zeros, ", "), verb, bestW, f(0))
	for j, r := range ok[i:] {
		sep, verb := ", ", ""
		if j == 0 {
			sep, verb = "; ", " is"
		}
		s += fmt.Sprintf("%s%s%s %s", sep, r.name, verb, f(r.v))
	}
	return s
}

// sentence says what a spec chart shows, from its data; winner is the best
// series where several compete at one x (for the family's summary line).
func sentence(sp Spec, ss []*series, cats []string, numeric bool, ref *Point, better Better, f func(float64) string) (out, winner string) {
	w := better.words(sp)
	switch {
	case numeric && len(ss) > 1:
		// At the largest x most series reached.
		count := map[float64]int{}
		label := map[float64]string{}
		for _, s := range ss {
			for i, x := range s.xs {
				count[x]++
				label[x] = s.xLabels[i]
			}
		}
		var at float64
		first := true
		for x, n := range count {
			if first || n > count[at] || (n == count[at] && x > at) {
				at, first = x, false
			}
		}
		var rs []ranked
		for _, s := range ss {
			for i, x := range s.xs {
				if x == at {
					rs = append(rs, ranked{s.label, s.ys[i]})
				}
			}
		}
		out = fmt.Sprintf("At %s=%s, %s.", sp.X, label[at], rank(rs, w, f))
		winner = best(rs, better)
	case numeric:
		s := ss[0]
		n := len(s.ys)
		if n >= 2 && s.ys[0] > 0 {
			out = fmt.Sprintf("From %s=%s to %s=%s the value goes from %s to %s (%s).",
				sp.X, s.xLabels[0], sp.X, s.xLabels[n-1], f(s.ys[0]), f(s.ys[n-1]), ratio(s.ys[n-1]/s.ys[0]))
		} else if n > 0 {
			out = fmt.Sprintf("At %s=%s: %s.", sp.X, s.xLabels[0], f(s.ys[0]))
		}
	default:
		// Categories on x: rank the categories of the first series, or the
		// series at the last category.
		var rs []ranked
		if len(ss) == 1 {
			for i := range ss[0].ys {
				rs = append(rs, ranked{ss[0].xLabels[i], ss[0].ys[i]})
			}
			if r := rank(rs, w, f); r != "" {
				out = capitalize(r) + "."
			}
		} else if len(cats) > 0 {
			last := cats[len(cats)-1]
			for _, s := range ss {
				for i := range s.ys {
					if s.xLabels[i] == last {
						rs = append(rs, ranked{s.label, s.ys[i]})
					}
				}
			}
			out = fmt.Sprintf("At %s=%s, %s.", sp.X, last, rank(rs, w, f))
			winner = best(rs, better)
		}
	}
	if ref != nil {
		out += fmt.Sprintf(" The reference %s=%s takes %s.", sp.X, ref.Keys[sp.X], f(ref.Summary.Center))
	}
	return strings.TrimSpace(out), winner
}

// best is the name of the best contender, "" if none has a value.
func best(rs []ranked, better Better) string {
	name, v := "", math.NaN()
	for _, r := range rs {
		if math.IsNaN(r.v) || r.v <= 0 {
			continue
		}
		if math.IsNaN(v) || better.beats(r.v, v) {
			name, v = r.name, r.v
		}
	}
	return name
}

// familySummary counts the winners of a family's charts: "Over 7 charts,
// goroutine is fastest in 6 and thread in 1." Empty with fewer than two.
func familySummary(cs []*Chart) string {
	count := map[string]int{}
	var order []string
	n := 0
	bestW := ""
	for _, c := range cs {
		if c.winner == "" {
			continue
		}
		if count[c.winner] == 0 {
			order = append(order, c.winner)
		}
		if bestW != "" && bestW != c.bestWord {
			return "" // charts of different questions (latency, throughput)
		}
		count[c.winner]++
		n++
		bestW = c.bestWord
	}
	if n < 2 {
		return ""
	}
	sort.SliceStable(order, func(i, j int) bool { return count[order[i]] > count[order[j]] })
	var parts []string
	for i, w := range order {
		if i == 0 {
			parts = append(parts, fmt.Sprintf("%s is %s in %d", w, bestW, count[w]))
		} else {
			parts = append(parts, fmt.Sprintf("%s in %d", w, count[w]))
		}
	}
	s := strings.Join(parts, ", ")
	if i := strings.LastIndex(s, ", "); i >= 0 {
		s = s[:i] + " and " + s[i+2:]
	}
	return fmt.Sprintf("Over %d charts, %s.", n, s)
}

// knee says, per series, where growing X stops paying off: the first x
// from which the next x on the axis cuts the value (a cost, lower is
// better) by less than half. For the pool's chunk sweep that is where the
// hand-off is amortised and the task itself dominates: Python's advice to
// raise chunksize stops helping there.
func knee(sp Spec, ss []*series) string {
	var at, past []string
	for _, s := range ss {
		if len(s.ys) < 2 {
			continue
		}
		found := false
		for i := 0; i+1 < len(s.ys); i++ {
			// a missing point (NaN) says nothing either way
			if r := s.ys[i] / s.ys[i+1]; s.ys[i+1] > 0 && !math.IsNaN(r) && r < 2 {
				at = append(at, fmt.Sprintf("%s=%s for %s (the next step gains only %.2f×)", sp.X, s.xLabels[i], s.label, r))
				found = true
				break
			}
		}
		if !found {
			past = append(past, s.label)
		}
	}
	var out []string
	if len(at) > 0 {
		out = append(out, fmt.Sprintf("A larger %s stops paying off (the next step cuts the cost by less than half) at %s.", sp.X, strings.Join(at, "; ")))
	}
	if len(past) > 0 {
		out = append(out, fmt.Sprintf("For %s every larger %s in the sweep still cuts the cost by half or more.", strings.Join(past, ", "), sp.X))
	}
	return strings.Join(out, " ")
}

// extremes names the best and the worst of many: "Of 6 sub-benchmarks,
// sync=atomic is fastest (2.1ns/op) and sync=channel slowest (95ns/op, 45× slower)."
func extremes(rs []ranked, w wording, f func(float64) string) string {
	ok := measured(rs)
	if len(ok) == 0 {
		return ""
	}
	if len(ok) <= 3 {
		return fmt.Sprintf("Of %d sub-benchmarks, %s.", len(ok), rank(ok, w, f))
	}
	best, worst := ok[0], ok[0]
	for _, r := range ok {
		if w.beats(r.v, best.v) {
			best = r
		}
		if w.beats(worst.v, r.v) {
			worst = r
		}
	}
	return fmt.Sprintf("Of %d sub-benchmarks, %s is %s (%s) and %s the %s (%s, %s %s).",
		len(ok), best.name, w.best, f(best.v), worst.name, w.worst, f(worst.v), ratio(w.factor(best.v, worst.v)), w.worse)
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
