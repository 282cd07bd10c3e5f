package bench

import (
	"syscall"
	"testing"

	"github.com/concbench/concbench/workloads/model"
)

func init() {
	declareUnit("cpu-ns/op", "better=lower")
	declareUnit("ctxsw/op", "better=lower")
}

// meter measures the CPU time and context switches a benchmark costs, from
// getrusage deltas: this process (all threads) plus reaped children, plus
// what live children report for themselves (model.Usage). Wall time alone
// hides what a model costs: a process pool can match a goroutine pool's
// ns/op while burning twice the CPU.
type meter struct {
	cpu, ctxsw int64
}

func rusage() (cpu, ctxsw int64) {
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err != nil {
			panic(err)
		}
		cpu += ru.Utime.Nano() + ru.Stime.Nano()
		ctxsw += ru.Nvcsw + ru.Nivcsw
	}
	return cpu, ctxsw
}

func startMeter() meter {
	cpu, ctxsw := rusage()
	return meter{cpu, ctxsw}
}

// stop reports cpu-ns/op and ctxsw/op over ops operations, adding the
// usage of live children that getrusage cannot see yet.
func (m meter) stop(b *testing.B, ops int, children model.Usage) {
	cpu, ctxsw := rusage()
	if ops <= 0 {
		return
	}
	b.ReportMetric(float64(cpu-m.cpu+children.CPUNanos)/float64(ops), "cpu-ns/op")
	b.ReportMetric(float64(ctxsw-m.ctxsw+children.Ctxsw)/float64(ops), "ctxsw/op")
}
