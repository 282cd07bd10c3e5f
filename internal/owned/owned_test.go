package owned_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/concbench/concbench/internal/owned"
)

// A folder whose owner was killed is removed; a live owner's, another
// prefix's and names without a pid where MkdirTemp puts it are kept.
func TestRemoveStale(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(dead.Process.Pid)
	dir := t.TempDir()
	names := map[string]bool{ // name: removed
		".record-" + pid + "-123":                     true,
		".record-" + strconv.Itoa(os.Getpid()) + "-9": false,
		".record-x-1":            false,
		"other-" + pid + "-1":    false,
		"20260101T000000Z.txt":   false,
		".record-" + pid + "abc": false,
	}
	for n := range names {
		if err := os.Mkdir(filepath.Join(dir, n), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := owned.RemoveStale(dir, ".record-"); err != nil {
		t.Fatal(err)
	}
	for n, removed := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); (err != nil) != removed {
			t.Errorf("%s: removed=%v, want %v", n, err != nil, removed)
		}
	}
}

// MkdirTemp puts the owner's pid where RemoveStale reads it.
func TestMkdirTempNamesOwner(t *testing.T) {
	dir, err := owned.MkdirTemp(t.TempDir(), "x-")
	if err != nil {
		t.Fatal(err)
	}
	if want := "x-" + strconv.Itoa(os.Getpid()) + "-"; !strings.HasPrefix(filepath.Base(dir), want) {
		t.Errorf("MkdirTemp made %s, want a name starting %s", dir, want)
	}
}
