package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/concbench/concbench/regress"
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	return gate("compare", args, stdout, stderr, false)
}

func runCalibrate(args []string, stdout, stderr io.Writer) error {
	return gate("calibrate", args, stdout, stderr, true)
}

// gate is compare and calibrate: the same flags and statistics; calibrate
// prints the noise table and fails only on bad input, since an A/A run has
// nothing to regress.
func gate(name string, args []string, stdout, stderr io.Writer, noise bool) error {
	var out summaryFlags
	opt, files, err := gateFlags(name, args, stdout, &out)
	if err != nil {
		return err
	}
	pair, err := regress.Load(files[:1], files[1:])
	if err != nil {
		return err
	}
	rep, err := pair.Compare(opt)
	if err != nil {
		return err
	}
	switch {
	case noise:
		err = rep.WriteNoise(stdout)
	case out.md:
		err = writeSummary(rep, out.families, stdout)
	default:
		err = rep.WriteText(stdout)
	}
	switch {
	case err != nil:
		return fmt.Errorf("write: %w", err)
	case noise:
		return nil
	case rep.Regressed:
		return failed(nil) // the outcome line on stdout says which
	case rep.Blind:
		// A gate that cannot fail must not pass quietly in CI.
		return fmt.Errorf("gate is blind: too few samples per side for %d tests (see the warning above)", rep.Tests)
	}
	return nil
}

// summaryFlags are compare's -md and -families.
type summaryFlags struct {
	md       bool
	families string
}

// writeSummary prints the pull-request summary; families is a file of
// go test -list output, or "".
func writeSummary(rep *regress.Report, families string, w io.Writer) error {
	var list []string
	if families != "" {
		b, err := os.ReadFile(families)
		if err != nil {
			return fmt.Errorf("flag -families: %w", err)
		}
		list = strings.Split(string(b), "\n")
	}
	return rep.WriteSummary(w, list)
}

// gateFlags parses and checks the gate's flags and its two files.
func gateFlags(name string, args []string, stdout io.Writer, out *summaryFlags) (regress.Options, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	def := regress.DefaultOptions()
	opt := def
	fs.Float64Var(&opt.Alpha, "alpha", def.Alpha, "family-wise significance level (Holm-corrected across all benchmark×unit tests)")
	fs.Float64Var(&opt.ThresholdCPU, "threshold-cpu", def.ThresholdCPU, "limit for time units of CPU-bound benchmarks, as a fraction (0.10 = 10% worse)")
	fs.Float64Var(&opt.ThresholdDefault, "threshold-default", def.ThresholdDefault, "limit for all other units that are not assume=exact (spawn, IPC, io, scheduler-bound)")
	fs.Float64Var(&opt.Geomean, "geomean", def.Geomean, "suite-wide limit on the geomean of head/base over time units (negative: off)")
	cpuRE := fs.String("cpu-bound", def.CPUBound.String(), "regexp of benchmark names whose time units get -threshold-cpu")
	units := fs.String("units", "", "regexp of the (tidied) units to gate, e.g. 'cpu-sec/op' (default all; others are shown, not judged)")
	skip := fs.String("skip-units", def.Skip.String(), "regexp of units never gated, only shown (empty: none)")
	fs.BoolVar(&opt.Force, "force", false, "compare results from different machines (cpu, ncpu or host-id differ)")
	if name == "compare" {
		fs.BoolVar(&out.md, "md", false, "print a Markdown summary for a pull request: the verdict and the regressed rows first, the full table folded")
		fs.StringVar(&out.families, "families", "", "with -md: a file of the head binary's go test -list '^Benchmark' output, to name the families that did not run")
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: concbench %s [flags] base.txt head.txt\n\nflags:\n", name)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return opt, nil, err
	}
	if fs.NArg() != 2 {
		return opt, nil, fmt.Errorf("want 2 files, base and head, got %d (usage: concbench %s [flags] base.txt head.txt)", fs.NArg(), name)
	}
	if !(opt.Alpha > 0 && opt.Alpha < 1) {
		return opt, nil, fmt.Errorf("flag -alpha: %g out of range (0, 1)", opt.Alpha)
	}
	if !(opt.ThresholdCPU >= 0) {
		return opt, nil, fmt.Errorf("flag -threshold-cpu: %g out of range", opt.ThresholdCPU)
	}
	if !(opt.ThresholdDefault >= 0) {
		return opt, nil, fmt.Errorf("flag -threshold-default: %g out of range", opt.ThresholdDefault)
	}
	var err error
	if opt.CPUBound, err = regexp.Compile(*cpuRE); err != nil {
		return opt, nil, fmt.Errorf("flag -cpu-bound: %v", err)
	}
	if opt.Units, err = regexpFlag("-units", *units); err != nil {
		return opt, nil, err
	}
	if opt.Skip, err = regexpFlag("-skip-units", *skip); err != nil {
		return opt, nil, err
	}
	return opt, fs.Args(), nil
}

// regexpFlag compiles a regexp flag; "" is nil (no regexp).
func regexpFlag(name, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("flag %s: %v", name, err)
	}
	return re, nil
}
