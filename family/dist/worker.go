package dist

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/concbench/concbench/family/dist/netns"
	"github.com/concbench/concbench/proc"
)

// RoleWorker is the Go worker process's role: it enters its host's
// namespace, connects to the master, says ready, and serves tasks until the
// master closes or its stdin does.
const RoleWorker = "dist-worker"

// The worker's configuration travels in its environment.
const (
	envQueue  = "CONCBENCH_DIST_QUEUE"
	envAddr   = "CONCBENCH_DIST_ADDR"
	envNS     = "CONCBENCH_DIST_NS"
	envTask   = "CONCBENCH_DIST_TASK"
	envSecret = "CONCBENCH_DIST_SECRET"
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

// workerMain is one worker: it serves queue at addr until the run ends.
// Call it after joining the host's namespace, if any.
func workerMain(queue Queue, addr, secret string, task Task, fault string, ready func() error) error {
	compute, err := newComputer(task)
	if err != nil {
		return err
	}
	do, err := faulty(compute, fault)
	if err != nil {
		return err
	}
	var run func(net.Conn, step) error
	switch queue {
	case Manager, LocalManager:
		run = managerWorker
	case LocalPipe:
		return pipeWorker(do, ready)
	case Stream:
		run = streamWorker
	case NATS, JetStream:
		return natsWorker(queue, addr, secret, task, do, ready)
	default:
		return fmt.Errorf("no Go worker for queue %q", queue)
	}
	c, err := dial(addr, secret)
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
// until the master ends the run (concbench dist worker).
func Work(q Queue, addr, secret string, t Task) error {
	if q == PythonManager {
		return fmt.Errorf("dist: a python-manager worker is dist_worker.py, not concbench")
	}
	return workerMain(q, addr, secret, t, "", func() error { return nil })
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
	err := workerMain(Queue(os.Getenv(envQueue)), os.Getenv(envAddr), os.Getenv(envSecret),
		Task(os.Getenv(envTask)), os.Getenv(EnvFault), proc.Ready)
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench dist-worker:", err)
		return 1
	}
	return 0
}
