package regress

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// On a suite-sized report (2,809 rows, the one regressed row near the
// end, where the plain table put it on line 2,671), the verdict is the summary's second
// line, the regressed row is among its first lines, and what a
// pull-request comment keeps (everything above the full table) is far
// below a comment's 65,536 characters.
func TestSummaryVerdictFirst(t *testing.T) {
	rep := &Report{Regressed: true, Tests: 2809, Opt: DefaultOptions()}
	for i := range 2809 {
		r := Row{Name: fmt.Sprintf("Family%d/case=%d-2", i%19, i), Unit: "sec/op", NBase: 10, NHead: 10, Verdict: NoChange, Threshold: 0.25}
		if i == 2670 {
			r.Name, r.Verdict, r.Delta, r.Worse = "IPC/pattern=stream/transport=tcp/peer=process/size=64B-2", Regression, 0.5, 0.5
		}
		rep.Rows = append(rep.Rows, r)
	}
	var b bytes.Buffer
	if err := rep.WriteSummary(&b, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if lines[0] != SummaryMarker || lines[1] != "## concbench regression gate: REGRESSION" {
		t.Errorf("first lines %q, want the marker and the verdict", lines[:2])
	}
	row := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "| `IPC/pattern=stream/transport=tcp/peer=process/size=64B-2` | sec/op |") {
			row = i
			break
		}
	}
	if row < 0 || row > 8 {
		t.Errorf("the regressed row is line %d of the summary, want one of the first 9", row+1)
	}
	comment, _, ok := strings.Cut(b.String(), FullTableMarker)
	if !ok || len(comment) > 8<<10 {
		t.Errorf("the comment's part is %d bytes (marker found: %v), want a few KiB", len(comment), ok)
	}
	if n := len(lines); n < 2809 {
		t.Errorf("summary has %d lines, want the full table folded in it", n)
	}
}
