package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/concbench/concbench/internal/host"
	"github.com/concbench/concbench/record"
)

// errRecordUsage marks bad input (exit 2); any other error is exit 1.
var errRecordUsage = errors.New("usage")

// runRecord is `concbench record`: run the benchmarks and store the output
// as results/<host-id>/<stamp>.txt (see package record). The benchmark
// output goes to stdout as it comes, progress and the stored path to
// stderr. Ctrl-C or SIGTERM stops the run and stores nothing.
func runRecord(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := record.Options{Stdout: stdout, Stderr: stderr}
	fs.StringVar(&o.Bench, "bench", ".", "benchmarks: families by whole name (Spawn is not SpawnParent), then sub-benchmark filters")
	fs.IntVar(&o.Count, "count", 10, "runs of each benchmark")
	fs.StringVar(&o.Benchtime, "benchtime", "1s", "time (or Nx) per benchmark run")
	fs.StringVar(&o.CPU, "cpu", "", "GOMAXPROCS list for every family (default: BusyLoop at 1,ncpu, the rest as is)")
	fs.StringVar(&o.Timeout, "timeout", "3h", "limit per family pass; a hung round trip fails the run with every stack")
	fs.BoolVar(&o.Profile, "profile", false, "the short profile of make report: BusyLoop at workers=ncpu only, twice")
	fs.BoolVar(&o.Reference, "reference", true, "append the kernel's reference figures when IPC or Spawn runs")
	fs.StringVar(&o.Go, "go", goCommand(), "go command that builds the bench binary (default $GO, else go)")
	fs.StringVar(&o.Pkg, "pkg", "bench", "directory of the benchmark package")
	fs.StringVar(&o.Bin, "bin", "", "a prebuilt bench binary instead of building one")
	fs.StringVar(&o.Root, "results", "results", "results root; files go to <root>/<host-id>/")
	reuse := fs.Bool("reuse", false, "if this machine has a recording, record nothing and use the newest (refused if its config lines name another machine)")
	pathOnly := fs.Bool("path-only", false, "stdout is the stored (or reused) file's path alone, not the benchmark output")
	if err := parseRecordFlags(fs, args, "concbench record [flags]"); err != nil {
		return err
	}
	if o.Count < 1 {
		return fmt.Errorf("concbench record: flag -count: want a positive integer, got %d: %w", o.Count, errRecordUsage)
	}
	if *pathOnly {
		o.Stdout = nil
	}
	path := ""
	if *reuse {
		var err error
		if path, err = record.Newest(o.Root, host.This()); err != nil {
			return fmt.Errorf("concbench record: %w", err)
		}
		if path != "" {
			fmt.Fprintf(stderr, "concbench: this machine's newest results: %s\n", path)
		}
	}
	if path == "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		var err error
		if path, err = record.Run(ctx, o); err != nil {
			return fmt.Errorf("concbench %w", err)
		}
	}
	if *pathOnly {
		fmt.Fprintln(stdout, path)
	}
	return nil
}

// runReference is `concbench reference`: the kernel's reference figures
// (perf bench sched pipe, /bin/true spawns) in benchfmt on stdout; with
// -ours, interleaved with our pipe ping-pong and no-op task, and their
// ratios.
func runReference(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reference", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := record.RefOptions{Stderr: stderr}
	fs.IntVar(&o.Count, "count", 5, "rounds")
	fs.IntVar(&o.Loops, "loops", 100000, "round trips per perf bench sched pipe run")
	fs.IntVar(&o.Spawns, "spawns", 2000, "/bin/true spawns per round")
	fs.BoolVar(&o.Ours, "ours", false, "interleave our pipe ping-pong and process no-op task, and print their ratios to perf")
	goCmd := fs.String("go", goCommand(), "go command that builds the bench binary for -ours (default $GO, else go)")
	fs.StringVar(&o.Dir, "pkg", "bench", "directory of the benchmark package, for -ours")
	fs.StringVar(&o.Bin, "bin", "", "a prebuilt bench binary for -ours instead of building one")
	if err := parseRecordFlags(fs, args, "concbench reference [flags]"); err != nil {
		return err
	}
	for name, v := range map[string]int{"-count": o.Count, "-loops": o.Loops, "-spawns": o.Spawns} {
		if v < 1 {
			return fmt.Errorf("concbench reference: flag %s: want a positive integer, got %d: %w", name, v, errRecordUsage)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.Ours && o.Bin == "" {
		tmp := os.TempDir()
		record.RemoveStale(tmp, "concbench-ref-")
		dir, err := record.MkdirOwned(tmp, "concbench-ref-")
		if err != nil {
			return fmt.Errorf("concbench reference: %w", err)
		}
		defer os.RemoveAll(dir)
		if o.Bin, err = record.BuildBench(ctx, *goCmd, o.Dir, dir, stderr); err != nil {
			return fmt.Errorf("concbench reference: %w", err)
		}
	}
	if err := record.Reference(ctx, stdout, o); err != nil {
		return fmt.Errorf("concbench %w", err)
	}
	return nil
}

func parseRecordFlags(fs *flag.FlagSet, args []string, usage string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("concbench %s: %v (usage: %s): %w", fs.Name(), err, usage, errRecordUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("concbench %s: unexpected argument %q (usage: %s): %w", fs.Name(), fs.Arg(0), usage, errRecordUsage)
	}
	return nil
}

func goCommand() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// recordExit adapts a command of the shape func(args, stdout, stderr)
// error to this main's exit-code registry: 2 for bad input, 1 otherwise.
func recordExit(run func([]string, io.Writer, io.Writer) error) func([]string) int {
	return func(args []string) int {
		err := run(args, os.Stdout, os.Stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errRecordUsage):
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
}
