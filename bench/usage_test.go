package bench

import (
	"syscall"
	"testing"

	"github.com/concbench/concbench/model"
)

func init() {
	declareUnit("cpu-ns/op", "better=lower")
	declareUnit("ctxsw/op", "better=lower")
}

// meter measures the CPU time and context switches a benchmark costs, from
// getrusage deltas: this process (all threads) plus either reaped children
// or, for a pool, what its children reported for themselves (model.Usage).
// Wall time alone hides what a model costs: a pool can match another's
// ns/op while burning more CPU.
type meter struct {
	cpu, ctxsw           int64 // this process
	childCPU, childCtxsw int64 // reaped children
}

func rusage(who int) (cpu, ctxsw int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), ru.Nvcsw + ru.Nivcsw
}

func startMeter() meter {
	cpu, ctxsw := rusage(syscall.RUSAGE_SELF)
	ccpu, cctxsw := rusage(syscall.RUSAGE_CHILDREN)
	return meter{cpu, ctxsw, ccpu, cctxsw}
}

// stop reports cpu-ns/op and ctxsw/op over ops operations. children is
// what live children reported for themselves (model.Usage). When it is
// non-zero it replaces the RUSAGE_CHILDREN delta: a pool's children are
// reaped by its Close inside the window, so that delta holds their whole
// life, start-up included, and adding both would count them twice.
func (m meter) stop(b *testing.B, ops int, children model.Usage) {
	cpu, ctxsw := rusage(syscall.RUSAGE_SELF)
	ccpu, cctxsw := rusage(syscall.RUSAGE_CHILDREN)
	if ops <= 0 {
		return
	}
	cpu, ctxsw = cpu-m.cpu, ctxsw-m.ctxsw
	if children == (model.Usage{}) {
		cpu, ctxsw = cpu+ccpu-m.childCPU, ctxsw+cctxsw-m.childCtxsw
	} else {
		cpu, ctxsw = cpu+children.CPUNanos, ctxsw+children.Ctxsw
	}
	b.ReportMetric(float64(cpu)/float64(ops), "cpu-ns/op")
	b.ReportMetric(float64(ctxsw)/float64(ops), "ctxsw/op")
}
