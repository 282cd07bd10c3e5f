package model_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/concbench/concbench/family/pool"
	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/workloads"
)

// Broken process workers, for the tests that prove a broken worker fails
// the run: the real worker (model.ServeWorker) with a Tamper that breaks
// its answer to its third task, registered as helper roles of this test
// binary only. bench's tests register their own.
func init() {
	for _, fault := range []string{"checksum", "die", "truncate"} {
		leakcheck.Helper(faultRole(fault), func() int { return model.ServeWorker(tamper(fault, 3)) })
	}
}

func faultRole(fault string) string { return "worker-" + fault }

// faulty is the process model with workers that play fault.
func faulty(fault string) model.Process {
	return model.Process{Role: leakcheck.UseHelper(faultRole(fault))}
}

// tamper breaks the answer to task k: "checksum" answers a wrong fold,
// "die" exits without answering, "truncate" writes half a frame and exits.
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

// The production worker has no fault switch: the environment variable
// that once planted a fault in it changes nothing.
func TestWorkerHasNoFaultSwitch(t *testing.T) {
	t.Setenv("CONCBENCH_FAULT", "die@1")
	p, err := pool.Start(model.Process{}, workloads.Spec{Kernel: "noop"}, 1, pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(0); i < 5 && err == nil; i++ {
		err = p.Submit(i, 1)
	}
	if err == nil {
		err = p.Wait()
	}
	if err := errors.Join(err, p.Close()); err != nil {
		t.Errorf("a worker started with CONCBENCH_FAULT set: %v", err)
	}
}
