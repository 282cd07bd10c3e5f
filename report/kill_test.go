package report

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// envKillWrite, in the test binary's environment, makes it
// TestWriteKilled's child (TestMain runs it instead of the tests, as
// os/exec's TestMain runs its helper commands): it installs reports into
// that directory until killed.
const envKillWrite = "CONCBENCH_REPORT_KILL_WRITE"

func TestMain(m *testing.M) {
	if out := os.Getenv(envKillWrite); out != "" {
		if err := writeUntilKilled(out); err != nil {
			fmt.Fprintln(os.Stderr, "report test child:", err)
		}
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// padFiles are added to the child's report so that an install takes long
// enough for the kills to land inside it, not only in the rendering.
const padFiles, padSize = 16, 1 << 20

// TestWriteKilled: a report killed (SIGKILL) at any moment leaves the
// report directory whole, old or new, never missing or half written. The
// test binary runs itself as writeUntilKilled, which installs a large
// report again and again, and kills it after delays that sweep through
// installs.
func TestWriteKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	s, _ := loadSuite(t)
	out := filepath.Join(t.TempDir(), "report")
	if err := Write(out, s, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 16 {
		delay := time.Duration(150+23*i) * time.Millisecond
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), envKillWrite+"="+out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()
		old, exists, err := checkOut(out)
		if err != nil || !exists || len(old) == 0 {
			t.Fatalf("killed after %v: %d files, exists %v, err %v", delay, len(old), exists, err)
		}
		for _, name := range old {
			st, err := os.Stat(filepath.Join(out, name))
			switch {
			case err != nil:
				t.Errorf("killed after %v: %v", delay, err)
			case strings.HasPrefix(name, "pad-") && st.Size() != padSize, st.Size() == 0:
				t.Errorf("killed after %v: %s has %d bytes", delay, name, st.Size())
			}
		}
		if b, _ := os.ReadFile(filepath.Join(out, "README.md")); !bytes.HasPrefix(b, []byte("# concbench report")) {
			t.Errorf("killed after %v: README.md is %.30q", delay, b)
		}
	}
	// A kill leaves the temporary directory it was writing (the price of
	// never deleting what might be another run's); their number shows the
	// kills landed inside installs.
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".report.tmp-*"))
	t.Logf("16 kills left %d temporary directories beside the report", len(left))
}

// writeUntilKilled is TestWriteKilled's child: it installs the report
// (with padFiles large charts) into out again and again until it is
// killed, and returns only on an error.
func writeUntilKilled(out string) error {
	s, err := Load([]string{"testdata/suite.txt"}, "")
	if err != nil {
		return err
	}
	files, err := renderReport(s, TableOptions{})
	if err != nil {
		return err
	}
	for i := range padFiles {
		files = append(files, outFile{fmt.Sprintf("pad-%02d.png", i), bytes.Repeat([]byte{byte(i)}, padSize)})
	}
	for {
		if err := install(out, files); err != nil {
			return err
		}
	}
}
