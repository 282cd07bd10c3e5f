package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The analysis commands build everywhere: a macOS user can report and
// compare results recorded on Linux, and a machine without a C compiler
// builds the whole module (x/perf's SQLite driver, which needs cgo, is
// only in tests that say so).
func TestBuildsOffLinux(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the command: skipped with -short")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"darwin", []string{"GOOS=darwin", "GOARCH=arm64"}, []string{"build", "-o", "concbench-darwin", "."}},
		{"no cgo", []string{"CGO_ENABLED=0"}, []string{"build", "-o", "concbench-nocgo", "."}},
		{"no cgo, vet", []string{"CGO_ENABLED=0"}, []string{"vet", "../../..."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if args[0] == "build" {
				args = append([]string{"build", "-o", filepath.Join(t.TempDir(), args[2])}, args[3:]...)
			}
			cmd := exec.Command(goCmd, args...)
			cmd.Env = append(os.Environ(), c.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%v go %v: %v\n%s", c.env, args, err, out)
			}
		})
	}
}
