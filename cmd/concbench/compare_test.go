package main

import (
	"io"
	"os"
	"strings"
	"testing"
)

// capture runs f with os.Stdout and os.Stderr sent to files and returns
// what it wrote to each.
func capture(t *testing.T, f func() int) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	out, err := os.Create(dir + "/out")
	if err != nil {
		t.Fatal(err)
	}
	errf, err := os.Create(dir + "/err")
	if err != nil {
		t.Fatal(err)
	}
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = out, errf
	code = f()
	os.Stdout, os.Stderr = oldOut, oldErr
	read := func(f *os.File) string {
		f.Seek(0, io.SeekStart)
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		return string(b)
	}
	return code, read(out), read(errf)
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
		run := runCompare
		if c.calibrate {
			run = runCalibrate
		}
		code, out, errs := capture(t, func() int { return run(c.args) })
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
