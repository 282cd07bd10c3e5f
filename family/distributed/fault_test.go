package distributed

import (
	"fmt"

	"github.com/concbench/concbench/internal/leakcheck"
)

// Broken Go workers, for the tests that prove a broken worker fails a run:
// the real worker (ServeWorker) with a Tamper that corrupts (flips bit 0
// of) or drops its k-th result, registered as helper roles of this test
// binary only.
func init() {
	for _, f := range []struct {
		kind string
		k    int
	}{{"corrupt", 1}, {"corrupt", 3}, {"drop", 3}} {
		leakcheck.Helper(faultRole(f.kind, f.k), func() int { return ServeWorker(tamper(f.kind, f.k)) })
	}
}

// faulty is the role of a worker that plays fault at its k-th task.
func faulty(fault string, k int) string { return leakcheck.UseHelper(faultRole(fault, k)) }

func faultRole(fault string, k int) string { return fmt.Sprintf("dist-worker-%s@%d", fault, k) }

func tamper(fault string, k int) Tamper {
	return func(task int, v uint64) (uint64, bool) {
		if task != k {
			return v, true
		}
		return v ^ 1, fault == "corrupt"
	}
}
