package model

import (
	"os"
	"os/exec"
	"syscall"
)

// PythonCommand is the command that runs python kind k's interpreter with
// args: py, or where py is empty the one Interpreter finds for k. Every
// python family starts its interpreter so: no bytecode written beside the
// script (PYTHONDONTWRITEBYTECODE=1); for KindPythonFreeThreaded the GIL
// kept off (PYTHON_GIL=0: a free-threaded build turns the GIL back on when
// an extension asks for it, or when this says 1, and the model is the
// build without); and a process group of its own (Setpgid), so that one
// kill(2) takes the interpreter's multiprocessing children, our
// grandchildren, with it, and a Ctrl-C in the terminal reaches concbench
// only. The caller adds to Env and starts it; Args[0] is the interpreter
// as named. The error wraps ErrNoPython when k's interpreter is not
// installed.
func PythonCommand(k Kind, py string, args ...string) (*exec.Cmd, error) {
	if py == "" {
		var err error
		if py, err = Interpreter(k); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(py, args...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	if k == KindPythonFreeThreaded {
		cmd.Env = append(cmd.Env, "PYTHON_GIL=0")
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// KillGroup kills, with SIGKILL, the process group of the interpreter with
// pid started from PythonCommand: the interpreter and its multiprocessing
// children. The group's id is the interpreter's pid, so call it before the
// interpreter is reaped, or while some member of the group still lives;
// after that the id may be reused.
func KillGroup(pid int) { syscall.Kill(-pid, syscall.SIGKILL) }
