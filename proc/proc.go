// Package proc starts concbench's child processes: the same binary (or
// another that serves the same roles, Options.Bin), re-executed with a role
// named in its environment, talking over its stdin and stdout. It is the bottom of the execution-model axis: package model
// (and through it every family) starts process workers here, and proc
// imports nothing of the project, so any package may use it.
//
// A binary that can be a child (a test binary, cmd/concbench) calls Serve
// first thing in TestMain or main; roles are registered with Register from
// init functions. The parent calls Start(role, Options) and gets a Child
// whose In and Out are raw blocking pipes: reads and writes are plain
// read(2) and write(2) on the calling goroutine's thread, not Go's poller, so
// a round trip costs what the kernel charges for a pipe wake-up and nothing
// more. Options.Poller trades that for waits that hold no P (see there).
// The child's stderr goes to a memfd, read only for error messages.
//
// Every role has the same ready handshake: once set up (its descriptors
// opened, its signal handlers in place) the role calls Ready, which writes
// ReadyLine to stdout, and Start returns only after reading it. A child
// that dies or hangs before that fails Start with its exit status and
// stderr, so a caller never sees a half-started worker. StartCmd runs an
// external command the same way, without the handshake (the command speaks
// its own protocol).
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
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// EnvRole names the role a re-executed binary plays.
const EnvRole = "CONCBENCH_ROLE"

// ReadyLine is what a role writes on its stdout, through Ready, once it is
// set up.
const ReadyLine = "ready\n"

var roles = map[string]func() int{}

// Register adds a role. main runs in the child with stdin and stdout as the
// pipes to the parent, calls Ready once it is set up, and returns the exit
// code.
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

// Ready is the child side of the handshake: it tells the parent blocked in
// Start that this role is set up.
func Ready() error {
	if _, err := os.Stdout.WriteString(ReadyLine); err != nil {
		return fmt.Errorf("proc: write ready line: %w", err)
	}
	return nil
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

// Options say how to start a role.
type Options struct {
	Env []string // added to the environment, "KEY=value"
	// Files become the child's descriptors 3, 4, ... in order. Start does
	// not close them: the caller closes its copies once Start returns.
	Files []*os.File
	// Bin is the executable that plays the role; empty means this binary.
	// It must call Serve with the role registered, as this binary does.
	Bin string
	// Poller puts the parent's ends of the child's stdin and stdout on Go's
	// poller (non-blocking, the goroutine parks in netpoll while it waits)
	// instead of raw blocking read(2) and write(2). A raw read holds the
	// caller's P until sysmon takes it back, so more children waiting than
	// GOMAXPROCS leaves the parent short of Ps; on the poller a wait holds
	// no P, for about a microsecond more per wake-up. The child's ends are
	// blocking either way.
	Poller bool
}

// Child is a running child process.
type Child struct {
	Cmd *exec.Cmd
	In  *os.File // the child's stdin: write here
	Out *os.File // the child's stdout: read here

	// The child's stderr is a memfd, not a pipe: os/exec then needs no
	// goroutine to copy it, and a spawn no wake-ups for one. It is read
	// only for an error message, and kept as text once the child is reaped.
	errMu   sync.Mutex
	errFile *os.File
	errText string

	closeOnce sync.Once
	closeErr  error
}

// Grace is how long Close waits after closing stdin before it kills.
var Grace = 2 * time.Second

// ReadyTimeout is how long Start waits for a role's ready line before it
// kills the child.
var ReadyTimeout = time.Minute

// Start runs this binary as a child playing role and returns once the role
// has called Ready.
func Start(role string, o Options) (*Child, error) {
	bin := o.Bin
	if bin == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("proc: start %s: %w", role, err)
		}
		bin = self
	}
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), EnvRole+"="+role), o.Env...)
	if os.Getenv("GORACE") == "" {
		// A race-enabled child otherwise sleeps a second at exit.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.ExtraFiles = o.Files
	c, err := startCmd(cmd, o.Poller)
	if err != nil {
		return nil, fmt.Errorf("proc: start %s: %w", role, err)
	}
	if err := c.awaitReady(); err != nil {
		return nil, fmt.Errorf("proc: start %s: child %d %w", role, c.Pid(), err)
	}
	return c, nil
}

// awaitReady reads the ready line; on any other answer the child is killed
// and reaped, and the error says how it ended.
func (c *Child) awaitReady() error {
	guard := time.AfterFunc(ReadyTimeout, func() { c.Cmd.Process.Kill() })
	var b [len(ReadyLine)]byte
	n, err := io.ReadFull(c.Out, b[:])
	timedOut := !guard.Stop()
	if err == nil && string(b[:]) == ReadyLine {
		return nil
	}
	c.Kill()
	if timedOut {
		return fmt.Errorf("not ready within %v (%s)", ReadyTimeout, c.Status())
	}
	return fmt.Errorf("not ready: read %q, %v (%s)", b[:n], err, c.Status())
}

// StartCmd starts an arbitrary command the same way, without the ready
// handshake: blocking pipes on stdin and stdout, stderr kept (its head and
// tail) for error messages, Pdeathsig set.
func StartCmd(cmd *exec.Cmd) (*Child, error) { return startCmd(cmd, false) }

func startCmd(cmd *exec.Cmd, poller bool) (*Child, error) {
	inR, inW, err := pipe(false, poller)
	if err != nil {
		return nil, err
	}
	outR, outW, err := pipe(poller, false)
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	errFd, err := unix.MemfdCreate("concbench-stderr", unix.MFD_CLOEXEC)
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, fmt.Errorf("proc: stderr memfd: %w", err)
	}
	c := &Child{Cmd: cmd, In: inW, Out: outR, errFile: os.NewFile(uintptr(errFd), "stderr")}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, c.errFile
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	err = spawn(cmd)
	closeAll(inR, outW)
	if err != nil {
		closeAll(inW, outR, c.errFile)
		return nil, fmt.Errorf("proc: start %s: %w", cmd.Path, err)
	}
	return c, nil
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

// pipe makes a pipe whose ends are blocking, so os.File does not hand them
// to the poller: reads and writes are direct system calls. An end asked
// to be polled is made non-blocking first, which os.NewFile takes as the
// sign to register it with the poller.
func pipe(pollR, pollW bool) (r, w *os.File, err error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, fmt.Errorf("proc: pipe: %w", err)
	}
	for i, poll := range [2]bool{pollR, pollW} {
		if !poll {
			continue
		}
		if err := syscall.SetNonblock(fds[i], true); err != nil {
			syscall.Close(fds[0])
			syscall.Close(fds[1])
			return nil, nil, fmt.Errorf("proc: pipe: non-blocking end: %w", err)
		}
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

// Stderr is what the child wrote to its stderr: all of it, or its head and
// tail with the middle elided (see stderrKeep).
func (c *Child) Stderr() string {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	if c.errFile == nil {
		return c.errText
	}
	h := headTail{max: stderrKeep}
	io.Copy(&h, io.NewSectionReader(c.errFile, 0, 1<<62))
	return h.String()
}

// keepStderr turns the stderr memfd into text and closes it.
func (c *Child) keepStderr() {
	text := c.Stderr()
	c.errMu.Lock()
	defer c.errMu.Unlock()
	c.errText = text
	c.errFile.Close()
	c.errFile = nil
}

// Close ends the child: stdin closed, Grace to exit, then SIGKILL; always
// reaped. The error is nil only for a clean exit with status 0.
func (c *Child) Close() error {
	return c.end(func() { c.In.Close() }, Grace)
}

// Signal sends sig and ends the child as Close does: grace to exit, then
// SIGKILL; always reaped. The error is nil only for a clean exit with
// status 0; Cmd.ProcessState says how it ended.
func (c *Child) Signal(sig syscall.Signal, grace time.Duration) error {
	return c.end(func() { c.Cmd.Process.Signal(sig) }, grace)
}

// Kill ends the child at once and reaps it.
func (c *Child) Kill() {
	c.Cmd.Process.Kill()
	c.Close()
}

// end runs stop (a failed signal means the child has already exited,
// which Wait then reports), waits up to grace for the child to exit, kills it after
// that, reaps it and closes both pipes. Only the first call does anything.
func (c *Child) end(stop func(), grace time.Duration) error {
	c.closeOnce.Do(func() {
		stop()
		kill := time.AfterFunc(grace, func() { c.Cmd.Process.Kill() })
		c.closeErr = c.Cmd.Wait()
		if !kill.Stop() {
			c.closeErr = fmt.Errorf("killed after %v grace: %w", grace, c.closeErr)
		}
		c.keepStderr()
		c.In.Close()
		c.Out.Close()
		if c.closeErr != nil {
			c.closeErr = fmt.Errorf("child %d: %w%s", c.Pid(), c.closeErr, c.stderrSuffix())
		}
	})
	return c.closeErr
}

// Status describes how the child ended, with its stderr, for error
// messages; "running" before it has been reaped (by Close, Signal or
// Kill). It changes nothing.
func (c *Child) Status() string {
	st := c.Cmd.ProcessState
	if st == nil {
		return "running" + c.stderrSuffix()
	}
	return st.String() + c.stderrSuffix()
}

func (c *Child) stderrSuffix() string {
	if s := c.Stderr(); s != "" {
		return "; stderr: " + s
	}
	return ""
}

// stderrKeep is how much of a child's stderr is kept at each end. A Go
// panic's cause is its first line and a stack can run to many kilobytes, so
// keeping only the tail would lose the cause.
const stderrKeep = 4 << 10

// headTail keeps the first max and the last max bytes written to it.
type headTail struct {
	mu     sync.Mutex
	max    int
	head   []byte
	tail   []byte // the last bytes after head, up to 2*max before trimming
	elided int64
}

func (h *headTail) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(p)
	if room := h.max - len(h.head); room > 0 {
		k := min(room, len(p))
		h.head = append(h.head, p[:k]...)
		p = p[k:]
	}
	h.tail = append(h.tail, p...)
	if over := len(h.tail) - h.max; over > 0 && len(h.tail) >= 2*h.max {
		h.elided += int64(over)
		h.tail = append(h.tail[:0], h.tail[over:]...)
	}
	return n, nil
}

func (h *headTail) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	tail, elided := h.tail, h.elided
	if over := len(tail) - h.max; over > 0 {
		tail, elided = tail[over:], elided+int64(over)
	}
	if elided == 0 {
		return strings.TrimSpace(string(h.head) + string(tail))
	}
	return strings.TrimSpace(fmt.Sprintf("%s\n… %d bytes elided …\n%s", h.head, elided, tail))
}
