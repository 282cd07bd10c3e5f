//go:build cgo

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concbench/concbench/report/perfdata/perfdatatest"
)

// TestTrendCommand: three recorded commits give the moves on stdout and
// the report with -o; fewer than two recordings is exit 2, one line.
func TestTrendCommand(t *testing.T) {
	dir := t.TempDir()
	files := trendInputs(t)
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

// trendInputs are three recordings of three commits: Spawn/model=goroutine
// takes 4× as long at the third.
func trendInputs(t *testing.T) []string {
	dir := t.TempDir()
	var files []string
	for i, ns := range []int{1000, 1000, 4000} {
		p := filepath.Join(dir, fmt.Sprintf("2026120%dT000000Z.txt", i+1))
		var b strings.Builder
		fmt.Fprintf(&b, "host-id: h\ncommit: c%d\n", i)
		for run := range 6 {
			fmt.Fprintf(&b, "BenchmarkSpawn/model=goroutine-2 100 %d ns/op\n", ns+run)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

// TestTrendPerfdata: the same three commits uploaded to a perfdata server
// give the same moves through -perfdata -q.
func TestTrendPerfdata(t *testing.T) {
	addr := perfdatatest.Server(t)
	files := trendInputs(t)
	for _, f := range files {
		var out, errb bytes.Buffer
		if code := run([]string{"upload", "-perfdata", addr, f}, &out, &errb); code != 0 {
			t.Fatalf("upload: exit %d: %s", code, errb.String())
		}
	}
	var fromFiles, fromServer, errb bytes.Buffer
	run(append([]string{"trend"}, files...), &fromFiles, &errb)
	if code := run([]string{"trend", "-perfdata", addr, "-q", "host-id:h"}, &fromServer, &errb); code != 0 {
		t.Fatalf("trend -perfdata: exit %d: %s", code, errb.String())
	}
	if fromFiles.String() != fromServer.String() || !strings.Contains(fromServer.String(), "| c1 | c2 |") {
		t.Errorf("from the server:\n%s\nfrom the files:\n%s", fromServer.String(), fromFiles.String())
	}
}

// TestTrendCommittedQuiet: the trend of the two committed recordings of
// one machine says in a few lines what it leaves out, lets nothing of
// benchseries' own reach the process's stderr (it printed 221 lines of
// "numerator/denominator mismatch"), and ranks no unit the gate skips
// (timed-rt) and no point recorded with other settings (the profile's
// 0.2 s BusyLoop against a full run's).
func TestTrendCommittedQuiet(t *testing.T) {
	files, err := filepath.Glob("../../results/8ecd64460d00/*.txt")
	if err != nil || len(files) < 2 {
		t.Fatalf("committed recordings: %v, %v", files, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	orig := os.Stderr
	os.Stderr = w // benchseries writes to os.Stderr itself
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"trend", "-n", "0"}, files...), &stdout, &stderr)
	os.Stderr = orig
	w.Close()
	leaked, _ := io.ReadAll(r)
	r.Close()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if len(leaked) > 0 {
		t.Errorf("%d lines on the process's stderr, first %q", bytes.Count(leaked, []byte("\n")), firstLine(string(leaked)))
	}
	if n := strings.Count(stderr.String(), "\n"); n > 4 {
		t.Errorf("%d lines on stderr, want at most 4:\n%s", n, stderr.String())
	}
	for _, bad := range []string{"| timed-rt |", "| steal-% |", "BusyLoop/"} {
		if strings.Contains(stdout.String(), bad) {
			t.Errorf("the moves rank %q", bad)
		}
	}
	for _, want := range []string{"not judge", "other settings"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
