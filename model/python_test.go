package model

import (
	"errors"
	"slices"
	"testing"
)

// TestPythonCommand: the interpreter as given, no bytecode, its own process
// group, PYTHON_GIL=0 for the free-threaded kind only, and ErrNoPython when
// none is found.
func TestPythonCommand(t *testing.T) {
	for _, c := range []struct {
		k   Kind
		gil bool
	}{{KindPythonThread, false}, {KindPythonProcess, false}, {KindPythonFreeThreaded, true}} {
		cmd, err := PythonCommand(c.k, "/no/such/python3t", "-c", "pass")
		if err != nil {
			t.Fatalf("%s: %v", c.k, err)
		}
		if !slices.Equal(cmd.Args, []string{"/no/such/python3t", "-c", "pass"}) {
			t.Errorf("%s: args %q", c.k, cmd.Args)
		}
		if !slices.Contains(cmd.Env, "PYTHONDONTWRITEBYTECODE=1") {
			t.Errorf("%s: env lacks PYTHONDONTWRITEBYTECODE=1", c.k)
		}
		if got := slices.Contains(cmd.Env, "PYTHON_GIL=0"); got != c.gil {
			t.Errorf("%s: PYTHON_GIL=0 in env is %v, want %v", c.k, got, c.gil)
		}
		if cmd.SysProcAttr == nil || !cmd.SysProcAttr.Setpgid {
			t.Errorf("%s: not in a process group of its own", c.k)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := PythonCommand(KindPythonThread, ""); !errors.Is(err, ErrNoPython) {
		t.Errorf("with no python on PATH: got %v, want ErrNoPython", err)
	}
}
