package record_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concbench/concbench/record"
)

// Reference on a PATH without perf, with a perf that fails and with one
// that works: one "# skip" line that says why (or none), perf figures only
// from a working perf (µs/op read as ns), the /bin/true figures every
// time, no error.
func TestReferencePerf(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"bash", "git"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("no %s on PATH: %v", tool, err)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	working := "#!/bin/sh\necho '# Running sched/pipe benchmark...'\necho '     Total time: 0.200 [sec]'\necho\necho '       2.000 usecs/op'\n"
	for _, c := range []struct {
		name, perf, skip string
		perfRows         int
	}{
		{"missing", "", "# skip: perf not installed", 0},
		{"broken", "#!/bin/sh\necho 'perf not found for kernel 9.9' >&2\nexit 2\n", "# skip: perf bench sched pipe does not run here: perf not found for kernel 9.9", 0},
		{"working", working, "", 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			perf := filepath.Join(bin, "perf")
			os.Remove(perf)
			if c.perf != "" {
				if err := os.WriteFile(perf, []byte(c.perf), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			if err := record.Reference(context.Background(), &out, record.RefOptions{Count: 2, Spawns: 3}); err != nil {
				t.Fatalf("Reference: %v\n%s", err, out.String())
			}
			var skips, spawns, perfRows int
			for _, line := range strings.Split(out.String(), "\n") {
				f := strings.Fields(line)
				switch {
				case strings.HasPrefix(line, "# skip:"):
					skips++
					if c.skip == "" || !strings.HasPrefix(line, c.skip) {
						t.Errorf("skip line %q, want one starting %q", line, c.skip)
					}
				case strings.HasPrefix(line, "BenchmarkReference/tool=perf"):
					perfRows++
					if len(f) != 4 || f[2] != "2000.0" || f[3] != "ns/op" {
						t.Errorf("perf row %q, want 2000.0 ns/op", line)
					}
				case strings.HasPrefix(line, "BenchmarkReference/tool=spawn-true/via=bash"):
					if len(f) != 4 || f[1] != "3" || f[3] != "ns/op" {
						t.Errorf("not a benchfmt line: %q", line)
					}
					spawns++
				}
			}
			if wantSkips := map[bool]int{true: 1, false: 0}[c.skip != ""]; skips != wantSkips || spawns != 2 || perfRows != c.perfRows {
				t.Errorf("%d skip, %d spawn and %d perf lines, want %d, 2 and %d:\n%s", skips, spawns, perfRows, wantSkips, c.perfRows, out.String())
			}
			if !strings.Contains(out.String(), "\nhost-id: ") {
				t.Errorf("no host-id config line:\n%s", out.String())
			}
		})
	}
}
