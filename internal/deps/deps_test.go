package deps

import (
	"errors"
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

// Every missing thing says so the same way: one line, wrapping
// ErrMissing, naming the rows and the package (or the fix).
func TestEveryLineWrapsErrMissing(t *testing.T) {
	for _, d := range All {
		err := d.Missing("planted")
		if d.Name == Root.Name {
			err = d.Check()
			if os.Geteuid() == 0 {
				continue // root here: nothing to say
			}
		}
		fix := d.Fix
		if fix == "" {
			fix = "Debian's " + d.Package
		}
		if !errors.Is(err, ErrMissing) || strings.Contains(err.Error(), "\n") ||
			!strings.Contains(err.Error(), d.Rows+" skip") || !strings.Contains(err.Error(), fix) {
			t.Errorf("%s: %q, want one line wrapping ErrMissing with %q and %q", d.Name, err, d.Rows+" skip", fix)
		}
	}
}

// A Dep is found under any of its names on PATH; missing, the line names
// them all.
func TestLookAlts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/py3.99t", []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	d := Dep{Name: "ft", Rows: "R", Path: "py3.98t", Alts: []string{"py3.99t"}, Fix: "get one"}
	if p, err := d.Look(); err != nil || p != dir+"/py3.99t" {
		t.Errorf("Look = %q, %v; want the second name", p, err)
	}
	d.Alts = nil
	if _, err := d.Look(); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "py3.98t not on PATH") {
		t.Errorf("Look with no such name: %v", err)
	}
	if err := Check(Dep{Name: "sh2", Path: "/"}, d); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "no ft") {
		t.Errorf("Check: %v, want d's line", err)
	}
}
