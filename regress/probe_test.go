package regress

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/workloads"
)

// slowdownEnv is the gate's test-only switch: "<regexp>=<factor>" makes the
// sub-benchmarks of BenchmarkRegressProbe whose full name matches do factor
// times the work. It exists only in this test file, so no real benchmark's
// timed path ever reads it.
const slowdownEnv = "CONCBENCH_TEST_SLOWDOWN"

// probeWork is the xor loop length of one probe op, about 30 µs.
const probeWork = 100_000

// slowdown parses slowdownEnv for the benchmark called name.
func slowdown(name string) (float64, error) {
	spec := os.Getenv(slowdownEnv)
	if spec == "" {
		return 1, nil
	}
	i := strings.LastIndexByte(spec, '=')
	if i <= 0 {
		return 0, fmt.Errorf("%s=%q: want <regexp>=<factor>", slowdownEnv, spec)
	}
	re, err := regexp.Compile(spec[:i])
	if err != nil {
		return 0, fmt.Errorf("%s: %w", slowdownEnv, err)
	}
	f, err := strconv.ParseFloat(spec[i+1:], 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s=%q: factor must be a positive number", slowdownEnv, spec)
	}
	if !re.MatchString(name) {
		return 1, nil
	}
	return f, nil
}

// BenchmarkRegressProbe is the subject of the gate's own tests, not part
// of the suite: three identical CPU-bound cases, one op = probeWork rounds
// of the seeds' xor loop (times the slowdown factor where the switch says
// so). The gate tests run it A/B through scripts/regress.sh.
//
// Beside wall time it reports cpu-ns/op, the CPU time of its own locked
// thread: on a machine loaded far beyond its cores (the shared 2 vCPU VM
// sees load averages of 8) wall time of a busy loop varies by ±50% with the
// share of CPU the loop gets, while its CPU time does not, and the gate's
// tests must not fail at random either.
func BenchmarkRegressProbe(b *testing.B) {
	// The gate refuses undeclared units, as it would in the suite.
	fmt.Println("Unit cpu-ns/op better=lower")
	for _, c := range []string{"a", "b", "c"} {
		b.Run("kind=cpu/kernel=busyloop/case="+c, func(b *testing.B) {
			f, err := slowdown(b.Name())
			if err != nil {
				b.Fatal(err)
			}
			n := int(math.Round(probeWork * f))
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			start := threadCPU(b)
			var x uint64
			ops := 0
			for b.Loop() {
				x = workloads.Busy(x, n)
				ops++
			}
			cpu := threadCPU(b) - start
			// The loop counts its rounds: after ops*n rounds x is their number.
			if want := uint64(ops * n); x != want {
				b.Fatalf("probe %s: busy loop left %d after %d ops of %d, want %d", b.Name(), x, ops, n, want)
			}
			b.ReportMetric(float64(cpu)/float64(ops), "cpu-ns/op")
		})
	}
}

// threadCPU is the user+system CPU time of the calling OS thread, in ns.
func threadCPU(b *testing.B) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		b.Fatalf("getrusage(RUSAGE_THREAD): %v", err)
	}
	return unix.TimevalToNsec(ru.Utime) + unix.TimevalToNsec(ru.Stime)
}

func TestSlowdownSwitch(t *testing.T) {
	for _, c := range []struct {
		env, name string
		want      float64
		bad       bool
	}{
		{"", "BenchmarkRegressProbe/kind=cpu/kernel=busyloop/case=b", 1, false},
		{"case=b=2", "BenchmarkRegressProbe/kind=cpu/kernel=busyloop/case=b", 2, false},
		{"case=b=2", "BenchmarkRegressProbe/kind=cpu/kernel=busyloop/case=a", 1, false},
		{"Probe=1.02", "BenchmarkRegressProbe/kind=cpu/kernel=busyloop/case=a", 1.02, false},
		{"case=b", "x", 0, true},
		{"case=b=-1", "x", 0, true},
		{"(=2", "x", 0, true},
	} {
		t.Setenv(slowdownEnv, c.env)
		got, err := slowdown(c.name)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%s=%q for %s: got %v, %v; want %v (error %v)", slowdownEnv, c.env, c.name, got, err, c.want, c.bad)
		}
	}
}
