//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concbench/concbench/internal/host"
)

// record -reuse -path-only: this machine's newest file is printed and
// nothing is recorded; another machine's file under this machine's id is
// refused with its file:line; bad flags are bad input.
func TestRecordReuse(t *testing.T) {
	m := host.This()
	root := t.TempDir()
	dir := filepath.Join(root, m.ID())
	os.MkdirAll(dir, 0o755)
	ours := filepath.Join(dir, "20260101T000000Z.txt")
	if err := os.WriteFile(ours, []byte("host-id: "+m.ID()+"\nBenchmarkX 1 1 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-reuse", "-path-only", "-results", root, "-bin", "/nonexistent"}
	if err := runRecord(args, &stdout, &stderr); err != nil || stdout.String() != ours+"\n" {
		t.Errorf("reuse: stdout %q, error %v; want the path %s", stdout.String(), err, ours)
	}

	other := filepath.Join(dir, "20260102T000000Z.txt")
	if err := os.WriteFile(other, []byte("ncpu: 999\nBenchmarkX 1 1 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	err := runRecord(args, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), other+":1: ncpu") || stdout.Len() > 0 {
		t.Errorf("another machine's file: stdout %q, error %v; want a refusal naming %s:1", stdout.String(), err, other)
	}
	if code := run([]string{"record", "-count", "0"}, &stdout, &stderr); code != 2 {
		t.Errorf("-count 0: exit %d, want 2", code)
	}
	if code := run([]string{"record", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("an argument: exit %d, want 2", code)
	}
}
