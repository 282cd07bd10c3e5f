// Package scripts holds the shell scripts behind the Makefile; this test
// file checks the one whose behaviour depends on a tool the machine may
// lack (perf).
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReferenceWithoutPerf runs reference.sh on a PATH without perf, and
// with a perf that fails: each time one "# skip" line that says why, no
// perf figures, the /bin/true spawn figures all the same, exit status 0.
func TestReferenceWithoutPerf(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"bash", "dirname", "uname", "tr", "sed", "head", "nproc", "sha256sum",
		"cut", "git", "date", "awk", "sort", "grep", "hostname", "cat", "true"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("no %s on PATH: %v", tool, err)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, perf, skip string
	}{
		{"missing", "", "# skip: perf not installed"},
		{"broken", "#!/bin/sh\necho 'perf not found for kernel 9.9' >&2\nexit 2\n", "# skip: perf bench sched pipe does not run here: perf not found for kernel 9.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			perf := filepath.Join(bin, "perf")
			os.Remove(perf)
			if c.perf != "" {
				if err := os.WriteFile(perf, []byte(c.perf), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(filepath.Join(bin, "bash"), "reference.sh", "-count", "2", "-spawns", "3")
			cmd.Env = append(os.Environ(), "PATH="+bin)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("reference.sh: %v\n%s", err, out)
			}
			var skips, spawns int
			for _, line := range strings.Split(string(out), "\n") {
				switch {
				case strings.HasPrefix(line, "# skip:"):
					skips++
					if !strings.HasPrefix(line, c.skip) {
						t.Errorf("skip line %q, want it to start %q", line, c.skip)
					}
				case strings.HasPrefix(line, "BenchmarkReference/tool=perf"):
					t.Errorf("a perf figure without a working perf: %s", line)
				case strings.HasPrefix(line, "BenchmarkReference/tool=spawn-true/via=bash"):
					if f := strings.Fields(line); len(f) != 4 || f[3] != "ns/op" {
						t.Errorf("not a benchfmt line: %q", line)
					}
					spawns++
				}
			}
			if skips != 1 || spawns != 2 {
				t.Errorf("%d skip lines and %d spawn lines, want 1 and 2:\n%s", skips, spawns, out)
			}
		})
	}
}
