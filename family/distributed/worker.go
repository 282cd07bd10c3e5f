package distributed

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
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
	// EnvFault makes workers misbehave, for the tests that prove a
	// benchmark fails: drop@K drops the K-th result, corrupt@K flips a bit
	// of it (K counts from 1, per worker).
	EnvFault = "CONCBENCH_DIST_FAULT"
)

func init() { proc.Register(RoleWorker, serveWorker) }

// step runs one task: the value to send, or send=false to drop it.
type step func(arg uint64) (v uint64, send bool, err error)

// faulty wraps compute with the fault named in spec ("" for none).
func faulty(compute computer, spec string) (step, error) {
	kind, at, _ := strings.Cut(spec, "@")
	k, err := strconv.Atoi(at)
	if spec != "" && (err != nil || k < 1 || kind != "drop" && kind != "corrupt") {
		return nil, fmt.Errorf("%s=%q: want drop@K or corrupt@K", EnvFault, spec)
	}
	n := 0
	return func(arg uint64) (uint64, bool, error) {
		v, err := compute(arg)
		n++
		if n != k {
			return v, true, err
		}
		return v ^ 1, kind == "corrupt", err
	}, nil
}

// workerEnv is a worker process's configuration: cfg's queue, task,
// secret, fault and timers, its host's namespace ns and the master's addr.
func workerEnv(cfg Config, ns, addr string) []string {
	return []string{envQueue + "=" + string(cfg.Queue), envAddr + "=" + addr, envNS + "=" + ns,
		envTask + "=" + string(cfg.Task), envSecret + "=" + cfg.Secret, EnvFault + "=" + cfg.Fault,
		envHandshake + "=" + cfg.HandshakeTimeout.String(), envPullExpiry + "=" + cfg.PullExpiry.String()}
}

// workerConfig reads workerEnv's variables.
func workerConfig() (Config, error) {
	cfg := Config{Queue: Queue(os.Getenv(envQueue)), Task: Task(os.Getenv(envTask)),
		Secret: os.Getenv(envSecret), Fault: os.Getenv(EnvFault)}
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

// workerMain is one worker: it serves cfg.Queue at addr until the run ends.
// Call it after joining the host's namespace, if any.
func workerMain(cfg Config, addr string, ready func() error) error {
	compute, err := newComputer(cfg.Task)
	if err != nil {
		return err
	}
	do, err := faulty(compute, cfg.Fault)
	if err != nil {
		return err
	}
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
	return workerMain(cfg.withDefaults(), addr, func() error { return nil })
}

func serveWorker() int {
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
		err = workerMain(cfg, os.Getenv(envAddr), proc.Ready)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench dist-worker:", err)
		return 1
	}
	return 0
}
