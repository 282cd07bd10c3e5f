//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/concbench/concbench/internal/host"
	"github.com/concbench/concbench/internal/owned"
	"github.com/concbench/concbench/record"
)

// runRecord is `concbench record`: run the benchmarks and store the output
// as results/<host-id>/<stamp>.txt (see package record). The benchmark
// output goes to stdout as it comes, progress and the stored path to
// stderr. Ctrl-C or SIGTERM stops the run and stores nothing. Bad flags
// exit 2, a recording that fails exits 1.
func runRecord(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	setUsage(fs, "usage: concbench record [flags]\n\n"+
		"Runs the benchmarks and stores results/<host-id>/<stamp>.txt, never over a stored file.")
	o := record.Options{Stdout: stdout, Stderr: stderr}
	fs.StringVar(&o.Bench, "bench", ".", "benchmarks: families by whole name (Spawn is not SpawnParent), then sub-benchmark filters")
	fs.IntVar(&o.Count, "count", 10, "runs of each benchmark")
	fs.StringVar(&o.Benchtime, "benchtime", "1s", "time (or Nx) per benchmark run")
	fs.StringVar(&o.CPU, "cpu", "", "GOMAXPROCS list for every family (default: BusyLoop at 1,ncpu, the rest as is)")
	fs.StringVar(&o.Timeout, "timeout", "3h", "limit per family pass; a hung round trip fails the run with every stack")
	fs.BoolVar(&o.Profile, "profile", false, "the short profile of make report: each family narrowed to the rows its summary and charts need (docs/report.md)")
	fs.StringVar(&o.Times, "times", "", "pass timings kept for the progress line's estimate (default <user cache dir>/concbench/pass-times.json)")
	fs.BoolVar(&o.Reference, "reference", true, "append the kernel's reference figures when IPC or Spawn runs")
	fs.StringVar(&o.Go, "go", goCommand(), "go command that builds the bench binary (default $GO, else go)")
	fs.StringVar(&o.Pkg, "pkg", "bench", "directory of the benchmark package")
	fs.StringVar(&o.Bin, "bin", "", "a prebuilt bench binary instead of building one")
	fs.StringVar(&o.Root, "results", "results", "results root; files go to <root>/<host-id>/")
	reuse := fs.Bool("reuse", false, "if this machine has a recording, record nothing and use the newest (refused if its config lines name another machine)")
	pathOnly := fs.Bool("path-only", false, "stdout is the stored (or reused) file's path alone, not the benchmark output")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (usage: concbench record -h)", fs.Arg(0))
	case o.Count < 1:
		return fmt.Errorf("flag -count: want a positive integer, got %d", o.Count)
	}
	if *pathOnly {
		o.Stdout = nil
	}
	path := ""
	if *reuse {
		var err error
		if path, err = record.Newest(o.Root, host.This()); err != nil {
			return err // a stored file that does not load: bad input
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
			return failed(err)
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
	setUsage(fs, "usage: concbench reference [flags]\n\n"+
		"Prints the kernel's reference figures (perf bench sched pipe, /bin/true spawns) in benchfmt.")
	o := record.RefOptions{Stderr: stderr}
	fs.IntVar(&o.Count, "count", 5, "rounds")
	fs.IntVar(&o.Loops, "loops", 100000, "round trips per perf bench sched pipe run")
	fs.IntVar(&o.Spawns, "spawns", 2000, "/bin/true spawns per round")
	fs.BoolVar(&o.Ours, "ours", false, "interleave our pipe ping-pong and process no-op task, and print their ratios to perf")
	goCmd := fs.String("go", goCommand(), "go command that builds the bench binary for -ours (default $GO, else go)")
	fs.StringVar(&o.Dir, "pkg", "bench", "directory of the benchmark package, for -ours")
	fs.StringVar(&o.Bin, "bin", "", "a prebuilt bench binary for -ours instead of building one")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (usage: concbench reference -h)", fs.Arg(0))
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"-count", o.Count}, {"-loops", o.Loops}, {"-spawns", o.Spawns}} {
		if f.v < 1 {
			return fmt.Errorf("flag %s: want a positive integer, got %d", f.name, f.v)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.Ours && o.Bin == "" {
		tmp := os.TempDir()
		owned.RemoveStale(tmp, "concbench-ref-")
		dir, err := owned.MkdirTemp(tmp, "concbench-ref-")
		if err != nil {
			return failed(err)
		}
		defer os.RemoveAll(dir)
		if o.Bin, err = record.BuildBench(ctx, *goCmd, o.Dir, dir, stderr); err != nil {
			return failed(err)
		}
	}
	if err := record.Reference(ctx, stdout, o); err != nil {
		return failed(err)
	}
	return nil
}

func goCommand() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}
