package bench

import (
	"encoding/binary"
	"fmt"

	"github.com/concbench/concbench/family/distributed"
	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/model"
)

// Broken process workers, for the tests that prove a broken worker fails
// a benchmark: the real worker (model.ServeWorker) with a Tamper that
// breaks its answer to task k, registered as helper roles of this test
// binary only. Scale and Pool break the third task, Spawn (one task per
// worker) the first.
func init() {
	for _, k := range []int{1, 3} {
		for _, fault := range faults {
			leakcheck.Helper(faultRole(fault, k), func() int { return model.ServeWorker(tamper(fault, k)) })
		}
	}
	for _, fault := range distFaults {
		leakcheck.Helper(distFaultRole(fault), func() int { return distributed.ServeWorker(distTamper(fault)) })
	}
}

// faults: "checksum" answers a wrong fold, "die" exits without answering,
// "truncate" writes half a frame and exits.
var faults = []string{"checksum", "die", "truncate"}

func faultRole(fault string, k int) string { return fmt.Sprintf("worker-%s@%d", fault, k) }

// faulty is the process model with workers that play fault at task k.
func faulty(fault string, k int) model.Process {
	return model.Process{Role: leakcheck.UseHelper(faultRole(fault, k))}
}

func tamper(fault string, k int) model.Tamper {
	return func(task int, resp []byte) ([]byte, bool) {
		if task != k {
			return resp, false
		}
		switch fault {
		case "checksum": // the fold is the response's bytes 16..23
			binary.LittleEndian.PutUint64(resp[16:], binary.LittleEndian.Uint64(resp[16:])+1)
			return resp, false
		case "die":
			return nil, true
		case "truncate":
			return resp[:len(resp)/2], true
		}
		panic(fmt.Sprintf("unknown fault %q", fault))
	}
}

// Broken Go workers of the distributed family: the real worker
// (distributed.ServeWorker) with a Tamper that drops its second result,
// or corrupts it (flips bit 0).
var distFaults = []string{"drop", "corrupt"}

func distFaultRole(fault string) string { return "dist-worker-" + fault + "@2" }

func distTamper(fault string) distributed.Tamper {
	return func(task int, v uint64) (uint64, bool) {
		if task != 2 {
			return v, true
		}
		return v ^ 1, fault == "corrupt"
	}
}
