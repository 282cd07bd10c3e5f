package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// snapshot is every entry under root: path, mode, and the content of a file
// or the target of a symbolic link. Two equal snapshots are byte-identical
// trees.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%s %v", rel, st.Mode())
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, " -> %s", target)
		case st.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %q", data)
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadSuite loads a copy of testdata/suite.txt; dir holds the copy.
func loadSuite(t *testing.T) (s *Set, dir string) {
	t.Helper()
	dir = copySuite(t)
	s, err := Load([]string{filepath.Join(dir, "suite.txt")}, "")
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// TestWriteRefuses: -o may replace only a report directory the report made
// itself. Everything else (a stored result file, a results/<host> folder,
// a folder of someone else's files, a read-only one, a symbolic link, a
// results folder with a marker planted in it) is refused with an error that
// names the path and wraps ErrNotReport, and the whole tree around it is
// left byte-identical, with no temporary directory behind.
func TestWriteRefuses(t *testing.T) {
	s, suite := loadSuite(t)
	result, err := os.ReadFile(filepath.Join(suite, "suite.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, root string) string // returns the -o path
		why   string                                 // in the error
	}{
		{"stored result file", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{"results/h/20261201T000000Z.txt": string(result)})
			return filepath.Join(root, "results/h/20261201T000000Z.txt")
		}, "not a directory"},
		{"results host folder", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{
				"results/h/20261201T000000Z.txt":           string(result),
				"results/h/20261201T000000Z.samples/a.csv": "t_ms,cpu,util_pct,steal_pct\n250,0,100.0,0.0\n",
				"results/h/reference/20261201T000001Z.txt": "pipe 1 ns\n",
				"results/h/report/README.md":               "# concbench report\n",
			})
			return filepath.Join(root, "results/h")
		}, "no " + markerName},
		{"unrelated files", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{"mine/notes.md": "keep me\n", "mine/sub/data.bin": "\x00\x01"})
			return filepath.Join(root, "mine")
		}, "no " + markerName},
		{"read-only folder", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{"ro/a.txt": "read only\n"})
			p := filepath.Join(root, "ro")
			os.Chmod(filepath.Join(p, "a.txt"), 0o444)
			os.Chmod(p, 0o555)
			t.Cleanup(func() { os.Chmod(p, 0o755) })
			return p
		}, "no " + markerName},
		{"old report without marker", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{"old/README.md": "# concbench report\n", "old/spawn.png": "png"})
			return filepath.Join(root, "old")
		}, "no " + markerName},
		{"symlink to a report", func(t *testing.T, root string) string {
			real := filepath.Join(root, "real")
			if err := Write(real, s, TableOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("real", filepath.Join(root, "link")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "link")
		}, "symbolic link"},
		{"symlink to results", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{"results/h/20261201T000000Z.txt": string(result)})
			if err := os.Symlink("results/h", filepath.Join(root, "link")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "link")
		}, "symbolic link"},
		{"marker planted in results", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{
				"results/h/" + markerName:        markerHead + "README.md\n",
				"results/h/README.md":            "# concbench report\n",
				"results/h/20261201T000000Z.txt": string(result),
			})
			return filepath.Join(root, "results/h")
		}, "20261201T000000Z.txt"},
		{"marker listing a result", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{
				"results/h/" + markerName:        markerHead + "20261201T000000Z.txt\n",
				"results/h/20261201T000000Z.txt": string(result),
			})
			return filepath.Join(root, "results/h")
		}, "20261201T000000Z.txt"},
		{"report with a user's file added", func(t *testing.T, root string) string {
			p := filepath.Join(root, "rep")
			if err := Write(p, s, TableOptions{}); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, p, map[string]string{"my-notes.md": "mine\n"})
			return p
		}, "my-notes.md"},
		{"report with a folder added", func(t *testing.T, root string) string {
			p := filepath.Join(root, "rep")
			if err := Write(p, s, TableOptions{}); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, p, map[string]string{"sub/x.txt": "mine\n"})
			return p
		}, "sub"},
		{"marker is a symlink", func(t *testing.T, root string) string {
			writeFiles(t, root, map[string]string{"m": markerHead, "rep/README.md": "x"})
			if err := os.Symlink("../m", filepath.Join(root, "rep", markerName)); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "rep")
		}, markerName},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			out := c.setup(t, root)
			before := snapshot(t, root)
			err := Write(out, s, TableOptions{})
			if err == nil {
				t.Errorf("Write(%s) succeeded, want a refusal", out)
			} else if !errors.Is(err, ErrNotReport) || !strings.Contains(err.Error(), out) || !strings.Contains(err.Error(), c.why) {
				t.Errorf("error %q: want ErrNotReport naming %s and saying %q", err, out, c.why)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if after := snapshot(t, root); after != before {
				t.Errorf("tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// TestWriteReplacesReport: a directory the report made is replaced whole
// (a chart that is no longer drawn goes with it), a missing one and an empty
// one are created, and no temporary directory is left beside it.
func TestWriteReplacesReport(t *testing.T) {
	s, _ := loadSuite(t)
	root := t.TempDir()
	out := filepath.Join(root, "a", "report")
	if err := Write(out, s, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	// A stale chart of the old report, listed in its marker as the old
	// report would have listed it.
	writeFiles(t, out, map[string]string{"gone.png": "old chart"})
	m, _ := os.ReadFile(filepath.Join(out, markerName))
	writeFiles(t, out, map[string]string{markerName: string(m) + "gone.png\n"})
	if err := Write(out, s, TableOptions{}); err != nil {
		t.Fatalf("replacing a report: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "gone.png")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("gone.png of the old report is still there (%v)", err)
	}
	listed := markerFiles(t, out)
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		if e.Name() != markerName {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if !slices.Equal(listed, names) {
		t.Errorf("marker lists %v, directory holds %v", listed, names)
	}
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	if err := Write(empty, s, TableOptions{}); err != nil {
		t.Fatalf("writing into an empty directory: %v", err)
	}
	for _, d := range []string{root, filepath.Join(root, "a")} {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("left behind in %s: %s", d, e.Name())
			}
		}
	}
}

// TestWriteReplacesWithoutExchange: where the system has no atomic
// exchange, two renames replace the report just as well, and a directory
// that is not a report is still refused.
func TestWriteReplacesWithoutExchange(t *testing.T) {
	atomicExchange = func(a, b string) error { return errNoExchange }
	t.Cleanup(func() { atomicExchange = exchange })
	s, _ := loadSuite(t)
	root := t.TempDir()
	out := filepath.Join(root, "report")
	for range 2 {
		if err := Write(out, s, TableOptions{}); err != nil {
			t.Fatal(err)
		}
		writeFiles(t, out, map[string]string{"README.md": "old"})
	}
	if err := Write(out, s, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "README.md")); !strings.HasPrefix(string(b), "# concbench report") {
		t.Errorf("README not replaced: %.30q", b)
	}
	ents, _ := os.ReadDir(root)
	if len(ents) != 1 {
		t.Errorf("beside the report: %v", ents)
	}
	writeFiles(t, out, map[string]string{"mine.txt": "x"})
	before := snapshot(t, root)
	if err := Write(out, s, TableOptions{}); !errors.Is(err, ErrNotReport) {
		t.Errorf("Write into a report with mine.txt: %v, want ErrNotReport", err)
	}
	if snapshot(t, root) != before {
		t.Error("refused directory changed")
	}
}

func markerFiles(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := strings.CutPrefix(string(b), markerHead)
	if !ok {
		t.Fatalf("marker %q lacks its head line", b)
	}
	names := strings.Fields(rest)
	slices.Sort(names)
	return names
}

// TestWriteRemovesStaleTemp: a temporary directory that a killed report
// left beside the output is removed by the next report, and only when its
// owner is dead and it holds nothing but report files.
func TestWriteRemovesStaleTemp(t *testing.T) {
	s, dir := loadSuite(t)
	out := filepath.Join(dir, "report")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPid := strconv.Itoa(dead.Process.Pid)
	stale := filepath.Join(dir, ".report.tmp-"+deadPid+"-1")
	foreign := filepath.Join(dir, ".report.tmp-"+deadPid+"-2")
	live := filepath.Join(dir, ".report.tmp-"+strconv.Itoa(os.Getpid())+"-3")
	writeFiles(t, stale, map[string]string{"README.md": "x", "tables.txt": "y"})
	writeFiles(t, foreign, map[string]string{"README.md": "x", "notes.txt": "mine"})
	writeFiles(t, live, map[string]string{"README.md": "x"})
	if err := Write(out, s, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a dead report's temporary directory is still there (%v)", err)
	}
	if b, err := os.ReadFile(filepath.Join(foreign, "notes.txt")); err != nil || string(b) != "mine" {
		t.Errorf("a file the report never writes was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(live, "README.md")); err != nil {
		t.Errorf("a live report's temporary directory was touched: %v", err)
	}
}
