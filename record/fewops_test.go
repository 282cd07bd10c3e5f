package record

import (
	"slices"
	"strings"
	"testing"
)

// The rerun's one pattern matches every few-op leaf, level by level, and
// only the leaves asked for are kept of what it ran.
func TestLeavesPattern(t *testing.T) {
	leaves := []string{"BenchmarkPool/kernel=noop/model=thread/mode=map/chunk=1", "BenchmarkPool/kernel=noop/model=process/mode=apply/chunk=1"}
	want := "^(BenchmarkPool)$/^(kernel=noop)$/^(model=thread|model=process)$/^(mode=map|mode=apply)$/^(chunk=1)$"
	if got := leavesPattern(leaves); got != want {
		t.Errorf("leavesPattern = %q, want %q", got, want)
	}
	out := "goos: linux\n" +
		"BenchmarkPool/kernel=noop/model=thread/mode=map/chunk=1-2 5 100 ns/op\n" +
		"BenchmarkPool/kernel=noop/model=thread/mode=apply/chunk=1-2 5 100 ns/op\n" +
		"BenchmarkPool/kernel=noop/model=process/mode=apply/chunk=1-2 5 100 ns/op\n"
	var kept []string
	for l := range strings.Lines(string(onlyLeaves([]byte(out), leaves))) {
		kept = append(kept, strings.Fields(l)[0])
	}
	if w := []string{"goos:", "BenchmarkPool/kernel=noop/model=thread/mode=map/chunk=1-2", "BenchmarkPool/kernel=noop/model=process/mode=apply/chunk=1-2"}; !slices.Equal(kept, w) {
		t.Errorf("onlyLeaves kept %q, want %q", kept, w)
	}
}
