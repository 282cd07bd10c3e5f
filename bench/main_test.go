// Package bench is concbench's benchmark matrix: one _test.go file per
// concept of the seed notes, run with go test -bench.
//
// The seed notes ("the seeds" throughout the code) are a set of notes on
// Python concurrency, written in Chinese, that concbench ports to Go:
// Process, Pool, Queue/Pipe, Lock, threading.local, the GIL busy loop,
// coroutines, subprocess, fork, managers, WSGI servers. Each concept is
// one experiment, a benchmark family here; "the seeds' Python" is the
// notes' own snippets, run beside the Go rows (docs/design.md maps each
// concept to its family).
//
// Every sub-benchmark name is a path of key=value segments
// (BenchmarkScale/kind=cpu/kernel=sha256/model=thread/workers=4), so that
// benchstat -col /model or -row /workers slices any result file. Custom
// metrics are reported after the timed loop, and every custom unit is
// declared once, before the results, with a "Unit <name> better=..." line
// (see declareUnit).
//
// TestMain does three jobs: it serves the child-process roles (the process
// model's workers are this very binary, re-executed), it prints config lines
// that identify the machine (ncpu, kernel, go, host-id from internal/host,
// commit), and after
// the run it fails the binary if any child process, file descriptor or
// goroutine was left behind.
package bench

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/host"
	"github.com/concbench/concbench/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m, func() {
		flag.Parse()
		if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
			for _, line := range ConfigLines() {
				fmt.Println(line)
			}
			for _, line := range unitLines() {
				fmt.Println(line)
			}
			// What will skip and why, before the run and without -v
			// (go test prints a skipped benchmark only with -v); on
			// stderr, so that a results file holds only results.
			if os.Getenv(deps.EnvSaid) == "" {
				for _, line := range deps.Missing() {
					fmt.Fprintln(os.Stderr, "concbench: will skip:", line)
				}
			}
		}
	})
}

// ConfigLines are the benchfmt config lines that identify the machine and
// the run. go test adds goos, goarch, pkg and cpu itself.
func ConfigLines() []string {
	lines := []string{
		fmt.Sprintf("ncpu: %d", runtime.NumCPU()),
		fmt.Sprintf("gomaxprocs: %d", runtime.GOMAXPROCS(0)),
		"go: " + runtime.Version(),
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		lines = append(lines, "kernel: "+utsString(u.Release[:]))
	}
	lines = append(lines, "host-id: "+host.ID()) // the one id, see internal/host
	if out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		lines = append(lines, "commit: "+strings.TrimSpace(string(out)))
	}
	return append(lines, workerConfig())
}

// TestConfigHostID: the host-id line is internal/host's id, the one the
// recorder files results under (a second hash would split one machine's
// results and make the gate refuse to compare them).
func TestConfigHostID(t *testing.T) {
	want := "host-id: " + host.ID()
	for _, line := range ConfigLines() {
		if line == want {
			return
		}
	}
	t.Errorf("config lines %q lack %q", ConfigLines(), want)
}

func utsString(b []int8) string {
	var s strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		s.WriteByte(byte(c))
	}
	return s.String()
}

var units = map[string]string{}

// declareUnit registers a custom unit's "Unit" line; call it from init in
// the file of the family that reports it. attrs is e.g. "better=lower" or
// "better=lower assume=exact".
func declareUnit(name, attrs string) {
	if old, ok := units[name]; ok && old != attrs {
		panic(fmt.Sprintf("unit %s declared twice: %q and %q", name, old, attrs))
	}
	units[name] = attrs
}

func unitLines() []string {
	var out []string
	for n, a := range units {
		out = append(out, "Unit "+n+" "+a)
	}
	sort.Strings(out)
	return out
}

// workerCounts is 1, 2, 4, … up to twice the cores, with 2×cores itself
// always last: the same code sweeps further on a bigger machine.
func workerCounts() []int {
	max := 2 * runtime.NumCPU()
	var out []int
	for w := 1; w < max; w *= 2 {
		out = append(out, w)
	}
	return append(out, max)
}
