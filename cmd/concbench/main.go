// Command concbench is a thin CLI over concbench's packages, the way
// x/perf's benchstat is: every subcommand is a function of its arguments
// and two writers that returns an error, and main alone turns that error
// into a message and an exit status. A test calls a command with two
// buffers; nothing swaps os.Stdout.
//
// Every command parses its flags the same way (parseFlags): -h, -help,
// --help and "concbench help CMD" print its usage to stdout and exit 0; a
// bad flag or argument is one line on stderr that points at CMD -h, exit 2;
// a check that ran and failed (a regression, a recording that did not
// finish, a server that is down) is exit 1, its error kept wrapped.
//
// The binary can also be a child process: the busy family re-executes the
// running binary with a role in its environment, so proc.Serve runs first.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// A command runs with its arguments (after its name) and writes only to
// stdout and stderr. Its error decides the exit status (see exitCode).
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands is every subcommand, one line each; each lives in its own file.
// The analysis commands build everywhere; the measuring ones (record,
// reference, gil, dist) are added by measure_linux.go, and elsewhere by
// measure_other.go as commands that say they need Linux.
var commands = map[string]command{
	"report":    {"benchstat tables, charts and a README.md from result files", runReport},
	"compare":   {"regression gate: compare base and head result files (exit 1 on a regression)", runCompare},
	"calibrate": {"noise floor of an A/A run: compare a binary's results with its own", runCalibrate},
	"upload":    {"send result files to a perfdata server (x/perf storage) and print the upload id", runUpload},
	"trend":     {"each benchmark over commits (x/perf benchseries): change points, the largest moves, a chart per family", runTrend},
}

func main() {
	serveChild()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a command, prints its error as one line on stderr and
// returns the exit status. -h, -help, --help and help print the usage to
// stdout; help CMD is CMD -h.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if isHelp(args[0]) {
		if args[0] != "help" || len(args) == 1 {
			usage(stdout)
			return 0
		}
		args = []string{args[1], "-h"}
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "concbench: unknown command %q (run concbench help)\n", args[0])
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	if err != nil && err.Error() != "" {
		fmt.Fprintf(stderr, "concbench %s: %v\n", args[0], err)
	}
	return exitCode(err)
}

// isHelp is an argument that asks for the usage.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// exitError ends a command with a status other than 2. A nil err means
// the command has said all there is to say.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// failed is a check that ran and failed (a regression, a run that did not
// finish): exit 1. The error stays as it is, wrapped; nil says nothing.
func failed(err error) error { return &exitError{1, err} }

// exitCode is 0 for success (and for -h), the code of an *exitError, and 2
// for every other error: bad input (a flag, an argument, a file that does
// not load), which never changes anything on disk.
func exitCode(err error) int {
	var e *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.code
	}
	return 2
}

// errHelp is -h: the usage went to stdout, and the command did nothing.
var errHelp = &exitError{0, nil}

// setUsage makes text, then the flags, what -h prints for fs.
func setUsage(fs *flag.FlagSet, text string) {
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), text)
		fs.PrintDefaults()
	}
}

// parseFlags parses a command's flags, the same way for every command:
// -h (-help, --help) prints the usage to stdout and ends the command with
// exit 0; a bad flag is one line naming it and pointing at -h (the flag
// package would print the whole usage after it), exit 2.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return fmt.Errorf("%v (usage: concbench %s -h)", err, fs.Name())
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: concbench <command> [flags] [args]\n\ncommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nconcbench help <command> (or concbench <command> -h) prints a command's flags.")
}
