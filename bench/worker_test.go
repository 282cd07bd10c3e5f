package bench

import (
	"fmt"
	"os"

	"github.com/concbench/concbench/internal/floor"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
)

// Package paths of the binaries the process rows run.
const (
	workerPkg  = "github.com/concbench/concbench/cmd/concbench-worker"
	goFloorPkg = "github.com/concbench/concbench/internal/floor/goworker"
)

// The process model's worker: cmd/concbench-worker, static, built once per
// run before any benchmark starts a worker, or the prebuilt binary named by
// CONCBENCH_WORKER (a machine with only a prebuilt bench.test and no Go
// toolchain). Where neither works, the workers are this test binary and
// the config line says so: process rows then include a dynamically linked
// binary's loader and every package init of the test.
var (
	worker    *floor.Binary
	workerWhy string // why worker is nil: this test binary plays the worker
)

func init() {
	if _, child := os.LookupEnv(proc.EnvRole); child {
		return // a child: it serves a role, it starts no workers
	}
	if path := os.Getenv(model.EnvWorker); path != "" {
		var err error
		if worker, err = floor.Open(path, model.EnvWorker); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		return // model.Worker is already path
	}
	var err error
	if worker, err = floor.Go(workerPkg); err != nil {
		workerWhy = err.Error()
		return
	}
	model.Worker = worker.Path
}

// workerConfig is the config line that says which binary the process
// model's workers ran from, so a result file is never read as the other.
func workerConfig() string {
	if worker == nil {
		self, _ := os.Executable()
		return fmt.Sprintf("process-worker: this test binary %s (%s)", self, workerWhy)
	}
	return "process-worker: " + describe(worker)
}

func describe(b *floor.Binary) string {
	link := "dynamic"
	if b.Static {
		link = "static"
	}
	return fmt.Sprintf("%s, %s, %.1f MB", b.Name, link, float64(b.Size)/1e6)
}

// floors builds BenchmarkSpawn's floor binaries; the caller closes them.
// A floor that cannot be built (no gcc, no go command) comes back nil with
// the reason.
func floors() (kernel, gofloor *floor.Binary, kernelErr, goErr error) {
	kernel, kernelErr = floor.Kernel()
	gofloor, goErr = floor.Go(goFloorPkg)
	return kernel, gofloor, kernelErr, goErr
}
