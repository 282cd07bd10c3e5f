//go:build cgo

package perfdata

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/storage"

	"github.com/concbench/concbench/report"
	"github.com/concbench/concbench/report/perfdata/perfdatatest"
)

const recording = "../../results/c32ac51fa19a/20261201T192635Z.txt"

// TestRoundTrip uploads committed recordings, queries each back by its
// host and commit, and gets the same report tables; the files are
// unchanged. The newer one has every family, and units with capitals
// (wire-B/task), which a label key cannot hold as they are.
func TestRoundTrip(t *testing.T) {
	addr := perfdatatest.Server(t)
	for _, c := range []struct{ path, query string }{
		{recording, "host-id:c32ac51fa19a commit:3261c11387ab"},
		{"../../results/8ecd64460d00/20261202T015636Z.txt", "host-id:8ecd64460d00 commit:37d2f23cfdd4"},
	} {
		before, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		id, err := Upload(context.Background(), addr, []string{c.path})
		if err != nil {
			t.Fatal(err)
		}
		if id == "" {
			t.Fatal("no upload id")
		}
		fetched := filepath.Join(t.TempDir(), "fetched.txt")
		var b bytes.Buffer
		n, err := Fetch(context.Background(), addr, c.query, &b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fetched, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		want, got := tables(t, c.path), tables(t, fetched)
		if results := bytes.Count(before, []byte("\nBenchmark")); n != results || got != want {
			t.Errorf("%s: %d results back (want %d); tables equal: %v", c.path, n, results, got == want)
		}
		after, _ := os.ReadFile(c.path)
		if !bytes.Equal(before, after) {
			t.Errorf("%s: the uploaded file changed", c.path)
		}
	}
	var none bytes.Buffer
	if n, err := Fetch(context.Background(), addr, "host-id:nosuchhost", &none); err != nil || n != 0 {
		t.Errorf("query of another host: %d results, %v", n, err)
	}
}

func tables(t *testing.T, path string) string {
	ts, _, err := report.StreamTables([]string{"x=" + path}, "", report.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	ts.WriteText(&b)
	return b.String()
}

// TestServerDown: a server that is not there, or refuses, gives a one-line
// error naming the address, and the file is untouched.
func TestServerDown(t *testing.T) {
	down := perfdatatest.Down(t)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no uploads here\nsecond line", http.StatusForbidden)
	}))
	defer refuse.Close()
	before, _ := os.ReadFile(recording)
	for _, addr := range []string{down, refuse.URL} {
		_, err := Upload(context.Background(), addr, []string{recording})
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), strings.TrimPrefix(addr, "http://")) {
			t.Errorf("upload to %s: %v, want a one-line error naming it", addr, err)
		}
		_, err = Fetch(context.Background(), addr, "host-id:x", &bytes.Buffer{})
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("query at %s: %v, want a one-line error", addr, err)
		}
	}
	if after, _ := os.ReadFile(recording); !bytes.Equal(before, after) {
		t.Error("the file changed")
	}
}

// TestRecordings: three uploads (three commits) come back as three
// recordings, oldest first, and make a trend with the planted change.
func TestRecordings(t *testing.T) {
	addr := perfdatatest.Server(t)
	dir := t.TempDir()
	for i, ns := range []int{1000, 1000, 3000} {
		p := filepath.Join(dir, fmt.Sprintf("in%d.txt", i))
		var b strings.Builder
		fmt.Fprintf(&b, "host-id: h\ncommit: c%d\n", i)
		for run := range 6 {
			fmt.Fprintf(&b, "BenchmarkSpawn/model=goroutine-2 100 %d ns/op\n", ns+run)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Upload(context.Background(), addr, []string{p}); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	paths, err := Recordings(context.Background(), addr, "host-id:h", out)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := report.LoadTrend(paths, report.TrendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms := tr.Moves()
	if got := strings.Join(tr.Commits, " "); got != "c0 c1 c2" || len(ms) != 1 || tr.Commits[ms[0].To] != "c2" {
		t.Errorf("commits %q, %d moves; want c0 c1 c2 and one move at c2", got, len(ms))
	}
}

// TestFetchOldUnitLabels: an upload made before unit names were escaped
// (a label key "concbench-unit-steal-%") still gives its Unit line back.
func TestFetchOldUnitLabels(t *testing.T) {
	addr := perfdatatest.Server(t)
	base, _ := baseURL(addr)
	u := (&storage.Client{BaseURL: base}).NewUpload(context.Background())
	w, err := u.CreateFile("old.txt")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w, "concbench-unit-steal-%: better=lower\nconcbench-unit-busy-cores: better=higher\nhost-id: old\n"+
		"BenchmarkBusyLoop/model=goroutine-2 1 2.5 steal-% 2.0 busy-cores\n")
	if _, err := u.Commit(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if n, err := Fetch(context.Background(), addr, "host-id:old", &b); err != nil || n != 1 {
		t.Fatalf("fetch: %d results, %v", n, err)
	}
	for _, want := range []string{"Unit steal-% better=lower\n", "Unit busy-cores better=higher\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("fetched file lacks %q:\n%s", want, b.String())
		}
	}
}
