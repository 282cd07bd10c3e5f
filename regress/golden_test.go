package regress

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// TestGolden pins the text of both tables and of the pull-request summary
// on a small realistic pair: testdata/head.txt has one CPU-bound row 30%
// slower (a regression), an io row 15% slower (within its 25% limit), a
// spawn row 40% faster, and an exact unit that did not move;
// testdata/aa.txt is base.txt again with fresh ±4% noise, an A/A pair;
// testdata/few.txt is its first 3 rounds. testdata/families.txt is what
// go test -list prints for a head binary whose Distributed and IPC
// families did not run.
func TestGolden(t *testing.T) {
	list, err := os.ReadFile("testdata/families.txt")
	if err != nil {
		t.Fatal(err)
	}
	families := strings.Split(string(list), "\n")
	summary := func(rep *Report, w io.Writer) error { return rep.WriteSummary(w, families) }
	for _, c := range []struct {
		golden, base, head string
		write              func(*Report, io.Writer) error
	}{
		{"compare.golden", "base.txt", "head.txt", (*Report).WriteText},
		{"calibrate.golden", "base.txt", "aa.txt", (*Report).WriteNoise},
		{"summary.golden", "base.txt", "head.txt", summary},
		{"summary-aa.golden", "base.txt", "aa.txt", summary},
	} {
		p, err := Load([]string{filepath.Join("testdata", c.base)}, []string{filepath.Join("testdata", c.head)})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := p.Compare(DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := c.write(rep, &got); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", c.golden)
		if *update {
			if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s differs (go test -run TestGolden -update to accept):\n--- got\n%s\n--- want\n%s", path, got.Bytes(), want)
		}
	}
}
