package bench

import (
	"flag"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A row labelled -1 must have run at GOMAXPROCS=1, in every count. go test
// (Go 1.26, testing/benchmark.go) does not promise that: B.Run calls run1,
// which for a b.Loop benchmark runs the whole first measurement, and only
// then does processBench call runtime.GOMAXPROCS with the first -cpu value.
// So with -cpu 1,2 the first count of every sub-benchmark but the very
// first ran at 2, the value the previous sub-benchmark was left at, and was
// printed as -1. Every later count is run after processBench has set the
// value. atProcs, the first call of every leaf benchmark, closes the gap:
// the first call for a name sets the first -cpu value itself.

var procsSeen struct {
	sync.Mutex
	names map[string]bool
}

// EnvReportProcs, set to 1, makes every leaf benchmark report the
// GOMAXPROCS it ended its measurement at, as the metric gomaxprocs: the
// test below reads it back against the -N of each row.
const EnvReportProcs = "CONCBENCH_REPORT_PROCS"

// atProcs makes b run at the GOMAXPROCS its name will carry. Call it first
// in every leaf benchmark (one that calls b.Loop).
func atProcs(b *testing.B) {
	procsSeen.Lock()
	first := !procsSeen.names[b.Name()]
	if procsSeen.names == nil {
		procsSeen.names = map[string]bool{}
	}
	procsSeen.names[b.Name()] = true
	procsSeen.Unlock()
	// testing.Benchmark (the failure tests) runs an unnamed B outside
	// processBench: -cpu does not apply to it.
	if n := firstCPU(); first && n > 0 && b.Name() != "" {
		runtime.GOMAXPROCS(n)
	}
	if os.Getenv(EnvReportProcs) == "1" {
		// Cleanup runs after the benchmark function returns and before go
		// test reads its metrics, with GOMAXPROCS as the loop had it.
		b.Cleanup(func() { b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "gomaxprocs") })
	}
}

// firstCPU is the first value of -test.cpu; 0 when the flag is unset.
func firstCPU() int {
	f := flag.Lookup("test.cpu")
	if f == nil {
		return 0
	}
	first, _, _ := strings.Cut(f.Value.String(), ",")
	n, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0
	}
	return n
}

// procsCases are one cheap leaf of every benchmark family, so that a family
// that forgets atProcs fails TestEveryRowAtItsProcs (it reports no
// gomaxprocs at all). Each pattern must match exactly one leaf (no
// check=bare sibling): the test counts four rows per leaf.
var procsCases = []string{
	"BusyLoop/model=goroutine/workers=1$",
	"Coroutine/handoff=iter-pull$",
	"Counter/sync=atomic/workers=1$",
	"Distributed/queue=stream/hosts=1/procs=1/rtt=0/task=square$",
	"IPC/pattern=stream/transport=chan-buffered/peer=goroutine/size=8B$",
	"Local/state=explicit/workers=1$",
	"Pool/kernel=noop/model=goroutine/mode=map/chunk=1$",
	"Sampler$",
	"Scale/kind=cpu/kernel=sha256/model=goroutine/workers=[12]$",
	"Spawn/model=goroutine$",
	"SpawnParent/touched=0B/model=fork$",
	"Stop/model=goroutine/state=busy$",
	"Subprocess/cmd=true/api=proc$",
	"Web/server=goroutine/workers=1/gomaxprocs=1/path=hello/conns=1$",
}

// A row's name; go test leaves -1 off.
var procsRow = regexp.MustCompile(`^Benchmark(\S+?)(?:-(\d+))?\s.*\s([0-9.]+) gomaxprocs`)

// TestEveryRowAtItsProcs runs this binary with -cpu 1,2 -count 2 on one
// leaf of every family and requires each row's gomaxprocs to equal its -N,
// and every family to print its four rows.
func TestEveryRowAtItsProcs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the benchmark binary: skipped with -short")
	}
	for _, c := range procsCases {
		// One run per family: -test.bench splits its pattern at slashes,
		// so an alternation cannot span levels.
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^Benchmark"+c,
			"-test.cpu=1,2", "-test.count=2", "-test.benchtime=1x", "-test.v")
		cmd.Env = append(os.Environ(), EnvReportProcs+"=1", EnvBusySeconds+"=0.05")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
		}
		rows := 0
		for _, line := range strings.Split(string(out), "\n") {
			m := procsRow.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			rows++
			if m[2] == "" {
				m[2] = "1"
			}
			if got, _ := strconv.ParseFloat(m[3], 64); strconv.FormatFloat(got, 'f', -1, 64) != m[2] {
				t.Errorf("Benchmark%s-%s ran at GOMAXPROCS=%s", m[1], m[2], m[3])
			}
		}
		if rows == 0 && strings.Contains(string(out), "--- SKIP") {
			t.Logf("%s skips here (not root, or a package missing): %s", c, skipLine(out))
			continue
		}
		if want := 4 * (1 + strings.Count(c, "[12]")); rows != want {
			t.Errorf("%s: %d rows with a gomaxprocs metric, want %d (does it call atProcs?)\n%s", c, rows, want, out)
		}
	}
}

// skipLine is the reason of the first skip in go test -v output.
func skipLine(out []byte) string {
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if strings.Contains(l, "--- SKIP") && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	return ""
}
