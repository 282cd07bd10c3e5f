//go:build linux

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/concbench/concbench/family/distributed"
)

// runDist is the distributed family on real machines: the same master and
// worker roles as BenchmarkDistributed, over the real network between
// them. The master prints benchfmt lines, so a user with two servers gets
// the same table (docs/distributed.md).
func runDist(args []string, stdout, stderr io.Writer) error {
	role := "" // dist -h alone prints the usage of both roles
	if len(args) > 0 && (args[0] == "master" || args[0] == "worker") {
		role, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(strings.TrimSpace("dist "+role), flag.ContinueOnError)
	queue := fs.String("queue", string(distributed.Manager), "queue: manager, manager-process, stream, nats or nats-jetstream\n"+
		"(python-manager is family/distributed/dist_master.py and dist_worker.py)")
	task := fs.String("task", string(distributed.Square), "task: square (the seeds' n*n) or sha256")
	secretFile := fs.String("secret-file", "", "read the shared secret (the seeds' authkey) from `file`; default $"+secretEnv)
	listen := fs.String("listen", "", "master: address to listen on, host:port (required)")
	connect := fs.String("connect", "", "worker: the master's address, host:port (required)")
	tasks := fs.Int("tasks", 10000, "master: tasks to run")
	single := fs.Int("single", 200, "master: tasks timed one at a time after the run, for p50/p99")
	quiet := fs.Duration("quiet", time.Minute, "master: give up after this long without a result, or without -workers")
	workers := fs.Int("workers", 1, "master: wait for this many workers to be let in before the first task")
	handshake := fs.Duration("handshake", distributed.DefaultHandshakeTimeout, "bound on a connection's authentication")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: concbench dist master -listen HOST:PORT [flags]
       concbench dist worker -connect HOST:PORT [flags]

The seeds' distributed master/worker across real machines. Start the
master, then workers with the same -queue, -task and secret; once -workers
have proved the secret the master puts -tasks tasks (workers that connect
later take what is left), checks every result, and prints benchfmt lines:
tasks/s, p50/p99 of single tasks, master CPU per task. The secret comes
from $%s or -secret-file, never the command line, which every
user of the machine can read.

`, secretEnv)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	q, t := distributed.Queue(*queue), distributed.Task(*task)
	switch {
	case role == "":
		return fmt.Errorf("want dist master or dist worker (usage: concbench dist -h)")
	case fs.NArg() != 0:
		return fmt.Errorf("unexpected argument %q (usage: concbench dist %s -h)", fs.Arg(0), role)
	case q == distributed.PythonManager:
		return fmt.Errorf("-queue python-manager: run family/distributed/dist_master.py and dist_worker.py instead")
	case *quiet <= 0 || *handshake <= 0:
		return fmt.Errorf("-quiet %v, -handshake %v: each must be positive (usage: concbench dist %s -h)", *quiet, *handshake, role)
	}
	secret, err := readSecret(*secretFile)
	if err != nil {
		return err
	}
	cfg := distributed.Config{Queue: q, Task: t, Secret: secret, Quiet: *quiet, HandshakeTimeout: *handshake}
	switch {
	case role == "worker" && *connect == "":
		return fmt.Errorf("-connect is required (usage: concbench dist worker -h)")
	case role == "worker":
		if err := distributed.Work(cfg, *connect); err != nil {
			return failed(err)
		}
		return nil
	case *listen == "":
		return fmt.Errorf("-listen is required (usage: concbench dist master -h)")
	case *tasks < 1 || *single < 1 || *workers < 1:
		return fmt.Errorf("-tasks %d, -single %d, -workers %d: each must be at least 1", *tasks, *single, *workers)
	}
	cfg.Listen, cfg.NoWorkers = *listen, true
	c, err := distributed.Start(cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(stderr, "concbench dist: %s master listening on %s, waiting for %d workers\n", q, c.Addr(), *workers)
	if err := c.AwaitWorkers(*workers, *quiet); err != nil {
		return failed(err)
	}
	return distMaster(c, q, t, *tasks, *single, stdout)
}

// secretEnv holds the shared secret when -secret-file is not given.
const secretEnv = "CONCBENCH_SECRET"

// readSecret is the shared secret: the file's first line, else $CONCBENCH_SECRET.
func readSecret(file string) (string, error) {
	if file == "" {
		if s := os.Getenv(secretEnv); s != "" {
			return s, nil
		}
		return "", fmt.Errorf("no secret: set %s or give -secret-file (usage: concbench dist master -h)", secretEnv)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("-secret-file: %w", err)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	if s = strings.TrimSuffix(s, "\r"); s == "" {
		return "", fmt.Errorf("-secret-file %s: empty first line", file)
	}
	return s, nil
}

// distMaster runs the tasks and prints the result lines.
func distMaster(c *distributed.Cluster, q distributed.Queue, t distributed.Task, tasks, single int, stdout io.Writer) error {
	cpu0, err := c.CPU()
	if err != nil {
		return err
	}
	t0 := time.Now()
	for range tasks {
		if _, err := c.Put(); err != nil {
			return failed(err)
		}
	}
	if _, err := c.Wait(); err != nil {
		return failed(err)
	}
	elapsed := time.Since(t0)
	cpu1, err := c.CPU()
	if err != nil {
		return err
	}
	lat, err := c.Single(single)
	if err != nil {
		return failed(err)
	}
	fmt.Fprintf(stdout, "goos: %s\ngoarch: %s\nncpu: %d\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintln(stdout, strings.Join([]string{"Unit tasks/s better=higher", "Unit p50-ns better=lower",
		"Unit p99-ns better=lower", "Unit master-cpu-ns/task better=lower"}, "\n"))
	n := float64(tasks)
	fmt.Fprintf(stdout, "BenchmarkDistributedRemote/queue=%s/task=%s %d %.0f ns/op %.1f tasks/s %d p50-ns %d p99-ns %.0f master-cpu-ns/task\n",
		q, t, tasks, float64(elapsed.Nanoseconds())/n, n/elapsed.Seconds(),
		lat[len(lat)/2].Nanoseconds(), lat[len(lat)*99/100].Nanoseconds(), float64(cpu1-cpu0)/n)
	return nil
}
