//go:build !linux

package main

import (
	"fmt"
	"io"
	"runtime"
)

// Off Linux the measuring commands exist, so that help lists them and a
// user is told why they do not run; the analysis commands (report,
// compare, calibrate, upload, trend) read results recorded anywhere.
func init() {
	for name, summary := range map[string]string{
		"record":    "run the benchmarks and store results/<host-id>/<stamp>.txt (Linux only)",
		"reference": "the kernel's reference figures in benchfmt (Linux only)",
		"gil":       "the seeds' GIL busy-loop experiment, live (Linux only)",
		"dist":      "the seeds' distributed master/worker across real machines (Linux only)",
	} {
		commands[name] = command{summary, func([]string, io.Writer, io.Writer) error {
			return fmt.Errorf("%s measures, and measuring needs Linux (this is %s); "+
				"report, compare, calibrate, upload and trend read results recorded on Linux", name, runtime.GOOS)
		}}
	}
}

func serveChild() {}
