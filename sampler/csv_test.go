package sampler

import (
	"bytes"
	"errors"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// randomSeries is a series as a Sampler makes it: windows of about 250 ms
// after a dropped first one, contiguous, util and steal anywhere in 0..1.
func randomSeries(r *rand.Rand, cpus []int, windows int) Series {
	s := Series{Interval: 250 * time.Millisecond, CPUs: cpus}
	t := 250*time.Millisecond + time.Duration(r.Intn(20))*time.Millisecond
	for range windows {
		w := Window{Start: t}
		t += 240*time.Millisecond + time.Duration(r.Intn(20_000))*time.Microsecond
		w.End = t
		for range cpus {
			w.Util = append(w.Util, r.Float64())
			w.Steal = append(w.Steal, r.Float64()*r.Float64()*0.1)
		}
		s.Windows = append(s.Windows, w)
	}
	s.Windows[0].Util[0], s.Windows[0].Steal[0] = 1, 0 // the ends of the range
	return s
}

// TestCSVRoundTrip: ReadCSV is the exact inverse of WriteCSV. What it
// reads equals what was written, at the file's precision (whole ms from the
// first window's start, 0.1%), and writing it again gives the same bytes.
func TestCSVRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		cpus    []int
		windows int
	}{{[]int{0}, 1}, {[]int{0, 1}, 12}, {[]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 40}, {[]int{3, 1, 7}, 5}, {[]int{0, 1}, 0}} {
		in := randomSeries(r, c.cpus, max(c.windows, 1))
		in.Windows = in.Windows[:c.windows]
		var b bytes.Buffer
		if err := in.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		got, err := ReadCSV(bytes.NewReader(b.Bytes()), "s.csv")
		if err != nil {
			t.Fatalf("%v windows of %v: %v", c.windows, c.cpus, err)
		}
		if c.windows == 0 {
			if len(got.Windows) != 0 {
				t.Errorf("empty series read back with %d windows", len(got.Windows))
			}
			continue
		}
		if !reflect.DeepEqual(got.CPUs, in.CPUs) || len(got.Windows) != len(in.Windows) {
			t.Fatalf("cpus %v, %d windows; want %v, %d", got.CPUs, len(got.Windows), in.CPUs, len(in.Windows))
		}
		t0 := in.Windows[0].Start
		for i, w := range in.Windows {
			g := got.Windows[i]
			start := (w.Start - t0).Truncate(time.Millisecond)
			if i == 0 {
				start = 0
			}
			if g.End != (w.End-t0).Truncate(time.Millisecond) || (i > 0 && g.Start != got.Windows[i-1].End) || (i == 0 && g.Start != start) {
				t.Errorf("window %d: %v-%v, want %v-%v", i, g.Start, g.End, start, (w.End - t0).Truncate(time.Millisecond))
			}
			for j := range w.Util {
				if math.Abs(g.Util[j]-w.Util[j]) > 0.0005+1e-12 || math.Abs(g.Steal[j]-w.Steal[j]) > 0.0005+1e-12 {
					t.Errorf("window %d core %d: util %v steal %v, want %v %v", i, j, g.Util[j], g.Steal[j], w.Util[j], w.Steal[j])
				}
			}
		}
		var again bytes.Buffer
		if err := got.WriteCSV(&again); err != nil {
			t.Fatal(err)
		}
		if again.String() != b.String() {
			t.Errorf("written again, the CSV differs:\n%s\nwant:\n%s", again.String(), b.String())
		}
	}
}

// TestReadCSVErrors: what WriteCSV would not write is an error at file:line.
func TestReadCSVErrors(t *testing.T) {
	const head = "t_ms,cpu,util_pct,steal_pct\n"
	for _, c := range []struct{ name, csv, want string }{
		{"empty", "", "s.csv: empty file"},
		{"other header", "t_ms,cpu,util\n0,0,0.5\n", `s.csv:1: header "t_ms,cpu,util"`},
		{"other spelling", "time_ms,core,busy,steal\n", `s.csv:1: header`},
		{"short row", head + "250,0,1.0\n", "s.csv:2: 3 fields, want 4"},
		{"bad time", head + "250,0,1.0,0.0\nsoon,0,1.0,0.0\n", `s.csv:3: t_ms "soon"`},
		{"fractional time", head + "250.5,0,1.0,0.0\n", `s.csv:2: t_ms "250.5"`},
		{"bad cpu", head + "250,cpu0,1.0,0.0\n", `s.csv:2: cpu "cpu0"`},
		{"util not a number", head + "250,0,lots,0.0\n", `s.csv:2: util_pct "lots" is not a percentage`},
		{"util over 100", head + "250,0,100.1,0.0\n", `s.csv:2: util_pct "100.1"`},
		{"util NaN", head + "250,0,NaN,0.0\n", `s.csv:2: util_pct "NaN"`},
		{"steal negative", head + "250,0,1.0,-0.1\n", `s.csv:2: steal_pct "-0.1"`},
		{"cpu twice", head + "250,0,1.0,0.0\n250,0,1.0,0.0\n", "s.csv:3: cpu 0 twice"},
		{"other cores", head + "250,0,1.0,0.0\n250,1,1.0,0.0\n500,1,1.0,0.0\n", "s.csv:4: cpu 1 at t_ms 500"},
		{"window short", head + "250,0,1.0,0.0\n250,1,1.0,0.0\n500,0,1.0,0.0\n750,0,1.0,0.0\n", "s.csv:5: the window at t_ms 500 (line 4) has 1 of 2 cores"},
		{"last window short", head + "250,0,1.0,0.0\n250,1,1.0,0.0\n500,0,1.0,0.0\n", "s.csv:4: the window at t_ms 500 (line 4) has 1 of 2 cores"},
		{"time backwards", head + "250,0,1.0,0.0\n100,0,1.0,0.0\n", "s.csv:3: t_ms 100 does not follow 250"},
		{"bad quoting", head + "250,0,\"1.0,0.0\n", "s.csv:2:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(c.csv), "s.csv")
			var ce *CSVError
			if err == nil || !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("got %v, want a *CSVError starting %q", err, c.want)
			}
		})
	}
}

// TestReadCommittedSamples: every samples file committed under results/
// reads, with whole windows and at least one of them.
func TestReadCommittedSamples(t *testing.T) {
	files, _ := filepath.Glob("../results/*/*.samples/*.csv")
	if len(files) == 0 {
		t.Skip("no committed samples")
	}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ReadCSV(f, p)
		f.Close()
		if err != nil {
			t.Error(err)
		} else if len(s.Windows) == 0 || len(s.CPUs) == 0 {
			t.Errorf("%s: %d windows of %d cores", p, len(s.Windows), len(s.CPUs))
		}
	}
	t.Logf("%d committed samples files read", len(files))
}
