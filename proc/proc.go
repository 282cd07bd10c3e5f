// Package proc starts concbench's child processes: the same binary,
// re-executed with a role named in its environment, talking over its stdin
// and stdout.
//
// A binary that can be a child (the bench test binary, cmd/concbench) calls
// Serve first thing in TestMain or main; roles are registered with Register
// from init functions. The parent calls Start(role) and gets a Child whose
// In and Out are raw blocking pipes: reads and writes are plain read(2) and
// write(2) on the calling goroutine's thread, not Go's poller, so a round trip
// costs what the kernel charges for a pipe wake-up and nothing more.
//
// Three rules keep children from outliving a run:
//   - every child is started with Pdeathsig=SIGKILL;
//   - Pdeathsig fires when the thread that forked the child exits, not the
//     process, and Go does end threads (a goroutine that exits while holding
//     LockOSThread takes its thread with it). So all forks happen on one
//     spawner goroutine locked to a thread that never exits;
//   - Close closes the child's stdin (a served role exits on EOF), waits a
//     grace period, then kills, and always reaps.
package proc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"time"
)

// EnvRole names the role a re-executed binary plays.
const EnvRole = "CONCBENCH_ROLE"

var roles = map[string]func() int{}

// Register adds a role. main runs in the child with stdin and stdout as the
// pipes to the parent and returns the exit code.
func Register(name string, main func() int) {
	if _, dup := roles[name]; dup {
		panic("proc: role registered twice: " + name)
	}
	roles[name] = main
}

// Serve runs the role named in the environment and exits, or returns at once
// when there is none. Call it before anything else in TestMain or main.
func Serve() {
	name, ok := os.LookupEnv(EnvRole)
	if !ok {
		return
	}
	os.Unsetenv(EnvRole)
	run, ok := roles[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "concbench child: unknown role %q (have %v)\n", name, Roles())
		os.Exit(2)
	}
	os.Exit(run())
}

// Roles lists the registered roles.
func Roles() []string {
	var out []string
	for n := range roles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Child is a running child process.
type Child struct {
	Cmd *exec.Cmd
	In  *os.File // the child's stdin: write here
	Out *os.File // the child's stdout: read here
	err *limitedBuffer

	closeOnce sync.Once
	closeErr  error
}

// Grace is how long Close waits after closing stdin before it kills.
var Grace = 2 * time.Second

// Start runs this binary as a child playing role, with env added to the
// environment.
func Start(role string, env ...string) (*Child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("proc: start %s: %w", role, err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(append(os.Environ(), EnvRole+"="+role), env...)
	return StartCmd(cmd)
}

// StartCmd starts an arbitrary command the same way: blocking pipes on stdin
// and stdout, stderr kept (the last 4 KiB) for error messages, Pdeathsig set.
func StartCmd(cmd *exec.Cmd) (*Child, error) {
	inR, inW, err := pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	c := &Child{Cmd: cmd, In: inW, Out: outR, err: &limitedBuffer{max: 4096}}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, c.err
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	err = spawn(cmd)
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("proc: start %s: %w", cmd.Path, err)
	}
	return c, nil
}

// pipe makes a pipe whose ends are blocking, so os.File does not hand them
// to the poller: reads and writes are direct system calls.
func pipe() (r, w *os.File, err error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, fmt.Errorf("proc: pipe: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1"), nil
}

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce sync.Once
	spawnCh   chan spawnReq
)

// spawn forks on the spawner thread (see the package comment).
func spawn(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnCh = make(chan spawnReq)
		go spawner()
	})
	done := make(chan error, 1)
	spawnCh <- spawnReq{cmd, done}
	return <-done
}

// spawner is the one goroutine that forks. It lives as long as the process
// (leak checks ignore it by name: Spawner).
func spawner() {
	runtime.LockOSThread() // never unlocked: this thread lives as long as the process
	for r := range spawnCh {
		r.done <- r.cmd.Start()
	}
}

// Spawner is the function name of the process-lifetime spawner goroutine.
const Spawner = "github.com/concbench/concbench/proc.spawner"

// Pid is the child's process id.
func (c *Child) Pid() int { return c.Cmd.Process.Pid }

// Stderr is the tail of what the child wrote to its stderr.
func (c *Child) Stderr() string { return c.err.String() }

// Close ends the child: stdin closed, Grace to exit, then SIGKILL; always
// reaped. The error is nil only for a clean exit with status 0.
func (c *Child) Close() error {
	c.closeOnce.Do(func() {
		c.In.Close()
		done := make(chan error, 1)
		go func() { done <- c.Cmd.Wait() }()
		select {
		case c.closeErr = <-done:
		case <-time.After(Grace):
			c.Cmd.Process.Kill()
			c.closeErr = fmt.Errorf("killed after %v grace: %w", Grace, <-done)
		}
		c.Out.Close()
		if c.closeErr != nil {
			c.closeErr = fmt.Errorf("child %d: %w%s", c.Pid(), c.closeErr, c.stderrSuffix())
		}
	})
	return c.closeErr
}

// Kill ends the child at once and reaps it.
func (c *Child) Kill() {
	c.Cmd.Process.Kill()
	c.Close()
}

// Exited reports how the child ended, after a read or write on its pipes
// failed: it reaps the child (killing it if it still runs) and returns a
// description with its stderr, for error messages.
func (c *Child) Exited() string {
	c.Kill()
	st := c.Cmd.ProcessState
	if st == nil {
		return "state unknown"
	}
	return st.String() + c.stderrSuffix()
}

func (c *Child) stderrSuffix() string {
	if s := c.Stderr(); s != "" {
		return "; stderr: " + s
	}
	return ""
}

// limitedBuffer keeps the last max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	if over := l.b.Len() - l.max; over > 0 {
		l.b.Next(over)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(bytes.TrimSpace(l.b.Bytes()))
}
