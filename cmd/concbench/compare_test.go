package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs concbench with args and returns its exit status and what it
// wrote to stdout and stderr.
func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errs bytes.Buffer
	code = run(args, &out, &errs)
	return code, out.String(), errs.String()
}

// TestCompareExit checks the exit codes and the one-line errors of
// concbench compare and calibrate on regress/testdata.
func TestCompareExit(t *testing.T) {
	const td = "../../regress/testdata/"
	for _, c := range []struct {
		args      []string
		calibrate bool
		code      int
		out, err  string // substrings of stdout, of stderr
	}{
		{[]string{td + "base.txt", td + "head.txt"}, false, 1, "outcome: REGRESSION in 2 benchmark×unit", ""},
		{[]string{td + "base.txt", td + "aa.txt"}, false, 0, "outcome: no regression", ""},
		{[]string{"-threshold-cpu", "0.5", td + "base.txt", td + "head.txt"}, false, 0, "outcome: no regression", ""},
		{[]string{"-units", "^cpu-sec/op$", td + "base.txt", td + "head.txt"}, false, 1, "(cpu-sec/op +29.2%)", ""},
		{[]string{"-units", "^ctxsw/op$", td + "base.txt", td + "head.txt"}, false, 0, "not-gated", ""},
		{[]string{"-units", "(", td + "base.txt", td + "head.txt"}, false, 2, "", "flag -units"},
		{[]string{td + "base.txt", td + "other-host.txt"}, false, 2, "", `host-id is "0123456789ab" at ../../regress/testdata/base.txt:14 but "ba9876543210" at ../../regress/testdata/other-host.txt:14 (use -force`},
		{[]string{"-force", td + "base.txt", td + "other-host.txt"}, false, 1, "REGRESSION", ""},
		{[]string{td + "base.txt", td + "bad.txt"}, false, 2, "", "bad.txt:5: parsing iteration count"},
		{[]string{td + "base.txt", td + "missing.txt"}, false, 2, "", "missing.txt: no such file"},
		{[]string{td + "base.txt"}, false, 2, "", "want 2 files"},
		{[]string{"-alpha", "2", td + "base.txt", td + "head.txt"}, false, 2, "", "flag -alpha"},
		{[]string{"-cpu-bound", "(", td + "base.txt", td + "head.txt"}, false, 2, "", "flag -cpu-bound"},
		{[]string{td + "base.txt", td + "head.txt"}, true, 0, "false alarms: 2 benchmark×unit", ""},
		{[]string{td + "bad.txt", td + "bad.txt"}, false, 2, "", "bad.txt:5"},
		{[]string{td + "few.txt", td + "few.txt"}, false, 2, "gate is blind", "gate is blind"},
		{[]string{td + "few.txt", td + "few.txt"}, true, 0, "gate is blind", ""},
	} {
		name := "compare"
		if c.calibrate {
			name = "calibrate"
		}
		code, out, errs := runCmd(append([]string{name}, c.args...)...)
		if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errs, c.err) {
			t.Errorf("calibrate=%v %q: exit %d, want %d; stdout %q want %q; stderr %q want %q", c.calibrate, c.args, code, c.code, tail(out), c.out, errs, c.err)
		}
		if c.code == 2 && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%q: error is not one line: %q", c.args, errs)
		}
	}
}

func tail(s string) string {
	if i := strings.LastIndex(strings.TrimSpace(s), "\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// TestBadValuesExit2: a value that cannot be a measurement, or a Unit line
// the gate would misread, is exit 2 with one line naming file:line, for
// compare and for a one- and two-file report, before any statistics (a
// NaN used to send the Mann-Whitney test into a loop that grew memory
// until the kernel killed it).
func TestBadValuesExit2(t *testing.T) {
	dir := t.TempDir()
	const head = "host-id: 0123456789ab\nUnit ctxsw/op better=lower\n"
	var good strings.Builder
	good.WriteString(head)
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&good, "BenchmarkA-2 100 %d ns/op 2 ctxsw/op\n", 100+i)
	}
	base := filepath.Join(dir, "base.txt")
	if err := os.WriteFile(base, []byte(good.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	const first = "BenchmarkA-2 100 100 ns/op 2 ctxsw/op"
	for _, c := range []struct{ name, old, new, want string }{
		{"nan", first, "BenchmarkA-2 100 NaN ns/op 2 ctxsw/op", ":3: value NaN ns/op is not a measurement"},
		{"inf", first, "BenchmarkA-2 100 +Inf ns/op 2 ctxsw/op", ":3: value +Inf ns/op"},
		{"zero", first, "BenchmarkA-2 100 0 ns/op 2 ctxsw/op", ":3: value 0 ns/op"},
		{"negative", first, "BenchmarkA-2 100 -101 ns/op 2 ctxsw/op", ":3: value -101 ns/op"},
		// After base, the typo is also a conflict with base's Unit line.
		{"typo", "better=lower", "better=lowr", ":2: "},
	} {
		bad := filepath.Join(dir, c.name+".txt")
		content := strings.Replace(good.String(), c.old, c.new, 1)
		if err := os.WriteFile(bad, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"compare", base, bad}, {"calibrate", bad, base}, {"report", base, bad}, {"report", bad}} {
			code, out, errs := runCmd(args...)
			if code != 2 || !strings.HasPrefix(errs, "concbench "+args[0]+": "+bad+c.want) || strings.Count(errs, "\n") != 1 || out != "" {
				t.Errorf("%s %v: exit %d, stderr %q, stdout %q; want 2, one line %q, nothing", c.name, args[1:], code, errs, tail(out), bad+c.want)
			}
		}
	}
}

// TestHelpAndUsage: every command follows one convention. -h, -help,
// --help and help CMD print its usage to stdout and exit 0; a bad flag is
// one line on stderr naming it and pointing at -h, exit 2.
func TestHelpAndUsage(t *testing.T) {
	for name := range commands {
		want := "usage: concbench " + name
		for _, args := range [][]string{{name, "-h"}, {name, "-help"}, {name, "--help"}, {"help", name}} {
			code, out, errs := runCmd(args...)
			if code != 0 || !strings.HasPrefix(out, want) || !strings.Contains(out, "\n  -") || errs != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0 and the usage with its flags on stdout", args, code, tail(out), errs)
			}
		}
		args := []string{name, "-nosuchflag"}
		if name == "dist" {
			args = []string{name, "master", "-nosuchflag"}
		}
		code, out, errs := runCmd(args...)
		wantErr := "concbench " + name + ": flag provided but not defined: -nosuchflag (usage: concbench " + strings.Join(args[:len(args)-1], " ") + " -h)\n"
		if code != 2 || errs != wantErr || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", args, code, tail(out), errs, wantErr)
		}
	}
	for _, c := range []struct {
		args      []string
		code      int
		out, errs string // prefixes
	}{
		{[]string{"-h"}, 0, "usage: concbench <command>", ""},
		{[]string{"-help"}, 0, "usage: concbench <command>", ""},
		{[]string{"--help"}, 0, "usage: concbench <command>", ""},
		{[]string{"help"}, 0, "usage: concbench <command>", ""},
		{nil, 2, "", "usage: concbench <command>"},
		{[]string{"frobnicate"}, 2, "", `concbench: unknown command "frobnicate" (run concbench help)` + "\n"},
		{[]string{"help", "frobnicate"}, 2, "", `concbench: unknown command "frobnicate" (run concbench help)` + "\n"},
		{[]string{"dist"}, 2, "", "concbench dist: want dist master or dist worker (usage: concbench dist -h)\n"},
		{[]string{"record", "extra"}, 2, "", `concbench record: unexpected argument "extra" (usage: concbench record -h)` + "\n"},
		{[]string{"reference", "-count", "0"}, 2, "", "concbench reference: flag -count: want a positive integer, got 0\n"},
	} {
		code, out, errs := runCmd(c.args...)
		if code != c.code || !strings.HasPrefix(out, c.out) || c.out == "" && out != "" ||
			!strings.HasPrefix(errs, c.errs) || c.errs == "" && errs != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q, %q", c.args, code, tail(out), errs, c.code, c.out, c.errs)
		}
	}
}
