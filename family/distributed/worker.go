package distributed

import (
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/concbench/concbench/internal/netns"
	"github.com/concbench/concbench/proc"
)

// RoleWorker is the Go worker process's role: it enters its host's
// namespace, connects to the master, says ready, and serves tasks until the
// master closes or its stdin does.
const RoleWorker = "dist-worker"

// The worker's configuration travels in its environment.
const (
	envQueue      = "CONCBENCH_DIST_QUEUE"
	envAddr       = "CONCBENCH_DIST_ADDR"
	envNS         = "CONCBENCH_DIST_NS"
	envTask       = "CONCBENCH_DIST_TASK"
	envSecret     = "CONCBENCH_DIST_SECRET"
	envHandshake  = "CONCBENCH_DIST_HANDSHAKE"
	envPullExpiry = "CONCBENCH_DIST_PULL_EXPIRY"
)

func init() { proc.Register(RoleWorker, func() int { return ServeWorker(nil) }) }

// step runs one task: the value to send, or send=false to drop it.
type step func(arg uint64) (v uint64, send bool, err error)

// A Tamper sees the result v of a worker's task-th task (counting from 1)
// before the worker sends it, and answers what to send instead, or
// send=false to drop it. Tests plant faults with it: a wrong result, a
// result that never comes.
type Tamper func(task int, v uint64) (out uint64, send bool)

// tampered is compute as a step, its results passed through tamper (nil:
// as they are).
func tampered(compute computer, tamper Tamper) step {
	n := 0
	return func(arg uint64) (uint64, bool, error) {
		v, err := compute(arg)
		n++
		if tamper == nil {
			return v, true, err
		}
		v, send := tamper(n, v)
		return v, send, err
	}
}

// workerEnv is a worker process's configuration: cfg's queue, task,
// secret and timers, its host's namespace ns and the master's addr.
func workerEnv(cfg Config, ns, addr string) []string {
	return []string{envQueue + "=" + string(cfg.Queue), envAddr + "=" + addr, envNS + "=" + ns,
		envTask + "=" + string(cfg.Task), envSecret + "=" + cfg.Secret,
		envHandshake + "=" + cfg.HandshakeTimeout.String(), envPullExpiry + "=" + cfg.PullExpiry.String()}
}

// workerConfig reads workerEnv's variables.
func workerConfig() (Config, error) {
	cfg := Config{Queue: Queue(os.Getenv(envQueue)), Task: Task(os.Getenv(envTask)),
		Secret: os.Getenv(envSecret)}
	for _, v := range []struct {
		env string
		d   *time.Duration
	}{{envHandshake, &cfg.HandshakeTimeout}, {envPullExpiry, &cfg.PullExpiry}} {
		d, err := time.ParseDuration(os.Getenv(v.env))
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", v.env, err)
		}
		*v.d = d
	}
	return cfg.withDefaults(), nil
}

// workerMain is one worker: it serves cfg.Queue at addr until the run ends,
// its results passed through tamper (nil: as they are). Call it after
// joining the host's namespace, if any.
func workerMain(cfg Config, addr string, ready func() error, tamper Tamper) error {
	compute, err := newComputer(cfg.Task)
	if err != nil {
		return err
	}
	do := tampered(compute, tamper)
	var run func(net.Conn, step) error
	switch cfg.Queue {
	case Manager, LocalManager, ManagerProcess:
		run = managerWorker
	case LocalPipe:
		return pipeWorker(do, ready)
	case Stream:
		run = streamWorker
	case NATS, JetStream:
		return natsWorker(cfg, addr, do, ready)
	default:
		return fmt.Errorf("no Go worker for queue %q", cfg.Queue)
	}
	c, err := dial(addr, cfg.Secret, cfg.HandshakeTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := ready(); err != nil {
		return err
	}
	return run(c, do)
}

// Work runs one Go worker in this process against the master at addr
// until the master ends the run (concbench dist worker): cfg gives the
// queue, the task, the secret and the timers.
func Work(cfg Config, addr string) error {
	if cfg.Queue == PythonManager {
		return fmt.Errorf("dist: a python-manager worker is dist_worker.py, not concbench")
	}
	return workerMain(cfg.withDefaults(), addr, func() error { return nil }, nil)
}

// ServeWorker is the Go worker process, the body of RoleWorker: it enters
// its host's namespace, connects to the master and serves tasks until the
// master closes or its stdin does. tamper, when not nil, may change or
// drop its results.
func ServeWorker(tamper Tamper) int {
	if ns := os.Getenv(envNS); ns != "" {
		if err := netns.Join(ns); err != nil { // before any socket
			fmt.Fprintln(os.Stderr, "concbench dist-worker:", err)
			return 1
		}
	}
	// The parent ends a worker by closing its stdin.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	cfg, err := workerConfig()
	if err == nil {
		err = workerMain(cfg, os.Getenv(envAddr), proc.Ready, tamper)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench dist-worker:", err)
		return 1
	}
	return 0
}
