package distributed

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
)

// The python-manager queue runs the seeds' own code: dist_master.py serves
// the queues with a BaseManager (whose server is a process of its own, as
// manager.start() makes it) and dist_worker.py workers get and put through
// proxies. Go feeds the master's task queue through its stdin and checks
// every result it prints, so the Python run is verified like the Go ones.
// Both scripts are given to python3 as -c text, never written to disk, and
// the authkey in their environment (CONCBENCH_DIST_SECRET), never on their
// command line, which every user of the machine can read.

type pyMaster struct {
	*queues
	c    *proc.Child
	w    *bufio.Writer
	mu   sync.Mutex // w
	at   string
	wg   sync.WaitGroup
	rerr error
}

// interpreter is python3's real executable. model.Interpreter finds what is
// on PATH, which may be a version manager's shim (pyenv's is a shell script
// that takes a few hundred milliseconds per start); each of a run's workers
// would pay that again.
var interpreter = sync.OnceValues(func() (string, error) {
	py, err := model.Interpreter(model.KindPythonProcess)
	if err != nil {
		return "", fmt.Errorf("dist: python-manager: %w", err)
	}
	out, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", fmt.Errorf("dist: python-manager: %s: %w", py, err)
	}
	return strings.TrimSpace(string(out)), nil
})

func pythonCmd(script []byte, ns, secret string, args ...string) (*exec.Cmd, error) {
	py, err := interpreter()
	if err != nil {
		return nil, err
	}
	// -S: no site-packages (the scripts are stdlib only), a tenth of a
	// second less per start where a .pth file imports something.
	argv := append([]string{py, "-S", "-c", string(script)}, args...)
	if ns != "" {
		// ip netns exec enters the namespace and execs python3 in place,
		// so proc's Pdeathsig stays on the interpreter.
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", envSecret+"="+secret)
	// A group of its own, so that close reaches the manager's server
	// process (a fork of the master) too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// startPython starts a script and reads its first line.
func startPython(script []byte, ns, secret string, args ...string) (*proc.Child, *bufio.Reader, string, error) {
	cmd, err := pythonCmd(script, ns, secret, args...)
	if err != nil {
		return nil, nil, "", err
	}
	c, err := proc.StartCmd(cmd)
	if err != nil {
		return nil, nil, "", fmt.Errorf("dist: python-manager: %w", err)
	}
	r := bufio.NewReader(c.Out)
	line, err := r.ReadString('\n')
	if err != nil {
		endGroup(c)
		return nil, nil, "", fmt.Errorf("dist: python-manager: first line: %w (%s)", err, c.Status())
	}
	return c, r, strings.TrimSpace(line), nil
}

// endGroup ends a Python child and whatever it forked.
func endGroup(c *proc.Child) error {
	err := c.Close()
	syscall.Kill(-c.Pid(), syscall.SIGKILL)
	return err
}

func startPythonMaster(listen, secret string) (*pyMaster, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("dist: python-manager: listen %q: %w", listen, err)
	}
	return startPyMaster(masterPy, secret, host, port)
}

// startPythonLocal starts dist_local.py: kind is "manager" or "pipe".
func startPythonLocal(kind string, procs int) (*pyMaster, error) {
	return startPyMaster(localPy, "", kind, strconv.Itoa(procs))
}

func startPyMaster(script []byte, secret string, args ...string) (*pyMaster, error) {
	c, r, at, err := startPython(script, "", secret, args...)
	if err != nil {
		return nil, err
	}
	m := &pyMaster{queues: newQueues(), c: c, w: bufio.NewWriter(c.In), at: at}
	m.wg.Add(1)
	go m.read(r)
	return m, nil
}

// read turns the master's "SEQ VALUE" lines into results.
func (m *pyMaster) read(r *bufio.Reader) {
	defer m.wg.Done()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			m.rerr = fmt.Errorf("dist: python master printed %q", line)
			return
		}
		seq, err1 := strconv.ParseUint(f[0], 10, 64)
		v, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 != nil || err2 != nil || !m.result(pair{seq, v}) {
			return
		}
	}
}

func (m *pyMaster) addr() string { return m.at }

// clients is not known for the Python master; Start's workers are ready
// when their script says so.
func (m *pyMaster) clients() int { return 0 }

func (m *pyMaster) put(seq, arg uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.w.AvailableBuffer()
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, arg, 10)
	b = append(b, '\n')
	m.w.Write(b)
	if err := m.w.Flush(); err != nil {
		return fmt.Errorf("dist: put task %d to the python master: %w (%s)", seq, err, m.c.Status())
	}
	return nil
}

func (m *pyMaster) close() error {
	close(m.done)
	err := endGroup(m.c)
	m.wg.Wait()
	if m.rerr != nil {
		return m.rerr
	}
	return err
}

// cpuTime is the Python master's CPU and its manager server's, from /proc.
func (m *pyMaster) cpuTime() (time.Duration, error) {
	var sum time.Duration
	for _, pid := range append([]int{m.c.Pid()}, proc.Children(m.c.Pid())...) {
		cpu, err := proc.CPU(pid)
		if err != nil {
			return 0, fmt.Errorf("dist: python master: %w", err)
		}
		sum += cpu
	}
	return sum, nil
}

func startPythonWorker(ns, addr, secret string) (*proc.Child, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	c, _, line, err := startPython(workerPy, ns, secret, host, port)
	if err != nil {
		return nil, err
	}
	if line != "ready" {
		endGroup(c)
		return nil, fmt.Errorf("dist: python worker said %q, want ready", line)
	}
	return c, nil
}
