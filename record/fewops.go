package record

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/concbench/concbench/report/results"
)

// MinOps is results.MinOps, the fewest ops a recorded row may rest on. A
// pass sized by time (-benchtime 10ms) runs an op that is slow on this
// machine once or twice: its ns/op is then one op, start-up effects and
// all, and its B/s may print as 0.00. The recorder runs such a row again
// at a fixed MinOps ops (-benchtime 10x) and stores that run instead, so
// that a profile sized on one machine still means something on a slower
// one. A family whose op is a whole experiment (results.FewOps) is kept.
const MinOps = results.MinOps

// fewOps returns the leaves (names without their -N GOMAXPROCS suffix) of
// benchmark output whose result lines ran fewer than MinOps ops, in the
// order they first appear.
func fewOps(out []byte) []string {
	var leaves []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, iters, ok := resultLine(sc.Text())
		family, _, _ := strings.Cut(name, "/")
		if ok && results.FewOps(family, iters) && !slices.Contains(leaves, name) {
			leaves = append(leaves, name)
		}
	}
	return leaves
}

// resultLine splits a benchmark result line into its leaf name (without
// the -N suffix) and its iteration count.
func resultLine(line string) (name string, iters int, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", 0, false
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		return "", 0, false
	}
	return stripProcs(f[0]), n, true
}

var procsSuffix = regexp.MustCompile(`-[0-9]+$`)

func stripProcs(name string) string { return procsSuffix.ReplaceAllString(name, "") }

// leavesPattern is one -test.bench pattern that matches every leaf of
// leaves (all of one family): each level an anchored alternation of the
// values the leaves have there. go test splits a pattern at its slashes,
// so it may match more (the product of the levels' values); the caller
// keeps only the leaves asked for.
func leavesPattern(leaves []string) string {
	var levels [][]string
	for _, leaf := range leaves {
		for i, l := range strings.Split(leaf, "/") {
			if i == len(levels) {
				levels = append(levels, nil)
			}
			if q := regexp.QuoteMeta(l); !slices.Contains(levels[i], q) {
				levels[i] = append(levels[i], q)
			}
		}
	}
	parts := make([]string, len(levels))
	for i, vals := range levels {
		parts[i] = "^(" + strings.Join(vals, "|") + ")$"
	}
	return strings.Join(parts, "/")
}

// onlyLeaves keeps the lines of out that are not result lines, and the
// result lines of leaves.
func onlyLeaves(out []byte, leaves []string) []byte {
	var kept bytes.Buffer
	for line := range strings.Lines(string(out)) {
		if name, _, ok := resultLine(line); ok && !slices.Contains(leaves, name) {
			continue
		}
		kept.WriteString(line)
	}
	return kept.Bytes()
}

// withoutLeaves drops the result lines of leaves from out.
func withoutLeaves(out []byte, leaves []string) []byte {
	var kept bytes.Buffer
	for line := range strings.Lines(string(out)) {
		if name, _, ok := resultLine(line); ok && slices.Contains(leaves, name) {
			continue
		}
		kept.WriteString(line)
	}
	return kept.Bytes()
}

// rerunFewOps runs the pass's leaves that ran fewer than MinOps ops again
// at -benchtime MinOps x, all in one run of the bench binary, and writes
// the pass's output to out with those leaves' lines replaced by the new
// run's. A pass sized by a fixed op count (-benchtime 40x: an op is a
// whole run) is written as it is.
func (o Options) rerunFewOps(ctx context.Context, bin string, p pass, env []string, got []byte, out io.Writer, samples string) error {
	leaves := fewOps(got)
	if len(leaves) == 0 || strings.HasSuffix(argValue(p.args, "-test.benchtime"), "x") {
		_, err := out.Write(got)
		return err
	}
	if _, err := out.Write(withoutLeaves(got, leaves)); err != nil {
		return err
	}
	fixed := strconv.Itoa(MinOps) + "x"
	fmt.Fprintf(o.Stderr, "concbench: %d rows ran fewer than %d ops at -benchtime %s; again at %s: %s\n",
		len(leaves), MinOps, argValue(p.args, "-test.benchtime"), fixed, strings.Join(leaves, " "))
	again := p
	again.args = setArg(setArg(slices.Clone(p.args), "-test.bench", leavesPattern(leaves)), "-test.benchtime", fixed)
	var got2 bytes.Buffer
	if err := o.runPass(ctx, bin, again, env, io.MultiWriter(&got2, o.Stdout), samples); err != nil {
		return err
	}
	_, err := out.Write(onlyLeaves(got2.Bytes(), leaves))
	return err
}

func argValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

func setArg(args []string, flag, value string) []string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		args[i+1] = value
		return args
	}
	return append(args, flag, value)
}
