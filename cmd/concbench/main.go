// Command concbench is a thin CLI over concbench's packages: each
// subcommand lives in its own file and registers itself in init.
//
// The binary can also be a child process: the process model re-executes the
// running binary with a role in its environment, so proc.Serve runs first.
package main

import (
	"fmt"
	"os"
	"sort"

	_ "github.com/concbench/concbench/model" // registers the worker role
	"github.com/concbench/concbench/proc"
)

type command struct {
	summary string
	run     func(args []string) int // exit code: 0 ok, 1 a failed check, 2 bad input
}

var commands = map[string]command{}

func init() {
	register("record", "run the benchmarks and store results/<host-id>/<stamp>.txt, never over a stored file", recordExit(runRecord))
	register("reference", "the kernel's reference figures (perf bench sched pipe, /bin/true spawns) in benchfmt", recordExit(runReference))
}

// register adds a subcommand; call it from init in the subcommand's file.
func register(name, summary string, run func(args []string) int) {
	if _, dup := commands[name]; dup {
		panic("concbench: command registered twice: " + name)
	}
	commands[name] = command{summary, run}
}

func main() {
	proc.Serve()
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
		usage()
		return 2
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "concbench: unknown command %q (run concbench help)\n", args[0])
		return 2
	}
	return c.run(args[1:])
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: concbench <command> [flags] [args]\n\ncommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
}
