//go:build cgo

package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/concbench/concbench/report/perfdata/perfdatatest"
)

// uploadRecording is a committed recording whose host-id and commit the
// queries below name.
const uploadRecording = "results/c32ac51fa19a/20261201T192635Z.txt"

// TestUploadAndReport: concbench upload stores the committed recording in
// a real perfdata server and prints the upload id; concbench report
// -perfdata -q renders the same tables from the server as from the file.
func TestUploadAndReport(t *testing.T) {
	t.Chdir("../..")
	addr := perfdatatest.Server(t)
	var out, errb bytes.Buffer
	if code := run([]string{"upload", "-perfdata", addr, uploadRecording}, &out, &errb); code != 0 {
		t.Fatalf("upload: exit %d: %s", code, errb.String())
	}
	if id := strings.TrimSpace(out.String()); id == "" || strings.Contains(id, "\n") {
		t.Fatalf("upload printed %q, want one upload id", out.String())
	}
	var fromFile, fromServer bytes.Buffer
	if code := run([]string{"report", "perfdata=" + uploadRecording}, &fromFile, &errb); code != 0 {
		t.Fatalf("report file: exit %d: %s", code, errb.String())
	}
	if code := run([]string{"report", "-perfdata", addr, "-q", "host-id:c32ac51fa19a commit:3261c11387ab"}, &fromServer, &errb); code != 0 {
		t.Fatalf("report -perfdata: exit %d: %s", code, errb.String())
	}
	if fromFile.String() != fromServer.String() || fromFile.Len() == 0 {
		t.Errorf("report from the server differs from the report of the file")
	}
	var sum1, sum2 bytes.Buffer
	run([]string{"report", "-summary", "perfdata=" + uploadRecording}, &sum1, &errb)
	run([]string{"report", "-summary", "-perfdata", addr, "-q", "host-id:c32ac51fa19a"}, &sum2, &errb)
	if a, b := cutLinks(sum1.String()), cutLinks(sum2.String()); a != b || a == "" {
		t.Errorf("summary from the server differs from the summary of the file")
	}
}

// cutLinks drops the link targets, which name the input's directory.
func cutLinks(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "](")
		if i < 0 {
			return b.String() + s
		}
		j := strings.Index(s[i:], ")")
		b.WriteString(s[:i+1])
		s = s[i+j+1:]
	}
}

// TestUploadServerDown: a server that is down gives exit 1 and one line
// naming it; no address is exit 2; the file is untouched.
func TestUploadServerDown(t *testing.T) {
	t.Chdir("../..")
	before, _ := os.ReadFile(uploadRecording)
	down := perfdatatest.Down(t)
	t.Setenv(perfdataEnv, "")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"upload", "-perfdata", down, uploadRecording}, 1, down},
		{[]string{"report", "-perfdata", down, "-q", "host-id:x"}, 1, down},
		{[]string{"upload", uploadRecording}, 2, "-perfdata: no server address"},
		{[]string{"report", "-perfdata", down}, 2, "-perfdata and -q go together"},
		{[]string{"upload", "-perfdata", down, "-timeout", "0s", uploadRecording}, 2, "-timeout 0s: must be positive"},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", c.args, code, errb.String(), c.code, c.want)
		}
	}
	if after, _ := os.ReadFile(uploadRecording); !bytes.Equal(before, after) {
		t.Error("the recording changed")
	}
}

// TestPerfdataEnv: report -q and trend -q ask the server that
// CONCBENCH_PERFDATA names when -perfdata is not given (docs/storage.md);
// without -q, report reads its files as before.
func TestPerfdataEnv(t *testing.T) {
	down := perfdatatest.Down(t)
	t.Setenv(perfdataEnv, down)
	for _, args := range [][]string{{"report", "-q", "host-id:x"}, {"trend", "-q", "host-id:x"}} {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		if code != 1 || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), down) {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line naming %s", args, code, errb.String(), down)
		}
	}
}

// TestUploadMachineClass: upload with CONCBENCH_MACHINE_CLASS (or
// -machine-class) adds a machine-class config line that a query selects
// on, the key CI series are followed by (a hosted runner's host-id is new
// every run); a class of two words is refused.
func TestUploadMachineClass(t *testing.T) {
	t.Chdir("../..")
	addr := perfdatatest.Server(t)
	t.Setenv(machineClassEnv, "gh-ubuntu-x64")
	var out, errb bytes.Buffer
	if code := run([]string{"upload", "-perfdata", addr, uploadRecording}, &out, &errb); code != 0 {
		t.Fatalf("upload: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"report", "-perfdata", addr, "-q", "machine-class:gh-ubuntu-x64", "-format", "csv"}, &out, &errb); code != 0 || out.Len() == 0 {
		t.Fatalf("report -q machine-class: exit %d, %d bytes: %s", code, out.Len(), errb.String())
	}
	errb.Reset()
	if code := run([]string{"upload", "-perfdata", addr, "-machine-class", "two words", uploadRecording}, &out, &errb); code != 2 {
		t.Errorf("two words: exit %d, stderr %q; want 2", code, errb.String())
	}
}

// A malformed -perfdata address is exit 2 with one line naming it, at
// once: x/perf's client cannot build a request for it, and its upload's
// Abort used to wait forever on a channel nothing writes.
func TestUploadMalformedAddress(t *testing.T) {
	t.Chdir("../..")
	for _, addr := range []string{"::::", "http://[::1", "a b", "ftp://host:1", "http://"} {
		code := make(chan int, 1)
		var errb bytes.Buffer
		go func() { code <- run([]string{"upload", "-perfdata", addr, uploadRecording}, &bytes.Buffer{}, &errb) }()
		select {
		case c := <-code:
			if c != 2 || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), "perfdata address") {
				t.Errorf("-perfdata %q: exit %d, %q; want 2 and one line about the address", addr, c, errb.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("-perfdata %q: upload still running after 10s", addr)
		}
	}
}
