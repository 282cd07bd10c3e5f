package main

import "github.com/concbench/concbench/proc"

// The measuring commands: they start child processes with Pdeathsig,
// network namespaces and perf, which only Linux has.
var measuring = map[string]command{
	"record":    {"run the benchmarks and store results/<host-id>/<stamp>.txt, never over a stored file", runRecord},
	"reference": {"the kernel's reference figures (perf bench sched pipe, /bin/true spawns) in benchfmt", runReference},
	"gil":       {"the seeds' GIL busy-loop experiment, live: per-core bars for every model", runGIL},
	"dist":      {"the seeds' distributed master/worker across real machines: dist master, dist worker", runDist},
}

func init() {
	for name, c := range measuring {
		commands[name] = c
	}
}

// serveChild runs a child role when this binary was started as one (the
// busy family re-executes it), and returns otherwise.
func serveChild() { proc.Serve() }
