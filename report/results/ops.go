package results

import "strings"

// MinOps is the fewest ops a result may rest on before a reader is told.
// A run sized by time (-benchtime 10ms) runs an op that is slow on the
// machine at hand once or twice, and its per-op figure is then one op,
// whatever that op met. The recorder runs such a row again at MinOps ops;
// the report marks a figure from fewer and never calls it a winner.
const MinOps = 5

// wholeOps are the families whose op is a whole experiment, run a fixed
// number of times by design: a busy loop of seconds (BusyLoop), a run of
// a thousand tasks with a fault in it (DistributedFault), a second of wrk
// and a second of our client (WebReference).
var wholeOps = []string{"BusyLoop", "DistributedFault", "WebReference"}

// FewOps says whether a result of family (with or without its
// "Benchmark" prefix) that ran iters ops rests on too few.
func FewOps(family string, iters int) bool {
	family = strings.TrimPrefix(family, "Benchmark")
	for _, f := range wholeOps {
		if f == family {
			return false
		}
	}
	return iters < MinOps
}
