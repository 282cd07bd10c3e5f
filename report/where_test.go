package report

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchmath"
)

func wherePoints() []Point {
	var pts []Point
	for _, sub := range []string{"check=bare/size=8B", "check=verified/size=8B", "check=verified/size=64B", "size=8B"} {
		keys := map[string]string{}
		for _, kv := range strings.Split(sub, "/") {
			k, v, _ := strings.Cut(kv, "=")
			keys[k] = v
		}
		pts = append(pts, Point{Name: "W/" + sub, Family: "W", Sub: sub, Keys: keys, Unit: "sec/op",
			Summary: benchmath.Summary{Center: 1}})
	}
	return pts
}

func subs(pts []Point) []string {
	var out []string
	for _, p := range pts {
		out = append(out, p.Sub)
	}
	slices.Sort(out)
	return out
}

// TestWhereSpecAndQuestion: a Spec's Where reads the same language as a
// Question's: "!bare" keeps every point but check=bare, in a chart as in a
// summary row, and "min" picks the smallest size in both.
func TestWhereSpecAndQuestion(t *testing.T) {
	for _, tc := range []struct {
		where Where
		want  []string
	}{
		{Where{"check": "!bare"}, []string{"check=verified/size=64B", "check=verified/size=8B", "size=8B"}},
		{Where{"check": "verified"}, []string{"check=verified/size=64B", "check=verified/size=8B"}},
		{Where{"check": "!bare", "size": "max"}, []string{"check=verified/size=64B"}},
		{Where{"size": "min"}, []string{"check=bare/size=8B", "check=verified/size=8B", "size=8B"}},
	} {
		pts := wherePoints()
		if got := subs(selectPoints(pts, "sec/op", tc.where, "")); !slices.Equal(got, tc.want) {
			t.Errorf("question %v selects %v, want %v", tc.where, got, tc.want)
		}
		n := 0
		var drawn []string
		for _, d := range collect("W", Spec{Where: tc.where, X: "size", Series: []string{"check"}, Unit: "sec/op"}, pts, "") {
			for _, s := range d.ss {
				n += len(s.xs)
				for _, x := range s.xLabels {
					drawn = append(drawn, s.label+"@"+x)
				}
			}
		}
		if n != len(tc.want) {
			t.Errorf("spec %v charts %v, want the %d points %v", tc.where, drawn, len(tc.want), tc.want)
		}
	}
}

// TestWhereMalformed: a selector the language does not have is an error,
// from Check and from Load when FamilyTable holds it, never an empty
// selection.
func TestWhereMalformed(t *testing.T) {
	for _, w := range []Where{
		{"check": "!"}, {"check": ""}, {"check": "!!bare"}, {"size": "!max"}, {"workers": "!ncpu"},
		{"": "x"}, {"check": "not bare"}, {"check": "a=b"}, {"size": "8B/64B"},
	} {
		if err := w.Check(); err == nil {
			t.Errorf("Check(%v) = nil, want an error", w)
		}
	}
	if err := checkFamilies(FamilyTable); err != nil {
		t.Fatalf("FamilyTable: %v", err)
	}
	path := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(path, []byte("BenchmarkW/check=bare-2 10 5 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := FamilyTable
	defer func() { FamilyTable = saved }()
	FamilyTable = append(slices.Clone(saved), Family{Name: "W", Specs: []Spec{{Where: Where{"check": "!!bare"}}}})
	_, err := Load([]string{path}, "")
	if err == nil || !strings.Contains(err.Error(), `family W spec 1: where check="!!bare"`) {
		t.Errorf("Load with a malformed selector: err = %v", err)
	}
}
