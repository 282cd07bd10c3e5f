package deps

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The Makefile's DEPS are this package's Debian packages: one list.
func TestMakefileDeps(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^DEPS \?= (.*)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("Makefile: no DEPS ?= line")
	}
	got := strings.Fields(string(m[1]))
	want := Packages()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Makefile DEPS %q, internal/deps %q", got, want)
	}
}

// A missing thing is one line naming it, the rows that skip and the fix.
func TestMissingLine(t *testing.T) {
	d := Dep{Name: "wrk", Package: "wrk", Rows: "WebReference", Path: "/nonexistent/wrk"}
	err := d.Check()
	if err == nil {
		t.Fatal("a missing binary checks as present")
	}
	for _, want := range []string{"no wrk", "/nonexistent/wrk", "WebReference skip", "Debian's wrk"} {
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: want one line with %q", err, want)
		}
	}
	if err := (Dep{Name: "sh", Path: "sh"}).Check(); err != nil {
		t.Errorf("sh on PATH: %v", err)
	}
	root := Dep{Name: "root", Rows: "X"}.Check()
	if (os.Geteuid() == 0) != (root == nil) {
		t.Errorf("uid %d: root check %v", os.Geteuid(), root)
	}
}
