package py

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/workloads"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

func start(t *testing.T, o Options) *Driver {
	t.Helper()
	d, err := Start(model.KindPythonThread, o)
	if errors.Is(err, model.ErrNoPython) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.kill() })
	return d
}

func TestParseResult(t *testing.T) {
	for _, c := range []struct {
		line, err string
	}{
		{"result ops=3 sum=7 cpu=1 ctxsw=2 intended=3", ""},
		{"done ns=5", "want a result line"},
		{"result ops=3 sum=7 cpu=1", "no ctxsw="},
		{"result ops=3 sum=-7 cpu=1 ctxsw=2", `bad field "sum=-7"`},
		{"result ops=3 sum cpu=1 ctxsw=2", `bad field "sum"`},
	} {
		r, err := parseResult(c.line)
		if c.err == "" {
			if err != nil || r["intended"] != 3 || r["sum"] != 7 {
				t.Errorf("%q: %v, %v", c.line, r, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: error %v, want one with %q", c.line, err, c.err)
		}
	}
}

func TestWant(t *testing.T) {
	r := Result{"ops": 3, "sum": 7}
	if err := r.Want("x", "ops", 3, "sum", uint64(7)); err != nil {
		t.Error(err)
	}
	err := r.Want("x", "ops", 4, "lost", 0)
	if err == nil || !strings.Contains(err.Error(), "py x: ops=3, want 4") || !strings.Contains(err.Error(), "no lost") {
		t.Errorf("Want of a wrong and a missing field: %v", err)
	}
}

// The driver's kernels answer as workloads' do: the Go side's answer table
// is the Python side's.
func TestKernelsMatchGo(t *testing.T) {
	d := start(t, Options{})
	for _, kernel := range []string{"noop", "sha256", "sleep"} {
		if err := d.Open("scale", "kernel="+kernel, "pool=thread", "workers=2"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Run(2 * workloads.ArgRange); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Run(0); err != nil { // scale streams: run 0 drains
			t.Fatal(err)
		}
		r, err := d.Finish()
		if err != nil {
			t.Fatal(err)
		}
		answers, err := Answers(kernel)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Want(kernel, "ops", 2*workloads.ArgRange, "sum", Fold(answers, 2*workloads.ArgRange)); err != nil {
			t.Error(err)
		}
	}
}

// Bad commands get one-line errors naming the command, and the driver
// goes on serving.
func TestDriverErrors(t *testing.T) {
	d := start(t, Options{})
	for _, c := range []struct{ do func() error }{
		{func() error { return d.Open("nosuch") }},
		{func() error { _, err := d.Run(1); return err }},
		{func() error { return d.Open("counter", "sync=mutex") }},
	} {
		if err := c.do(); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("want a one-line error, got %v", err)
		}
	}
	if err := d.Open("counter", "sync=mutex", "workers=1"); err != nil {
		t.Fatalf("driver after errors: %v", err)
	}
	if _, err := d.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

// An interpreter that does not speak the protocol fails Start with what it
// said, and is reaped.
func TestStartBadInterpreter(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho oops >&2\necho hello\nsleep 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(model.KindPythonThread, Options{Python: fake})
	if err == nil || !strings.Contains(err.Error(), `"hello\n"`) || !strings.Contains(err.Error(), "oops") {
		t.Errorf("Start of a fake interpreter: %v", err)
	}
}

// Close leaves nothing of the driver's process group: here a forked peer
// and a Manager's server process, both our grandchildren.
func TestCloseLeavesNoChildren(t *testing.T) {
	d := start(t, Options{})
	if err := d.Open("ipc", "pattern=pingpong", "transport=manager-queue", "size=8"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Run(10); err != nil {
		t.Fatal(err)
	}
	pgid := d.c.Pid()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(-pgid, 0); err != syscall.ESRCH {
		t.Errorf("process group %d after Close: kill 0 says %v, want ESRCH", pgid, err)
	}
}

// A driver that stops answering is killed after AskTimeout, and the
// command fails instead of hanging.
func TestAskTimeout(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho ready python=0 gil=enabled\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := Start(model.KindPythonThread, Options{Python: fake})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	old := AskTimeout
	AskTimeout = 100 * time.Millisecond
	defer func() { AskTimeout = old }()
	done := make(chan error, 1)
	go func() { _, err := d.Run(1); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no reply") {
			t.Errorf("run on a silent driver: %v", err)
		}
	case <-time.After(5 * time.Second):
		d.kill()
		t.Fatal("run on a silent driver hung")
	}
}

// The free-threaded kind runs python3.13t (or later) with PYTHON_GIL=0:
// here a python3.13t that records its environment and runs python3.
func TestFreeThreadedKind(t *testing.T) {
	py3, err := model.Interpreter(model.KindPythonThread)
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	seen := filepath.Join(dir, "seen")
	wrapper := "#!/bin/sh\necho \"PYTHON_GIL=$PYTHON_GIL\" > " + seen + "\nexec " + py3 + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "python3.13t"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	d, err := Start(model.KindPythonFreeThreaded, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(seen); strings.TrimSpace(string(got)) != "PYTHON_GIL=0" {
		t.Errorf("free-threaded interpreter ran with %q, want PYTHON_GIL=0", got)
	}
}
