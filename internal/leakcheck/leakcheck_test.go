package leakcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckSeesLeaks: each kind of leftover is named by Check or TempLeft,
// and a clean run passes.
func TestCheckSeesLeaks(t *testing.T) {
	dir := t.TempDir()
	if err := TempLeft(dir); err != nil {
		t.Errorf("empty directory: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "concbench-fsync-123"), nil, 0o644)
	if err := TempLeft(dir); err == nil || !strings.Contains(err.Error(), "concbench-fsync-123") {
		t.Errorf("a file left: %v, want an error naming it", err)
	}

	before := Take()
	if err := Check(before); err != nil {
		t.Fatalf("nothing done: %v", err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(before); err == nil || !strings.Contains(err.Error(), "file descriptors") {
		t.Errorf("an open file: %v, want a descriptor leak", err)
	}
	f.Close()

	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep(1): %v", err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if err := Check(before); err == nil || !strings.Contains(err.Error(), "child processes left") {
		t.Errorf("a running child: %v, want a child leak", err)
	}
}
