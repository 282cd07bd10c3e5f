package bench

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/concbench/concbench/internal/deps"
)

// Start-up is never timed: a worker's, a pool's, a peer's or an
// interpreter's start belongs before the loop. A start-up left inside it
// shows as a per-op cost that falls with the op count, as the one-off cost
// is spread over more ops. TestStartUpIsNotTimed runs each leaf that the
// -bench patterns in CONCBENCH_STARTUP_BENCH match (separated by blanks;
// default: the Python rows whose op is short, where the driver's peers and
// pools used to start in the first timed op) at two fixed op counts,
// interleaved, and fails a leaf whose fastest run at the small count is
// more than startupRatio times the large count's median, and whose one-off
// cost (what the two per-op times imply was paid once per run) is
// startupFloor or more. The small count's fastest run, because a start-up
// is paid in every run while a stall of a loaded machine is not: beside a
// CPU hog one 20-op run of a Python queue took 660 µs an op and the next
// 47 µs. A one-off cost of startupFloor or more is what
// a thread's, a peer's or a pool's start costs, while a first op's cold
// caches after the harness's round trip cost a few µs.
// `make startup-check` runs it over the leaves STARTUP_BENCH selects.
const (
	startupSmall = 20
	startupLarge = 200
	startupRuns  = 3
	startupRatio = 2.0
	startupFloor = 50e3 // ns
	// The default: the short-op Python rows (a spawn, a fork or a
	// subprocess is one start per op, so it has none left to spread).
	// One pattern a family: go test splits a pattern at its slashes, so
	// an alternation cannot span levels. Two kinds of row pay a cost once
	// a run that is no start-up, and are left out: a team of several
	// threads (Counter, Local at workers>1) hands the GIL between its
	// threads in every round, 50–120 µs a round on a busy 2 vCPU VM,
	// which at one round of 20 ops or of 200 looks like a start-up
	// (docs/python.md); and a pipelined row (Scale,
	// ManagerQueue, Distributed, Web) times the drain of its last tasks,
	// one task's latency, by definition. Their start-up is what the
	// driver's warm-up (every pool worker has answered) and dist_local.py's
	// "local" line (every worker, and the task queue's feeder thread, has
	// answered) take out of the loop.
	startupDefault = `^BenchmarkCounter$/sync=/model=python-thread$/workers=1$ ` +
		`^BenchmarkLocal$/state=/model=python-thread$/workers=1$ ` +
		`^BenchmarkCoroutine$/handoff=generator$/model=python-thread$ ` +
		`^BenchmarkIPC$/pattern=pingpong$/transport=/peer=python-process$/size=8B$`
)

func TestStartUpIsNotTimed(t *testing.T) {
	patterns := os.Getenv("CONCBENCH_STARTUP_BENCH")
	if patterns == "" {
		if testing.Short() {
			t.Skip("-short: the start-up check runs the Python rows twice")
		}
		patterns = startupDefault
	}
	per := map[int]map[string][]float64{startupSmall: {}, startupLarge: {}}
	for range startupRuns {
		for _, pattern := range strings.Fields(patterns) {
			for _, n := range []int{startupSmall, startupLarge} {
				if err := runLeaves(pattern, n, per[n]); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if len(per[startupLarge]) == 0 {
		t.Skipf("no benchmark matches %q here (skipped rows: python3, root, a package missing)", patterns)
	}
	t.Logf("%d leaves at %d and %d ops, %d times each", len(per[startupLarge]), startupSmall, startupLarge, startupRuns)
	for name, small := range per[startupSmall] {
		large := per[startupLarge][name]
		if msg := startUpTimed(small, large); msg != "" {
			t.Errorf("%s: %s: start-up inside the timed loop", name, msg)
		}
	}
}

// startUpTimed says how a leaf's per-op times at the small and the large
// op count show a cost that falls with the count beyond noise, or "".
func startUpTimed(small, large []float64) string {
	if len(small) == 0 || len(large) == 0 {
		return ""
	}
	ms, ml := slices.Min(small), median(large)
	// per-op = op + once/N at each count: solve for once.
	once := (ms - ml) / (1.0/startupSmall - 1.0/startupLarge)
	if ms <= startupRatio*ml || once < startupFloor {
		return ""
	}
	return fmt.Sprintf("%.0f ns/op at best at %dx but %.0f ns/op at %dx (%.1f×, about %.0f µs paid once a run; runs %v vs %v)",
		ms, startupSmall, ml, startupLarge, ms/ml, once/1e3, small, large)
}

func TestStartUpTimedRule(t *testing.T) {
	for _, c := range []struct {
		name         string
		small, large []float64
		flagged      bool
	}{
		{"flat", []float64{100, 110, 95}, []float64{98, 102, 100}, false},
		{"start-up", []float64{20000, 21000, 19000}, []float64{3000, 3200, 3100}, true},
		{"a first op's cold caches", []float64{500, 600, 450}, []float64{94, 95, 90}, false},
		{"noisy, overlapping", []float64{900, 100, 1000}, []float64{110, 400, 120}, false},
		{"one stall of a loaded machine", []float64{660000, 47000, 148000}, []float64{34600, 36400, 43100}, false},
		{"start-up, one run stalled too", []float64{311000, 547000, 387000}, []float64{124000, 127000, 121000}, true},
		{"slower at large N", []float64{100, 100, 100}, []float64{300, 300, 300}, false},
		{"below the ratio", []float64{190, 195, 199}, []float64{100, 100, 100}, false},
	} {
		if got := startUpTimed(c.small, c.large) != ""; got != c.flagged {
			t.Errorf("%s: flagged %v, want %v", c.name, got, c.flagged)
		}
	}
}

// runLeaves runs this test binary's benchmarks matching pattern at n ops
// each and adds every leaf's ns/op to out.
func runLeaves(pattern string, n int, out map[string][]float64) error {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench="+pattern,
		"-test.benchtime="+strconv.Itoa(n)+"x", "-test.count=1")
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("-bench %q at %dx: %v\n%s", pattern, n, err, b)
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			if f[i+1] == "ns/op" {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					out[f[0]] = append(out[f[0]], v)
				}
			}
		}
	}
	return nil
}

// Before a run, without -v, the binary says on stderr what will skip and
// why, one line per missing thing (go test prints a skipped benchmark only
// with -v); the recorder, which says it once for all its passes, silences
// it with deps.EnvSaid.
func TestPreambleSaysWhatWillSkip(t *testing.T) {
	for _, said := range []bool{false, true} {
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkNoSuch$")
		cmd.Env = append(os.Environ(), "PATH=/nonexistent")
		if said {
			cmd.Env = append(cmd.Env, deps.EnvSaid+"=1")
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", cmd.Args, err, stderr.String())
		}
		got := strings.Count(stderr.String(), "concbench: will skip: no python3 ")
		if want := map[bool]int{false: 1, true: 0}[said]; got != want {
			t.Errorf("%s=%v, python3 not on PATH: %d lines saying so, want %d:\n%s", deps.EnvSaid, said, got, want, stderr.String())
		}
	}
}
