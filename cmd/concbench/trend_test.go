package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrendCommand: three recorded commits give the moves on stdout and
// the report with -o; fewer than two recordings is exit 2, one line.
func TestTrendCommand(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i, ns := range []int{1000, 1000, 4000} {
		p := filepath.Join(dir, fmt.Sprintf("2026120%dT000000Z.txt", i+1))
		var b strings.Builder
		fmt.Fprintf(&b, "commit: c%d\n", i)
		for run := range 6 {
			fmt.Fprintf(&b, "BenchmarkSpawn/model=goroutine-2 100 %d ns/op\n", ns+run)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	out := filepath.Join(dir, "trend")
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"trend", "-o", out}, files...), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "| Spawn/model=goroutine-2 | sec/op | c1 | c2 | 3.99× |"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out, "trend-spawn.png")); err != nil {
		t.Error(err)
	}
	stderr.Reset()
	if code := run([]string{"trend", files[0]}, &stdout, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("one file: exit %d, stderr %q", code, stderr.String())
	}
}
