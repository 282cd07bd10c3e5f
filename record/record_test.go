package record_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/host"
	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/record"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

// fakeBench is a stand-in for the bench binary: it lists five families,
// and a run prints a begin line (FAKE_N ops, default 100; 10 at
// -benchtime 5x), saves one "sample" file, sleeps
// FAKE_SLEEP, echoes its arguments and prints an end line. Each line
// carries the fake's pid, so a file mixed from two runs shows. FAKE_FAIL
// makes it fail after the begin line, FAKE_HANG makes it hang there.
func fakeBench(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bench.test")
	// The trap: bash that gets SIGINT while it waits for a command that
	// did not (mkdir, say) goes on with the script; a Go binary stops.
	src := `#!/bin/bash
trap 'exit 130' INT
case " $* " in *" -test.list "*) printf 'BenchmarkBusyLoop\nBenchmarkIPC\nBenchmarkSpawn\nBenchmarkSpawnParent\nBenchmarkFake\n'; exit 0 ;; esac
n=${FAKE_N:-100}; case " $* " in *" -test.benchtime 5x "*) n=5 ;; esac
echo "BenchmarkFake/at=begin $n $$ ns/op"
if [ -n "$CONCBENCH_SAMPLES_DIR" ]; then mkdir -p "$CONCBENCH_SAMPLES_DIR" && echo $$ > "$CONCBENCH_SAMPLES_DIR/fake-$$.csv"; fi
[ -n "$FAKE_HANG" ] && exec sleep 60
sleep "${FAKE_SLEEP:-0}"
echo "args: $* busy=$CONCBENCH_BUSY_SECONDS"
[ -n "$FAKE_FAIL" ] && exit 1
echo "BenchmarkFake/at=end $n $$ ns/op"
`
	if err := os.WriteFile(bin, []byte(src), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func options(t *testing.T, bin, bench string) record.Options {
	return record.Options{Root: t.TempDir(), Bin: bin, Pkg: t.TempDir(), Bench: bench, Count: 1, Stamp: "20260101T000000Z",
		Times: filepath.Join(t.TempDir(), "pass-times.json")} // not the user's
}

// entries lists what is in the host folder of root (leftovers included).
func entries(t *testing.T, root string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(root, host.ID()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// Two recordings at once, with the same stamp: both are stored whole, each
// under its own name with its own samples, and nothing else is left.
// (scripts/bench.sh picked the name before the file existed, lost one run
// to mv -n and let one run's cleanup delete the other's samples.)
func TestTwoRecordingsAtOnce(t *testing.T) {
	bin := fakeBench(t)
	t.Setenv("FAKE_SLEEP", "0.3")
	o := options(t, bin, "Fake")
	var wg sync.WaitGroup
	paths, errs := make([]string, 2), make([]error, 2)
	for i := range paths {
		wg.Go(func() { paths[i], errs[i] = record.Run(context.Background(), o) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("recording %d: %v", i, err)
		}
	}
	slices.Sort(paths)
	dir := filepath.Join(o.Root, host.ID())
	want := []string{filepath.Join(dir, "20260101T000000Z-1.txt"), filepath.Join(dir, "20260101T000000Z.txt")}
	if !slices.Equal(paths, want) {
		t.Errorf("stored %q, want %q", paths, want)
	}
	pids := map[string]bool{}
	for _, p := range paths {
		pid := wholeRun(t, p)
		pids[pid] = true
		samples, _ := filepath.Glob(strings.TrimSuffix(p, ".txt") + ".samples/*")
		if len(samples) != 1 || filepath.Base(samples[0]) != "fake-"+pid+".csv" {
			t.Errorf("%s: samples %q, want its own run's fake-%s.csv alone", p, samples, pid)
		}
	}
	if len(pids) != 2 {
		t.Errorf("both files hold the same run")
	}
	if got := entries(t, o.Root); len(got) != 4 {
		t.Errorf("host folder holds %q, want two files and two samples folders", got)
	}
}

// wholeRun checks that path holds one run, begin to end, and returns its pid.
func wholeRun(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// The recorder's own config lines first (count, benchtime, profile).
	for len(lines) > 0 && !strings.HasPrefix(lines[0], "Benchmark") && strings.Contains(lines[0], ": ") {
		lines = lines[1:]
	}
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "BenchmarkFake/at=begin") || !strings.HasPrefix(lines[2], "BenchmarkFake/at=end") {
		t.Fatalf("%s is not one whole run:\n%s", path, b)
	}
	pid := strings.Fields(lines[0])[2]
	if strings.Fields(lines[2])[2] != pid {
		t.Errorf("%s mixes two runs:\n%s", path, b)
	}
	return pid
}

// A stored file is never replaced, and a name is taken only with its
// samples name free too; stored files are 0644 whatever the umask (they
// were 0600, mktemp's mode, which others and CI's upload cannot read).
func TestStoreNeverOverwritesAndIsReadable(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	for name, body := range map[string]string{"S.txt": "old run\n", "S-1.samples/x.csv": "stray\n"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	txt := filepath.Join(work, "run.txt")
	if err := os.WriteFile(txt, []byte("new run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0o077)
	path, err := record.Store(dir, "S", txt, filepath.Join(work, "samples"))
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "S-2.txt"); path != want {
		t.Errorf("stored at %s, want %s (S.txt is taken, S-1.samples is a stray)", path, want)
	}
	for name, want := range map[string]string{"S.txt": "old run\n", "S-1.samples/x.csv": "stray\n", "S-2.txt": "new run\n"} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != want {
			t.Errorf("%s holds %q, want %q", name, b, want)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("stored file mode %v (%v), want 0644", fi.Mode().Perm(), err)
	}
}

// A failed pass and an interrupt store nothing and leave nothing; the
// interrupted bench binary is gone.
func TestNothingPartial(t *testing.T) {
	bin := fakeBench(t)
	t.Run("failed", func(t *testing.T) {
		t.Setenv("FAKE_FAIL", "1")
		o := options(t, bin, "Fake")
		if path, err := record.Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "nothing stored") {
			t.Errorf("a failing pass: stored %q, error %v; want an error that says nothing was stored", path, err)
		}
		if got := entries(t, o.Root); len(got) != 0 {
			t.Errorf("left %q", got)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		t.Setenv("FAKE_HANG", "1")
		o := options(t, bin, "Fake")
		ctx, cancel := context.WithCancel(context.Background())
		o.Stdout = writerFunc(func(p []byte) { cancel() }) // Ctrl-C as the first line comes
		start := time.Now()
		path, err := record.Run(ctx, o)
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Errorf("interrupted: stored %q, error %v; want context.Canceled", path, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the interrupt took %v to end the run", d)
		}
		if got := entries(t, o.Root); len(got) != 0 {
			t.Errorf("left %q", got)
		}
	})
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// Each family runs as its own pass, anchored (Spawn is not SpawnParent),
// with the sub-benchmark filter kept, BusyLoop's too (its second pass
// dropped it: 20 results where 2 were asked).
func TestPassesAnchored(t *testing.T) {
	bin := fakeBench(t)
	ncpu := strconv.Itoa(host.This().NCPU)
	for _, c := range []struct {
		bench string
		want  []string // -test.bench of each pass, in order
		cpu   []string // -test.cpu of each pass ("" none)
	}{
		{"Spawn", []string{"^BenchmarkSpawn$"}, []string{""}},
		{"BusyLoop/model=thread/workers=2$", []string{"^BenchmarkBusyLoop$/model=thread/workers=2$"}, []string{"1," + ncpu}},
		{"BusyLoop|Fake", []string{"^BenchmarkBusyLoop$", "^BenchmarkFake$"}, []string{"1," + ncpu, ""}},
		{"Spaw", []string{"^BenchmarkSpawn$", "^BenchmarkSpawnParent$"}, []string{"", ""}},
		{".", []string{"^BenchmarkBusyLoop$", "^BenchmarkIPC$", "^BenchmarkSpawn$", "^BenchmarkSpawnParent$", "^BenchmarkFake$"},
			[]string{"1," + ncpu, "", "", "", ""}},
	} {
		t.Run(c.bench, func(t *testing.T) {
			o := options(t, bin, c.bench)
			path, err := record.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			var got, cpus []string
			for _, l := range strings.Split(string(b), "\n") {
				if args, ok := strings.CutPrefix(l, "args: "); ok {
					got = append(got, flagValue(args, "-test.bench"))
					cpus = append(cpus, flagValue(args, "-test.cpu"))
				}
			}
			if !slices.Equal(got, c.want) || !slices.Equal(cpus, c.cpu) {
				t.Errorf("-bench %q ran -test.bench %q -test.cpu %q, want %q %q", c.bench, got, cpus, c.want, c.cpu)
			}
		})
	}
}

// A row that ran fewer than record.MinOps ops in a pass sized by time is
// run again at a fixed MinOps ops, and only that run is stored: a profile
// sized on a fast machine ran Python's peer start-up as its one op on a
// slower one. A pass sized by op count (an op is a whole run) is kept.
// A recording says how it was made in config lines (count, benchtime,
// profile), which a report of two machines compares.
func TestSettingsConfigLines(t *testing.T) {
	o := options(t, fakeBench(t), "Fake")
	o.Benchtime, o.Profile = "20ms", true
	path, err := record.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for _, want := range []string{"count: 1\n", "benchtime: 20ms\n", "profile: true\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("recording lacks %q:\n%s", want, b)
		}
	}
}

func TestFewOpsRunAgain(t *testing.T) {
	bin := fakeBench(t)
	t.Setenv("FAKE_N", "1")
	for _, c := range []struct {
		benchtime string
		wantOps   string // the ops of every stored result line
		wantBench []string
	}{
		{"10ms", "5", []string{"^BenchmarkFake$", "^(BenchmarkFake)$/^(at=begin|at=end)$"}},
		{"1x", "1", []string{"^BenchmarkFake$"}},
	} {
		o := options(t, bin, "Fake")
		o.Benchtime = c.benchtime
		path, err := record.Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		var benches []string
		results := 0
		for l := range strings.Lines(string(b)) {
			if args, ok := strings.CutPrefix(l, "args: "); ok {
				benches = append(benches, flagValue(args, "-test.bench"))
			}
			if f := strings.Fields(l); len(f) > 2 && strings.HasPrefix(f[0], "BenchmarkFake/") {
				results++
				if f[1] != c.wantOps {
					t.Errorf("-benchtime %s: stored %q, want %s ops", c.benchtime, strings.TrimSpace(l), c.wantOps)
				}
			}
		}
		// Both few-op leaves run again in one run of the binary, with a
		// pattern that names them level by level.
		if results == 0 || !slices.Equal(benches, c.wantBench) {
			t.Errorf("-benchtime %s: %d results, passes -test.bench %q; want %q", c.benchtime, results, benches, c.wantBench)
		}
	}
}

func flagValue(args, name string) string {
	f := strings.Fields(args)
	if i := slices.Index(f, name); i >= 0 && i+1 < len(f) {
		return f[i+1]
	}
	return ""
}

func TestSelectErrors(t *testing.T) {
	fams := []string{"BenchmarkSpawn"}
	if _, _, err := record.Select("Spawn(", fams); err == nil || !strings.Contains(err.Error(), "flag -bench") {
		t.Errorf("a bad regexp: error %v, want one naming flag -bench", err)
	}
	if _, err := record.Run(context.Background(), options(t, fakeBench(t), "Nothing")); err == nil || !strings.Contains(err.Error(), "selects no benchmark family") {
		t.Errorf("a pattern that selects nothing: error %v", err)
	}
	picked, rest, err := record.Select("Spawn/model=(goroutine|a/b)/x", fams)
	if err != nil || !slices.Equal(picked, fams) || rest != "model=(goroutine|a/b)/x" {
		t.Errorf("Select = %q %q %v: the split must respect parentheses", picked, rest, err)
	}
}

// A failure to store is an error (a non-zero exit), never a silent skip
// (mv -n skipped and exited 0).
func TestStoreFailureIsAnError(t *testing.T) {
	work := t.TempDir()
	txt := filepath.Join(work, "run.txt")
	if err := os.WriteFile(txt, []byte("run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "gone")
	if path, err := record.Store(missing, "S", txt, filepath.Join(work, "samples")); err == nil || !strings.Contains(err.Error(), "store "+missing) {
		t.Errorf("store into a missing folder: %q, %v; want an error naming it", path, err)
	}
}

// TestProfileNarrows: make report's short profile runs a family in the
// passes profile names, each with its own count cap, benchtime and
// environment (BusyLoop at workers=ncpu, twice, with a short loop; IPC in
// a Go and a Python pass), and every other family whole at -count.
func TestProfileNarrows(t *testing.T) {
	bin := fakeBench(t)
	ncpu := strconv.Itoa(host.This().NCPU)
	o := options(t, bin, ".")
	o.Profile, o.Count, o.Benchtime = true, 6, "20ms"
	path, err := record.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var got []string
	for _, l := range strings.Split(string(b), "\n") {
		if args, ok := strings.CutPrefix(l, "args: "); ok {
			got = append(got, strings.Join([]string{flagValue(args, "-test.bench"), flagValue(args, "-test.count"),
				flagValue(args, "-test.benchtime"), strings.TrimPrefix(args[strings.LastIndex(args, " ")+1:], "busy=")}, " "))
		}
	}
	gtp := "(goroutine|thread|process)$"
	want := []string{
		"^BenchmarkBusyLoop$/.*/workers=" + ncpu + "$ 2 20ms 0.2",
		"^BenchmarkIPC$/pattern=/transport=/peer=" + gtp + "/size=(8B|64KiB)$ 6 20ms ",
		"^BenchmarkIPC$/pattern=/transport=/peer=python-process$/size=8B$ 3 20ms ",
		"^BenchmarkIPC$/pattern=pingpong$/transport=/peer=(goroutine|process)$/size=(512B|8KiB|1MiB)$ 3 20ms ",
		"^BenchmarkSpawn$ 6 20ms ", "^BenchmarkSpawnParent$ 6 5x ", "^BenchmarkFake$ 6 20ms ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("profile ran\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestProgressSaysTimeLeft: a first recording says its passes were never
// timed; the same recording again says how long the rest will take, from
// the first one's times, and every pass line says it.
func TestProgressSaysTimeLeft(t *testing.T) {
	t.Setenv("FAKE_SLEEP", "0.6")
	bin := fakeBench(t)
	times := filepath.Join(t.TempDir(), "pass-times.json")
	run := func() string {
		var stderr strings.Builder
		o := options(t, bin, "IPC|Spawn|Fake")
		o.Stderr, o.Times = &stderr, times
		if _, err := record.Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		return stderr.String()
	}
	first := run()
	for _, want := range []string{`concbench: 3 passes, none timed before on this machine\n`,
		`\[1/3\] BenchmarkIPC done in \d+s \(total \d+s, 2 passes not timed before\)`,
		`\[3/3\] BenchmarkFake done in \d+s \(total \d+s\)\n`} {
		if !regexp.MustCompile(want).MatchString(first) {
			t.Errorf("first run's progress lacks %q:\n%s", want, first)
		}
	}
	// The second run expects the first's three passes of about 0.6 s:
	// about 2 s in all (1 to 4 on a busy machine), and one less after one.
	second := run()
	m := regexp.MustCompile(`concbench: 3 passes, about (\d+)s left\n`).FindStringSubmatch(second)
	if m == nil || m[1] < "1" || m[1] > "4" || len(m[1]) != 1 {
		t.Errorf("second run's first line: %q, want about 1s to 4s left:\n%s", m, second)
	}
	if want := `\[1/3\] BenchmarkIPC done in \d+s \(total \d+s, about \d+s left\)`; !regexp.MustCompile(want).MatchString(second) {
		t.Errorf("second run's progress lacks %q:\n%s", want, second)
	}
}
