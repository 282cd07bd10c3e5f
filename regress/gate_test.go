package regress

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGate plants slowdowns through the test-only switch and runs the probe
// A/B interleaved through scripts/regress.sh, the same script CI runs: a 2×
// slowdown in one benchmark must be reported as exactly that benchmark, a
// 2% slowdown of every benchmark must not trip the gate, nor must A/A.
// This test binary itself is both sides: it holds BenchmarkRegressProbe.
//
// The gate runs on the probe's cpu-sec/op only, at -alpha 0.01: `make test`
// runs this beside every other package's tests, on a VM that may be loaded
// far beyond its cores, and there the wall time of a busy loop measures the
// load, not the loop (±50% and more, in bursts that span the two adjacent
// same-side runs of an A B B A order: two A/A false alarms on wall time in
// about a dozen runs while this was written). Beside a CPU hog on both
// cores even the loop's CPU time moves: the 2% case read +12.6% once (a
// sibling hyperthread's hog slows the loop's instructions, not only its
// turn). So the planted cases run against a 25% limit (and a 25% suite
// geomean limit), wider than that
// noise and far below the 2× they must catch; the default limits on all
// units are checked on synthetic sets (TestVerdicts), by
// TestCalibrateSubset, and by make calibrate.
func TestGate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs benchmarks A/B for a few seconds")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, slowdown string
		wantExit       int
		wantRegressed  []string // row names, GOMAXPROCS suffix stripped
	}{
		{"2x-one", "case=b$=2", 1, []string{"RegressProbe/kind=cpu/kernel=busyloop/case=b"}},
		{"2pct-all", "RegressProbe=1.02", 0, nil},
		{"aa", "", 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "results")
			cmd := exec.Command("../scripts/regress.sh", "-base-bin", self, "-head-bin", self,
				"-pkg", "./regress", "-bench", "^BenchmarkRegressProbe$", "-rounds", "10", "-benchtime", "10ms",
				"-out", out, "-head-env", slowdownEnv+"="+c.slowdown, "--", "-alpha", gateAlpha, "-units", "^cpu-sec/op$", "-threshold-cpu", "0.25", "-geomean", "0.25")
			// Under -race each run of this binary would sleep 1 s at exit.
			cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
			log, err := cmd.CombinedOutput()
			exit := cmd.ProcessState.ExitCode()
			if exit != c.wantExit {
				t.Fatalf("scripts/regress.sh exit %d (%v), want %d; output:\n%s", exit, err, c.wantExit, log)
			}
			got := unique(regressedRows(t, filepath.Join(out, "table.txt")))
			if strings.Join(got, " ") != strings.Join(c.wantRegressed, " ") {
				t.Errorf("regressed rows %q, want %q; output:\n%s", got, c.wantRegressed, log)
			}
		})
	}
}

// gateAlpha is the gate tests' family-wise alpha (see TestGate): at most a
// 1% chance of a false alarm per run where the test's assumptions hold.
const gateAlpha = "0.01"

// TestCalibrateSubset is an A/A run of a small subset of the real suite
// through scripts/calibrate.sh: the gate must raise no false alarm. 8
// rounds: at alpha 0.01 over 6 tests, 6 rounds could never be significant.
func TestCalibrateSubset(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the bench binary")
	}
	out := filepath.Join(t.TempDir(), "results")
	cmd := exec.Command("../scripts/calibrate.sh", "-bench", "^BenchmarkSpawn$/^model=(goroutine|thread)$",
		"-rounds", "8", "-benchtime", "20ms", "-out", out, "--", "-alpha", gateAlpha)
	log, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/calibrate.sh: %v; output:\n%s", err, log)
	}
	table, err := os.ReadFile(filepath.Join(out, "table.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(table), "gate is blind") {
		t.Errorf("A/A run too small to test anything:\n%s", table)
	}
	if !strings.Contains(string(table), "false alarms: 0 benchmark×unit, 0 suite geomean") {
		t.Errorf("A/A run of a subset raised false alarms:\n%s", table)
	}
	for _, unit := range []string{"sec/op", "cpu-sec/op", "ctxsw/op"} {
		if !regexp.MustCompile(`Spawn/model=thread\S*\s+` + regexp.QuoteMeta(unit) + `\s+8\+8`).Match(table) {
			t.Errorf("no row for Spawn/model=thread %s with 8+8 samples:\n%s", unit, table)
		}
	}
}

func unique(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

var suffix = regexp.MustCompile(`-\d+$`)

// regressedRows reads the names of the REGRESSION rows of a compare table
// (not the suite gate's line).
func regressedRows(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 2 && fields[0] != "geomean" && fields[len(fields)-1] == string(Regression) {
			out = append(out, suffix.ReplaceAllString(fields[0], ""))
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
