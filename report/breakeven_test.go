package report

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// spread6 is 6 runs of v, spread by ±spread in a fixed pattern.
func spread6(v, spread float64) []float64 {
	var out []float64
	for _, k := range []float64{-1, -0.6, -0.2, 0.2, 0.6, 1} {
		out = append(out, v*(1+spread*k))
	}
	return out
}

// powerSweep is two series over x = 1, 4, … 4^6: a flat at 100 and b
// falling as x^-slope from 100·x0^slope, so that a/b crosses 1 at x0.
func powerSweep(x0, slope, spread float64) sweep {
	sw := sweep{ser: map[string][][]float64{}}
	for x := 1.0; x <= 4096; x *= 4 {
		sw.xs = append(sw.xs, x)
		sw.ser["a"] = append(sw.ser["a"], spread6(100, spread))
		sw.ser["b"] = append(sw.ser["b"], spread6(100*math.Pow(x/x0, -slope), spread))
	}
	return sw
}

// Two lines planted to cross at a known size: the crossing is found
// within its interval, and the interval widens with the noise but stays
// inside the measured range; lines that never cross are said not to.
func TestCrossFindsPlantedCrossing(t *testing.T) {
	for _, c := range []struct {
		x0, slope, spread float64
		where             int
	}{
		{50, 0.5, 0.05, crossWithin},
		{50, 0.5, 0.2, crossWithin},
		{300, 0.25, 0.05, crossWithin},
		{2.5, 1, 0.1, crossWithin},
		{1e6, 0.5, 0.05, crossNever}, // crosses far beyond 4096
		{0.01, 0.5, 0.05, crossBelow},
	} {
		t.Run(fmt.Sprintf("x0=%g/slope=%g/spread=%g", c.x0, c.slope, c.spread), func(t *testing.T) {
			sw := powerSweep(c.x0, c.slope, c.spread)
			got := cross(sw, over("a", "b"), 1, false)
			if got.Where != c.where {
				t.Fatalf("crossing %+v: where %d, want %d", got, got.Where, c.where)
			}
			if c.where != crossWithin {
				return
			}
			if !(got.Lo <= c.x0 && c.x0 <= got.Hi) {
				t.Errorf("planted at %g, found %g with interval [%g, %g]: outside it", c.x0, got.X, got.Lo, got.Hi)
			}
			if math.Abs(got.X/c.x0-1) > 0.05 {
				t.Errorf("planted at %g, found %g", c.x0, got.X)
			}
			if got.Lo < sw.xs[0] && c.spread < 0.1 {
				t.Errorf("interval [%g, %g] reaches below the sweep with %g noise", got.Lo, got.Hi, c.spread)
			}
		})
	}
	// The same sweep, the same interval: the report is made again
	// byte for byte (README's figures are compared with it).
	sw := powerSweep(50, 0.5, 0.2)
	sw.ser["c"] = sw.ser["a"]
	first := cross(sw, over("a", "b"), 1, false)
	for range 5 {
		if again := cross(sw, over("a", "b"), 1, false); again.Lo != first.Lo || again.Hi != first.Hi {
			t.Fatalf("interval [%g, %g], then [%g, %g]", first.Lo, first.Hi, again.Lo, again.Hi)
		}
	}
	// More noise, a wider interval.
	narrow := cross(powerSweep(50, 0.5, 0.02), over("a", "b"), 1, false)
	wide := cross(powerSweep(50, 0.5, 0.3), over("a", "b"), 1, false)
	if !(wide.Hi/wide.Lo > narrow.Hi/narrow.Lo) {
		t.Errorf("interval with 2%% noise [%g, %g], with 30%% [%g, %g]: noise did not widen it", narrow.Lo, narrow.Hi, wide.Lo, wide.Hi)
	}
}

// A sweep whose ratio stays below the threshold says "never in the
// measured range" with the largest size, and gives no number beyond it.
func TestNeverCrossingIsSaid(t *testing.T) {
	sw := powerSweep(1e6, 0.5, 0.05)
	c := cross(sw, over("a", "b"), 1, false)
	a := sayCrossing("b overtakes a", "#x", c, sw.xs, func(v float64) string { return fmt.Sprintf("%g", v) }, "from about", "")
	if want := "b overtakes a: never in the measured range (up to 4096)."; a.Text != want {
		t.Errorf("text %q, want %q", a.Text, want)
	}
}

// first: where a falling cost first comes within 10% of its floor, even
// when it rises again later (a Pool's idle tail at a large chunk).
func TestCrossFirstIsTheKnee(t *testing.T) {
	sw := sweep{xs: []float64{1, 8, 64, 512}, ser: map[string][][]float64{"p": {
		spread6(1000, 0.02), spread6(200, 0.02), spread6(100, 0.02), spread6(150, 0.02)}}}
	first := cross(sw, floorShare("p", 0.9), 0.9, true)
	if first.Where != crossWithin || !(first.X > 8 && first.X < 64) {
		t.Errorf("first: %+v, want a crossing between 8 and 64", first)
	}
	if stays := cross(sw, floorShare("p", 0.9), 0.9, false); stays.Where != crossNever {
		t.Errorf("stays: %+v, want never (the cost rises again at 512)", stays)
	}
	// A cost still falling by more than 10% at the largest chunk has not
	// stopped: no knee at the last point's doorstep.
	sw.ser["p"][3] = spread6(50, 0.02)
	if still := cross(sw, floorShare("p", 0.9), 0.9, true); still.Where != crossNever {
		t.Errorf("still falling: %+v, want never", still)
	}
}

// The report's answers from a recording: ScaleWork's process line planted
// to reach 90% of goroutines' throughput at a known task size (a power law
// in the work), and Python's processes that never beat its threads.
func TestAnswersFromARecording(t *testing.T) {
	var benches []string
	const x0 = 600.0 // rounds where the process line reaches 90%
	for _, w := range []float64{8, 32, 128, 512, 2048, 8192, 32768} {
		g := 100 * w // ns per task
		for _, m := range []struct {
			name string
			ns   float64
		}{
			{"goroutine", g},
			{"process", g / (0.9 * math.Pow(w/x0, 0.3))},
			{"thread", g},
			{"python-thread", 8 * g},
			{"python-process", 10 * g},
		} {
			for _, workers := range []int{1, 2} {
				benches = append(benches, fmt.Sprintf("BenchmarkScaleWork/work=%g/model=%s/workers=%d-2 %g ns/op", w, m.name, workers, m.ns))
			}
		}
	}
	p := synth(t, t.TempDir(), "a.txt", machineA, benches...)
	s, err := Load([]string{p}, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.WriteAnswers(&b, ""); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// 600 rounds at 100 ns each on 1 worker: 60µs of work.
	for _, want := range []string{
		"Processes reach 90% of goroutines' throughput (CPU-bound, ncpu workers): from about 60µs (",
		"Threads reach 99% of goroutines' throughput (CPU-bound, ncpu workers): already at the smallest measured (800ns)",
		"Python processes beat Python threads (CPU-bound, ncpu workers): never in the measured range (up to 3.277ms)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("answers lack %q:\n%s", want, out)
		}
	}
	var got Answer
	for _, a := range s.Answers("") {
		if strings.HasPrefix(a.Key, "Processes reach 90%") {
			got = a
		}
	}
	if !(got.c.Lo <= x0 && x0 <= got.c.Hi) {
		t.Errorf("planted at %g rounds, interval [%g, %g]", x0, got.c.Lo, got.c.Hi)
	}
	cs := s.AnswerCharts()
	if len(cs) != 1 {
		t.Fatalf("%d answer charts, want 1", len(cs))
	}
	var svg strings.Builder
	if err := cs[0].Render(&svg, "svg"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">process<", ">python-process<", ">90% of goroutines"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("the answers chart lacks %q", want)
		}
	}
}

// With two machines the answers sit side by side, one column each, and
// each machine's crossing is its own.
func TestAnswersTwoMachines(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, config []string, x0 float64) string {
		var benches []string
		for _, w := range []float64{8, 128, 2048, 32768} {
			g := 100 * w
			for _, m := range []struct {
				name string
				ns   float64
			}{{"goroutine", g}, {"process", g / (0.9 * math.Pow(w/x0, 0.3))}} {
				benches = append(benches, fmt.Sprintf("BenchmarkScaleWork/work=%g/model=%s/workers=1-2 %g ns/op", w, m.name, m.ns),
					fmt.Sprintf("BenchmarkScaleWork/work=%g/model=%s/workers=2-2 %g ns/op", w, m.name, m.ns))
			}
		}
		return synth(t, dir, name, config, benches...)
	}
	machineB := []string{"cpu: AMD EPYC 7B13", "ncpu: 2", "kernel: 6.1.0", "go: go1.26.8", "host-id: bbbb"}
	s, err := Load([]string{file("a.txt", machineA, 600), file("b.txt", machineB, 6000)}, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.WriteAnswers(&b, "r/README.md"); err != nil {
		t.Fatal(err)
	}
	want := "| Processes reach 90% of goroutines' throughput (CPU-bound, ncpu workers) | [from about 60µs ("
	if !strings.Contains(b.String(), "| answer | machine A | machine B |") || !strings.Contains(b.String(), want) ||
		!strings.Contains(b.String(), ") of work per task](r/README.md#answers) | [from about 600µs (") {
		t.Errorf("two machines' answers:\n%s", b.String())
	}
}
