// Command concbench-worker is the process model's worker binary: the
// model's "worker" role (model/process.go) and nothing else, built
// statically (CGO_ENABLED=0). A spawn then costs exec of a 2 MB static
// binary and the Go runtime's start-up, not ld.so, libc and the
// initialisation of every package a test binary links (see
// docs/spawn-scale.md, Spawn). The bench test binary builds it once per run
// (internal/floor) or takes a prebuilt one from CONCBENCH_WORKER.
package main

import (
	"fmt"
	"os"

	_ "github.com/concbench/concbench/model" // registers the worker role
	"github.com/concbench/concbench/proc"
)

func main() {
	proc.Serve()
	fmt.Fprintf(os.Stderr, "concbench-worker: started without %s; the process model runs it\n", proc.EnvRole)
	os.Exit(2)
}
