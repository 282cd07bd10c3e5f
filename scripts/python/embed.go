// Package python holds the seed notes' Python experiments, stdlib only.
// The scripts are meant to be run by hand too (each has a usage line at its
// top); they are embedded here so that Go code can run exactly these files
// from any working directory, an installed concbench binary included.
package python

import _ "embed"

// BusyLoop is busyloop.py: the seeds' GIL experiment, one busy loop per
// worker (x = x + 1, which counts its iterations) as threads or
// multiprocessing processes, for a fixed time.
//
//go:embed busyloop.py
var BusyLoop []byte
