package results

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const header = "goos: linux\nhost-id: 0123456789ab\n" +
	"Unit p99-ns better=lower\nUnit iters/s better=higher\nUnit cpu-ns/op better=lower\n" +
	"Unit ctxsw/op better=lower\nUnit lost-updates better=lower assume=exact\n"

// write puts content in a new file named name and returns its path.
func write(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll opens inputs and scans them to the end, returning how many
// results passed and the reader's error.
func readAll(paths ...string) (int, error) {
	var in []Input
	for _, p := range paths {
		in = append(in, Input{p, p})
	}
	r, err := Open(in)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for r.Scan() {
		n++
	}
	return n, r.Err()
}

// oneLine matches an error that names a file and a line and is one line.
var oneLine = regexp.MustCompile(`^[^\n]+:[1-9][0-9]*: [^\n]+$`)

// TestRejects: every value, Unit line and config that cannot be trusted is
// an *Error at its file and line, and one line long.
func TestRejects(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	for _, c := range []struct {
		name, content string
		line          int
		want          string
	}{
		{"NaN", header + "BenchmarkA-2 10 NaN ns/op\n", 8, "value NaN ns/op is not a measurement: not a number"},
		{"+Inf", header + "BenchmarkA-2 10 5 ns/op\nBenchmarkA-2 10 +Inf ns/op\n", 9, "value +Inf ns/op is not a measurement: infinite"},
		{"-Inf", header + "BenchmarkA-2 10 -Inf ns/op\n", 8, "infinite"},
		{"Inf in a custom unit", header + "BenchmarkA-2 10 5 ns/op 1 ctxsw/op\nBenchmarkA-2 10 5 ns/op Inf ctxsw/op\n", 9, "value +Inf ctxsw/op"},
		{"negative time", header + "BenchmarkA-2 10 -3 ns/op\n", 8, "value -3 ns/op is not a measurement: negative"},
		{"negative count", header + "BenchmarkA-2 10 3 ns/op -1 lost-updates\n", 8, "value -1 lost-updates"},
		{"zero time", header + "BenchmarkA-2 10 0 ns/op\n", 8, "value 0 ns/op is not a measurement: a time cannot be zero"},
		{"zero p99", header + "BenchmarkA-2 10 5 ns/op 0 p99-ns\n", 8, "value 0 p99-ns is not a measurement: a time cannot be zero"},
		{"zero B/s", header + "Unit B/s better=higher\nBenchmarkA-2 10 5 ns/op 0 B/s\n", 9, "value 0 B/s is not a measurement: a rate cannot be zero"},
		{"zero custom rate", header + "BenchmarkA-2 10 5 ns/op 0 iters/s\n", 8, "a rate cannot be zero"},
		{"zero iterations", header + "BenchmarkA-2 0 5 ns/op\n", 8, "iteration count 0: want at least 1"},
		{"better typo", "Unit ctxsw/op better=lowr\nBenchmarkA-2 10 5 ns/op 1 ctxsw/op\n", 1, "Unit ctxsw/op better=lowr: want better=higher or better=lower"},
		{"assume typo", "Unit ctxsw/op assume=exakt\nBenchmarkA-2 10 5 ns/op 1 ctxsw/op\n", 1, "assume=nothing or assume=exact"},
		{"unknown attribute", "Unit ctxsw/op better=lower colour=red\nBenchmarkA-2 10 5 ns/op 1 ctxsw/op\n", 1, `Unit ctxsw/op: unknown attribute "colour"`},
		{"time better higher", "Unit p99-ns better=higher\nBenchmarkA-2 10 5 ns/op 1 p99-ns\n", 1, "Unit p99-ns better=higher: want better=lower for a time"},
		{"builtin time better higher", "Unit ns/op better=higher\nBenchmarkA-2 10 5 ns/op\n", 1, "want better=lower for a time"},
		{"rate better lower", "Unit MB/s better=lower\nBenchmarkA-2 10 5 ns/op 3 MB/s\n", 1, "want better=higher for a rate"},
		{"conflicting Unit lines", "Unit x/op better=lower\nUnit x/op better=higher\nBenchmarkA-2 10 5 x/op\n", 2, "already set"},
		{"undeclared unit", header + "BenchmarkA-2 10 5 ns/op\nBenchmarkA-2 10 5 ns/op 3 widgets/op\n", 9, `unit "widgets/op" is not declared`},
		{"config changes", header + "BenchmarkA-2 10 5 ns/op\nhost-id: ba9876543210\nBenchmarkA-2 10 5 ns/op\n", 10, `config "host-id" is "ba9876543210" here but was "0123456789ab" at line 8`},
		{"config changes after a deletion", header + "BenchmarkA-2 10 5 ns/op\nhost-id:\nBenchmarkA-2 10 5 ns/op\nhost-id: x\nBenchmarkA-2 10 5 ns/op\n", 12, `config "host-id" is "x"`},
		{"syntax", header + "BenchmarkA-2 ten 5 ns/op\n", 8, "parsing iteration count"},
		{"long line", header + "BenchmarkA-2 10 5 ns/op\n" + long + "\nBenchmarkA-2 10 5 ns/op\n", 9, "line longer than 64 KiB"},
		{"one long line", long, 1, "line longer than 64 KiB"},
		{"long line without newline", "BenchmarkA-2 10 5 ns/op\n\n" + long, 3, "line longer than 64 KiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := write(t, t.TempDir(), "in.txt", c.content)
			_, err := readAll(path)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			if e.File != path || e.Line != c.line || !strings.Contains(e.Err.Error(), c.want) {
				t.Errorf("got %q, want %s:%d: ...%s...", err, path, c.line, c.want)
			}
			if !oneLine.MatchString(err.Error()) {
				t.Errorf("error %q is not one line naming file:line", err)
			}
		})
	}
}

// TestAccepts: what a real run can print loads: zero counts and shares,
// zero CPU time (the kernel's per-thread CPU clock advances in steps, so a
// short run of an op that mostly waits shows 0), a changing pkg or commit, huge
// values, repeated identical Unit and config lines.
func TestAccepts(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "good.txt", header+"Unit server-cpu-ns/req better=lower\n"+
		"BenchmarkA-2 10 5 ns/op 0 B/op 0 allocs/op 0 ctxsw/op 0 lost-updates 0 cpu-ns/op 0 server-cpu-ns/req\n"+
		"pkg: other\ncommit: 1234\nhost-id: 0123456789ab\nUnit ctxsw/op better=lower\n"+
		"BenchmarkA-2 10 1e300 ns/op 1e300 MB/s 1e-300 p99-ns\n")
	n, err := readAll(good)
	if err != nil || n != 2 {
		t.Fatalf("got %d results, %v; want 2, nil", n, err)
	}
}

// TestSecondFile: a Unit line in one file declares the unit for all, and an
// error names the file it is in, not the first.
// TestMBsBelowPrint: go test prints MB/s with two decimals, so a row
// that moves 8 B per 20 ms op prints "0.00 MB/s". The suite's own output
// must load: the loader drops that value (a rate below the print's
// resolution, not a zero) and keeps the row and its other values.
func TestMBsBelowPrint(t *testing.T) {
	path := write(t, t.TempDir(), "in.txt", header+
		"BenchmarkIPC/size=8B-2 \t       1\t  20000000 ns/op\t   0.00 MB/s\t 5 cpu-ns/op\n")
	r, err := Open([]Input{{path, path}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var units []string
	for r.Scan() {
		for _, v := range r.Result().Values {
			units = append(units, v.Unit)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatalf("the suite's own 0.00 MB/s does not load: %v", err)
	}
	if want := []string{"sec/op", "cpu-sec/op"}; strings.Join(units, " ") != strings.Join(want, " ") {
		t.Errorf("units %q, want %q (MB/s dropped, the rest kept)", units, want)
	}
}

func TestSecondFile(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.txt", "BenchmarkA-2 10 5 ns/op 3 x/op\n")
	b := write(t, dir, "b.txt", "Unit x/op better=lower\nBenchmarkA-2 10 5 ns/op 3 x/op\n")
	if n, err := readAll(a, b); err != nil || n != 2 {
		t.Fatalf("got %d, %v", n, err)
	}
	bad := write(t, dir, "bad.txt", "Unit x/op better=lower\nBenchmarkA-2 10 NaN ns/op\n")
	if _, err := readAll(a, bad); err == nil || !strings.HasPrefix(err.Error(), bad+":2: ") {
		t.Fatalf("got %v, want an error at %s:2", err, bad)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	empty := write(t, dir, "empty.txt", "goos: linux\nPASS\n")
	for _, c := range []struct {
		path, want string
	}{
		{empty, "no benchmark results"},
		{filepath.Join(dir, "nope.txt"), "no such file"},
		{dir, "is a directory"},
	} {
		_, err := readAll(c.path)
		var e *Error
		if !errors.As(err, &e) || e.Line != 0 || !strings.HasPrefix(err.Error(), c.path+": "+c.want) {
			t.Errorf("%s: got %v, want %q", c.path, err, c.want)
		}
	}
	if _, err := Open(nil); err == nil {
		t.Error("Open(nil): no error")
	}
}

func TestParseArgs(t *testing.T) {
	got := ParseArgs([]string{"a.txt", "x=b.txt", "a.txt", "c.txt"})
	want := []Input{{"a.txt#0", "a.txt"}, {"x", "b.txt"}, {"a.txt#1", "a.txt"}, {"c.txt", "c.txt"}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ParseArgs: got %v, want %v", got, want)
			break
		}
	}
}

func TestBetter(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "u.txt", "Unit rt/sample assume=exact\nUnit busy-cores better=higher\nBenchmarkA-2 1 5 ns/op 1 rt/sample 1 busy-cores\n")
	var in []Input
	r, err := Open(append(in, Input{p, p}))
	if err != nil {
		t.Fatal(err)
	}
	for r.Scan() {
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	for unit, want := range map[string]int{"sec/op": -1, "B/s": 1, "B/op": -1, "busy-cores": 1, "rt/sample": 0, "cpu-sec/op": -1, "tasks/s": 1} {
		if got := Better(r.Units(), unit); got != want {
			t.Errorf("Better(%q) = %d, want %d", unit, got, want)
		}
	}
}

// TestZeroIsTidied: benchfmt leaves "0 cpu-ns/op" in cpu-ns/op (tidying
// does not change 0) while "5 cpu-ns/op" becomes cpu-sec/op; the reader
// tidies the first too, so one unit stays one unit (and is declared).
func TestZeroIsTidied(t *testing.T) {
	p := write(t, t.TempDir(), "z.txt", header+"BenchmarkA-2 10 5 ns/op 0 cpu-ns/op\nBenchmarkA-2 10 5 ns/op 7 cpu-ns/op\n")
	r, err := Open([]Input{{p, p}})
	if err != nil {
		t.Fatal(err)
	}
	var units []string
	for r.Scan() {
		for _, v := range r.Result().Values {
			units = append(units, v.Unit)
		}
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if got := strings.Join(units, " "); got != "sec/op cpu-sec/op sec/op cpu-sec/op" {
		t.Errorf("units %q, want every cpu-ns/op tidied to cpu-sec/op", got)
	}
}

func TestFewOps(t *testing.T) {
	for _, c := range []struct {
		family string
		iters  int
		want   bool
	}{
		{"BenchmarkIPC", 1, true},
		{"IPC", 4, true},
		{"IPC", 5, false},
		{"BenchmarkBusyLoop", 1, false},
		{"DistributedFault", 1, false},
		{"WebReference", 2, false},
	} {
		if got := FewOps(c.family, c.iters); got != c.want {
			t.Errorf("FewOps(%q, %d) = %v, want %v", c.family, c.iters, got, c.want)
		}
	}
}
