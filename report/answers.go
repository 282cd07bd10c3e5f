package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchunit"
)

// The answers open the report: the break-even points a person decides by
// (from which task size processes pay, from which message size a
// transport overtakes another, from which chunk a Pool stops gaining),
// each with its 95% interval, computed per machine from the sweeps of
// ScaleWork, Scale, IPC and Pool (breakeven.go says how).

// Answer is one break-even point on one machine.
type Answer struct {
	Key   string // the question, the same on every machine: the table's row
	Value string // "≈ 180µs (150µs–220µs)", "never up to 4.1ms"
	Text  string // the sentence
	Link  string // the section or chart it is read from ("#answers-work")
	c     crossing
}

// AnswerTable is the Answers section in memory: the break-even points of
// every machine, and the questions any machine answers in first-seen
// order (the rows of the table with several machines).
type AnswerTable struct {
	Machines []Machine
	Per      [][]Answer // Per[i] are Machines[i]'s answers
	Keys     []string
}

// AnswerTable computes the answers of every machine of s.
func (s *Set) AnswerTable() *AnswerTable {
	ms := s.Machines()
	t := &AnswerTable{Machines: ms, Per: make([][]Answer, len(ms))}
	for i, m := range ms {
		t.Per[i] = s.Answers(m.File.Label)
		for _, a := range t.Per[i] {
			if !slices.Contains(t.Keys, a.Key) {
				t.Keys = append(t.Keys, a.Key)
			}
		}
	}
	return t
}

// relThreshold are the shares of goroutines' throughput the work-size
// answers ask for.
var relThreshold = []float64{0.9, 0.99}

// Answers are the break-even points of one input file (by label, "" for
// the newest).
func (s *Set) Answers(file string) []Answer {
	if file == "" {
		file = s.Files[len(s.Files)-1].Label
	}
	var f File
	for _, x := range s.Files {
		if x.Label == file {
			f = x
		}
	}
	pts := s.Points(file)
	ncpu := ncpuOf(f)
	var out []Answer
	out = append(out, workAnswers(pts, ncpu)...)
	out = append(out, ioAnswer(pts)...)
	out = append(out, ipcAnswers(pts)...)
	return append(out, poolAnswers(pts)...)
}

// familyPoints are the points of a family in a unit that match where.
func familyPoints(pts []Point, fam, unit string, where Where, ncpu string) []Point {
	var in []Point
	for _, p := range pts {
		if p.Family == fam {
			in = append(in, p)
		}
	}
	return selectPoints(in, unit, where, ncpu)
}

// workSweep is ScaleWork at ncpu workers (else the most), one series per
// model, x in work rounds, and the time of a goroutine's task at each work
// size on 1 worker (what "work per task" is said in).
func workSweep(pts []Point, ncpu string) (sw sweep, taskTime func(float64) float64, ok bool) {
	sel := familyPoints(pts, "ScaleWork", "sec/op", Where{"workers": "ncpu"}, ncpu)
	sw = pointSweep(sel, "work", func(p Point) string { return p.Keys["model"] })
	if len(sw.xs) < 2 || sw.ser[colGoroutine] == nil {
		return sw, nil, false
	}
	one := pointSweep(familyPoints(pts, "ScaleWork", "sec/op", Where{"workers": "1", "model": colGoroutine}, ncpu),
		"work", func(Point) string { return colGoroutine })
	var lx, ly []float64
	for i, x := range one.xs {
		lx, ly = append(lx, math.Log(x)), append(ly, math.Log(median(one.ser[colGoroutine][i])))
	}
	taskTime = func(rounds float64) float64 {
		if math.IsInf(rounds, 0) || len(lx) < 2 {
			return rounds
		}
		return math.Exp(interp(lx, ly, math.Log(rounds)))
	}
	return sw, taskTime, true
}

// interp is y at x on the polyline (xs, ys), extended along its end
// segments.
func interp(xs, ys []float64, x float64) float64 {
	i := 1
	for i < len(xs)-1 && x > xs[i] {
		i++
	}
	return ys[i-1] + (x-xs[i-1])*(ys[i]-ys[i-1])/(xs[i]-xs[i-1])
}

func workAnswers(pts []Point, ncpu string) []Answer {
	sw, taskTime, ok := workSweep(pts, ncpu)
	if !ok {
		return nil
	}
	secs := func(v float64) string { return tidyNum(benchunit.Scale(v, benchunit.Decimal)) + "s" }
	x := func(v float64) string { return secs(taskTime(v)) }
	var out []Answer
	for _, m := range []string{colProcess, colThread} {
		if sw.ser[m] == nil {
			continue
		}
		for _, t := range relThreshold {
			c := cross(sw, over(colGoroutine, m), t, false)
			q := fmt.Sprintf("%s reach %.0f%% of goroutines' throughput (CPU-bound, ncpu workers)", plural(m), 100*t)
			out = append(out, sayCrossing(q, "#answers", c, sw.xs, x, "from about", "of work per task"))
		}
	}
	if sw.ser["python-process"] != nil && sw.ser["python-thread"] != nil {
		c := cross(sw, over("python-thread", "python-process"), 1, false)
		q := "Python processes beat Python threads (CPU-bound, ncpu workers)"
		out = append(out, sayCrossing(q, "#answers", c, sw.xs, x, "from about", "of a Go task's work"))
	}
	return out
}

func plural(m string) string {
	return map[string]string{colProcess: "Processes", colThread: "Threads"}[m]
}

// sayCrossing says a crossing: "Q: from about X (lo–hi) unit." Outside the
// measured range it says so.
func sayCrossing(q, link string, c crossing, xs []float64, f func(float64) string, from, unit string) Answer {
	a := Answer{Key: q, Link: link, c: c}
	lo, hi := xs[0], xs[len(xs)-1]
	switch c.Where {
	case crossBelow:
		a.Value = "already at the smallest measured (" + f(lo) + ")"
	case crossNever:
		a.Value = "never in the measured range (up to " + f(hi) + ")"
	default:
		l, h := "below "+f(lo), "above "+f(hi)
		if !math.IsInf(c.Lo, 0) {
			l = f(c.Lo)
		}
		if !math.IsInf(c.Hi, 0) {
			h = f(c.Hi)
		}
		a.Value = fmt.Sprintf("%s %s (%s – %s)", from, f(c.X), l, h)
		if unit != "" {
			a.Value += " " + unit
		}
	}
	a.Text = fmt.Sprintf("%s: %s.", q, a.Value)
	return a
}

// ioAnswer checks the rule of thumb that threads never lose on IO-bound
// work: Python's threads against its processes on Scale's 1 ms sleeps, at
// every worker count.
func ioAnswer(pts []Point) []Answer {
	sel := familyPoints(pts, "Scale", "sec/op", Where{"kind": "io", "kernel": "sleep"}, "")
	sw := pointSweep(sel, "workers", func(p Point) string {
		if m := p.Keys["model"]; m == "python-thread" || m == "python-process" {
			return m
		}
		return ""
	})
	if len(sw.xs) == 0 || len(sw.ser) < 2 {
		return nil
	}
	r := crossing{R: nil}
	m := map[string][]float64{}
	for k, per := range sw.ser {
		for _, v := range per {
			m[k] = append(m[k], median(v))
		}
	}
	r.R = over("python-process", "python-thread")(m)
	q := "Python threads never lose to Python processes on IO-bound work (1 ms sleeps)"
	a := Answer{Key: q, Link: "#scale", c: r}
	lo, hi := slices.Min(r.R), slices.Max(r.R)
	var lost []string
	for i, v := range r.R {
		if v < 1 {
			lost = append(lost, fmt.Sprintf("%.0f", sw.xs[i]))
		}
	}
	span := fmt.Sprintf("%.0f–%.0f workers", sw.xs[0], sw.xs[len(sw.xs)-1])
	if len(lost) == 0 {
		a.Value = fmt.Sprintf("true at %s: processes take %.2f–%.2f× as long", span, lo, hi)
	} else {
		a.Value = fmt.Sprintf("false at workers=%s (of %s): processes take %.2f–%.2f× as long", strings.Join(lost, ","), span, lo, hi)
	}
	a.Text = q + ": " + a.Value + "."
	return []Answer{a}
}

// ipcTransports are the transports whose overtaking the answers follow,
// between processes.
var ipcTransports = []string{"pipe-raw", "unix", "tcp", "shm"}

// ipcAnswers: over process peers, the message size at which each of
// ipcTransports overtakes the one ahead of it at the smallest size; and
// the size from which shared memory between processes is as fast as a
// buffered channel between goroutines.
func ipcAnswers(pts []Point) []Answer {
	sel := familyPoints(pts, "IPC", "sec/op", Where{"pattern": "pingpong", "check": "!bare"}, "")
	bytes := func(v float64) string { return tidyNum(benchunit.Scale(v, benchunit.Binary)) + "B" }
	sw := pointSweep(sel, "size", func(p Point) string {
		if p.Keys["peer"] == colProcess && slices.Contains(ipcTransports, p.Keys["transport"]) {
			return p.Keys["transport"]
		}
		return ""
	})
	var out []Answer
	if len(sw.xs) >= 2 {
		var order []string
		for _, t := range ipcTransports {
			if sw.ser[t] != nil {
				order = append(order, t)
			}
		}
		first := func(t string) float64 { return median(sw.ser[t][0]) }
		slices.SortStableFunc(order, func(a, b string) int { return cmpFloat(first(a), first(b)) })
		for i := 0; i+1 < len(order); i++ {
			a, b := order[i], order[i+1]
			c := cross(sw, over(a, b), 1, false)
			q := fmt.Sprintf("between processes, %s overtakes %s (round trip)", b, a)
			out = append(out, sayCrossing(q, "#ipc", c, sw.xs, bytes, "from about", "messages"))
		}
	}
	cs := pointSweep(sel, "size", func(p Point) string {
		switch {
		case p.Keys["peer"] == colGoroutine && p.Keys["transport"] == "chan-buffered":
			return "chan"
		case p.Keys["peer"] == colProcess && p.Keys["transport"] == "shm":
			return "shm"
		}
		return ""
	})
	if len(cs.xs) >= 2 && len(cs.ser) == 2 {
		c := cross(cs, over("chan", "shm"), 0.9, false)
		q := "shm between processes comes within 10% of a buffered channel between goroutines (round trip)"
		out = append(out, sayCrossing(q, "#ipc", c, cs.xs, bytes, "from about", "messages"))
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// poolAnswers: per model, the chunk from which a Pool's cost per no-op
// item (map) is within 10% of the lowest the chunk sweep reached.
func poolAnswers(pts []Point) []Answer {
	sel := familyPoints(pts, "Pool", "sec/item", Where{"kernel": "noop", "mode": "map"}, "")
	var out []Answer
	for _, m := range []string{colGoroutine, colThread, colProcess, "python-thread", "python-process"} {
		sw := pointSweep(sel, "chunk", func(p Point) string {
			if p.Keys["model"] == m {
				return m
			}
			return ""
		})
		if len(sw.xs) < 2 {
			continue
		}
		c := cross(sw, floorShare(m, 0.9), 0.9, true)
		q := fmt.Sprintf("a %s Pool's cost per item (map, no-op) stops falling: within 10%% of its lowest", m)
		a := sayCrossing(q, "#pool", c, sw.xs, func(v float64) string { return fmt.Sprintf("%.0f", v) }, "from chunk", "")
		if c.Where == crossNever {
			a.Value = fmt.Sprintf("still falling at the largest chunk measured (%.0f)", sw.xs[len(sw.xs)-1])
			a.Text = q + ": " + a.Value + "."
		}
		out = append(out, a)
	}
	return out
}

// tidyNum drops the trailing zeros of a scaled number: "8.000" → "8",
// "1.500Mi" → "1.5Mi".
func tidyNum(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(s)
	}
	num, suf := s[:i], s[i:]
	if strings.Contains(num, ".") {
		num = strings.TrimSuffix(strings.TrimRight(num, "0"), ".")
	}
	return num + suf
}
