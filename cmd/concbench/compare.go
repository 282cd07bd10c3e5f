package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/concbench/concbench/regress"
)

func init() {
	register("compare", "regression gate: compare base and head result files (exit 1 on a regression)", runCompare)
	register("calibrate", "noise floor of an A/A run: compare a binary's results with its own", runCalibrate)
}

func runCompare(args []string) int { return gate("compare", args, false) }

func runCalibrate(args []string) int { return gate("calibrate", args, true) }

// gate is compare and calibrate: the same flags and statistics; calibrate
// prints the noise table and fails only on bad input, since an A/A run has
// nothing to regress.
func gate(name string, args []string, noise bool) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	def := regress.DefaultOptions()
	alpha := fs.Float64("alpha", def.Alpha, "family-wise significance level (Holm-corrected across all benchmark×unit tests)")
	tcpu := fs.Float64("threshold-cpu", def.ThresholdCPU, "limit for time units of CPU-bound benchmarks, as a fraction (0.10 = 10% worse)")
	tdef := fs.Float64("threshold-default", def.ThresholdDefault, "limit for all other units that are not assume=exact (spawn, IPC, io, scheduler-bound)")
	geo := fs.Float64("geomean", def.Geomean, "suite-wide limit on the geomean of head/base over time units (negative: off)")
	cpuRE := fs.String("cpu-bound", def.CPUBound.String(), "regexp of benchmark names whose time units get -threshold-cpu")
	units := fs.String("units", "", "regexp of the (tidied) units to gate, e.g. 'cpu-sec/op' (default all; others are shown, not judged)")
	skip := fs.String("skip-units", def.Skip.String(), "regexp of units never gated, only shown (empty: none)")
	force := fs.Bool("force", false, "compare results from different machines (cpu, ncpu or host-id differ)")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "concbench %s: %v (usage: concbench %s [flags] base.txt head.txt)\n", name, err, name)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fs.PrintDefaults()
		}
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(os.Stderr, "concbench %s: want 2 files, base and head, got %d (usage: concbench %s [flags] base.txt head.txt)\n", name, fs.NArg(), name)
		return 2
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"-alpha", *alpha}, {"-threshold-cpu", *tcpu}, {"-threshold-default", *tdef}} {
		if f.v < 0 || (f.name == "-alpha" && (f.v <= 0 || f.v >= 1)) {
			fmt.Fprintf(os.Stderr, "concbench %s: flag %s: %g out of range\n", name, f.name, f.v)
			return 2
		}
	}
	re, err := regexp.Compile(*cpuRE)
	if err != nil {
		fmt.Fprintf(os.Stderr, "concbench %s: flag -cpu-bound: %v\n", name, err)
		return 2
	}
	var unitRE *regexp.Regexp
	if *units != "" {
		if unitRE, err = regexp.Compile(*units); err != nil {
			fmt.Fprintf(os.Stderr, "concbench %s: flag -units: %v\n", name, err)
			return 2
		}
	}
	var skipRE *regexp.Regexp
	if *skip != "" {
		if skipRE, err = regexp.Compile(*skip); err != nil {
			fmt.Fprintf(os.Stderr, "concbench %s: flag -skip-units: %v\n", name, err)
			return 2
		}
	}
	opt := regress.Options{Units: unitRE, Skip: skipRE, Alpha: *alpha, ThresholdCPU: *tcpu, ThresholdDefault: *tdef, Geomean: *geo,
		CPUBound: re, Force: *force, Confidence: def.Confidence}
	pair, err := regress.Load([]string{fs.Arg(0)}, []string{fs.Arg(1)})
	if err != nil {
		fmt.Fprintf(os.Stderr, "concbench %s: %v\n", name, err)
		return 2
	}
	rep, err := pair.Compare(opt)
	if err != nil {
		fmt.Fprintf(os.Stderr, "concbench %s: %v\n", name, err)
		return 2
	}
	if noise {
		err = rep.WriteNoise(os.Stdout)
	} else {
		err = rep.WriteText(os.Stdout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "concbench %s: write: %v\n", name, err)
		return 2
	}
	if rep.Regressed && !noise {
		return 1
	}
	if rep.Blind && !noise {
		// A gate that cannot fail must not pass quietly in CI.
		fmt.Fprintf(os.Stderr, "concbench %s: gate is blind: too few samples per side for %d tests (see the warning above)\n", name, rep.Tests)
		return 2
	}
	return 0
}
