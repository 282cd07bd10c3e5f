// Package distributed is the seeds' distributed master/worker
// (multiprocessing.managers): a master serves a task queue and a result
// queue, workers take tasks and put results. It runs the same roles over
// several queues so that their costs can be compared. Across hosts
// (RemoteQueues):
//
//	manager          the master is the manager: it keeps the queues in its
//	                 own process, and a worker's every get and every put is
//	                 one request/response over TCP, as a Python proxy call
//	                 is (2 round trips a task, both across the link)
//	manager-process  the seeds' shape: a manager process of its own keeps
//	                 the queues; the master's puts and gets are proxy calls
//	                 to it on the master's host, the workers' across the
//	                 link (4 round trips a task, 2 of them local)
//	stream           one connection per worker, credit-based push of tasks,
//	                 results streamed back
//	python-manager   the seeds' own BaseManager master and workers (python3),
//	                 the shape of manager-process
//	nats             Debian's nats-server, workers in a queue group
//	nats-jetstream   a JetStream work-queue stream with explicit acks
//
// On one machine (LocalQueues): local-manager, local-pipe and their Python
// twins python-local-manager and python-local-pipe (local.go).
//
// A caller fills a Config and calls Start, which starts the master in this
// process (or the Python master as a child), the links' delay when RTT is
// set, and Procs worker processes per host, each inside its host's network
// namespace (package netns) and started through package proc with its
// ready handshake, and returns once every worker is connected. Put hands
// the master one task; Wait waits for the results, each checked against
// the answer table as it arrives; Single times tasks one at a time; Close
// ends everything. A wrong value fails the run at once; a missing result
// fails it once nothing has arrived for Config.Quiet (never a hang), and
// the Stats say how many were lost, how many the queue handed out twice
// and how many came back twice. Every connection to a Go master starts
// with a mutual handshake on the shared secret (wire.go).
package distributed

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/netns"
	"github.com/concbench/concbench/proc"
)

// Queue names the queue between master and workers: the queue= key.
type Queue string

const (
	Manager        Queue = "manager"
	ManagerProcess Queue = "manager-process"
	Stream         Queue = "stream"
	PythonManager  Queue = "python-manager"
	NATS           Queue = "nats"
	JetStream      Queue = "nats-jetstream"
)

// RemoteQueues lists the queues that run across hosts, in the order
// reports show them.
func RemoteQueues() []Queue {
	return []Queue{Manager, ManagerProcess, Stream, PythonManager, NATS, JetStream}
}

// Queues lists every queue: RemoteQueues, then LocalQueues.
func Queues() []Queue { return append(RemoteQueues(), LocalQueues()...) }

// Config says what to start.
type Config struct {
	Queue Queue
	Task  Task
	// Hosts are the worker hosts; nil runs the workers in this namespace,
	// against Listen.
	Hosts  *netns.Hosts
	NHosts int // hosts used, from the first
	Procs  int // worker processes per host
	RTT    time.Duration
	Secret string
	// Listen is where the master listens; empty means the bridge address
	// (with Hosts) or 127.0.0.1, on a port the kernel picks.
	Listen string
	// Role is the child role the Go workers play; empty means RoleWorker.
	// Tests register broken workers (ServeWorker with a Tamper) under
	// roles of their own to prove that a broken worker fails the run.
	Role string
	// NoWorkers starts only the master (concbench dist master): workers
	// come from elsewhere.
	NoWorkers bool

	// Limits and timers; a zero field takes the default named beside it.
	Quiet            time.Duration // Wait and Put give up after this long without a new result (10s)
	Outstanding      int           // Put waits while this many tasks have no result (256)
	HandshakeTimeout time.Duration // bounds a connection's authentication (5s)
	Stall            time.Duration // stream: a connection holding tasks with no result this long loses them to the queue (1s)
	AckWait          time.Duration // nats-jetstream: a task not acked this long is delivered again (5s)
	PullExpiry       time.Duration // nats-jetstream: how long a worker's pull request lives (1s)
	NATSBin          string        // nats-server's path (deps.NATS.Path)
	NATSStartTimeout time.Duration // nats-server may take this long to accept its first client (10s)
}

// withDefaults is cfg with every zero limit set to its default.
func (cfg Config) withDefaults() Config {
	dur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	dur(&cfg.Quiet, 10*time.Second)
	dur(&cfg.HandshakeTimeout, DefaultHandshakeTimeout)
	dur(&cfg.Stall, time.Second)
	dur(&cfg.AckWait, 5*time.Second)
	dur(&cfg.PullExpiry, time.Second)
	dur(&cfg.NATSStartTimeout, 10*time.Second)
	if cfg.Outstanding == 0 {
		cfg.Outstanding = 256
	}
	if cfg.NATSBin == "" {
		cfg.NATSBin = deps.NATS.Path
	}
	return cfg
}

// master is the serving side of a queue.
type master interface {
	addr() string
	clients() int // workers connected
	put(seq, arg uint64) error
	resultsCh() <-chan pair
	redelivered() int64
	close() error
	// workerFiles are descriptors every worker process inherits (local-pipe's
	// pipe ends); workersStarted is called once they all have them.
	workerFiles() []*os.File
	workersStarted()
}

// Cluster is a running master with its workers.
type Cluster struct {
	cfg     Config
	m       master
	delay   *delay
	workers []*proc.Child
	col     *collector
	stop    chan struct{}
	wg      sync.WaitGroup
	next    uint64 // the next task's seq
	killed  map[*proc.Child]bool
	cpu     func() (time.Duration, error)
}

// Start starts the master, the links' delay and the workers.
func Start(cfg Config) (*Cluster, error) {
	cfg = cfg.withDefaults()
	ans, err := newAnswers(cfg.Task)
	if err != nil {
		return nil, err
	}
	if cfg.Queue == PythonManager && cfg.Task != Square {
		return nil, fmt.Errorf("dist: python-manager runs the seeds' square task only")
	}
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
		if cfg.Hosts != nil {
			listen = net.JoinHostPort(cfg.Hosts.Master, "0")
		}
	}
	c := &Cluster{cfg: cfg, col: newCollector(ans), stop: make(chan struct{}), cpu: selfCPU}
	if c.m, err = c.startMaster(listen); err != nil {
		return nil, err
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.col.run(c.m.resultsCh(), c.stop)
	}()
	if cfg.NoWorkers || cfg.Queue == PythonLocalManager || cfg.Queue == PythonLocalPipe {
		return c, nil // none, or the script's own
	}
	if err := c.startWorkers(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) startMaster(listen string) (master, error) {
	switch c.cfg.Queue {
	case Manager:
		return startTCP(listen, c.cfg, serveManager)
	case Stream:
		return startTCP(listen, c.cfg, serveStream)
	case NATS, JetStream:
		nm, err := startNATS(listen, c.cfg)
		if err != nil {
			return nil, err
		}
		c.cpu = nm.cpuTime
		return nm, nil
	case PythonManager:
		pm, err := startPythonMaster(listen, c.cfg.Secret)
		if err != nil {
			return nil, err
		}
		c.cpu = pm.cpuTime
		return pm, nil
	case ManagerProcess:
		pm, err := startProxyMaster(listen, c.cfg)
		if err != nil {
			return nil, err
		}
		c.cpu = pm.cpuTime
		return pm, nil
	case LocalManager:
		return startProxyMaster("127.0.0.1:0", c.cfg)
	case LocalPipe:
		return startPipeMaster()
	case PythonLocalManager, PythonLocalPipe:
		kind := strings.TrimPrefix(string(c.cfg.Queue), "python-local-")
		pm, err := startPythonLocal(kind, c.cfg.Procs)
		if err != nil {
			return nil, err
		}
		c.cpu = pm.cpuTime
		return pm, nil
	}
	return nil, fmt.Errorf("dist: unknown queue %q (have %v)", c.cfg.Queue, Queues())
}

// startWorkers starts Procs workers on each of NHosts hosts and returns
// once all are connected.
func (c *Cluster) startWorkers() error {
	addr := c.m.addr()
	if c.cfg.RTT > 0 {
		d, err := startDelay(c.cfg.Hosts, max(c.cfg.NHosts, 1), c.cfg.RTT)
		if err != nil {
			return err
		}
		c.delay = d
	}
	for h := range max(c.cfg.NHosts, 1) {
		ns := ""
		if c.cfg.Hosts != nil {
			ns = c.cfg.Hosts.Hosts[h].NS
		}
		for range c.cfg.Procs {
			w, err := c.startWorker(ns, addr)
			if err != nil {
				return err
			}
			c.workers = append(c.workers, w)
		}
	}
	c.m.workersStarted()
	return nil
}

func (c *Cluster) startWorker(ns, addr string) (*proc.Child, error) {
	if c.cfg.Queue == PythonManager {
		return startPythonWorker(ns, addr, c.cfg.Secret)
	}
	role := c.cfg.Role
	if role == "" {
		role = RoleWorker
	}
	w, err := proc.Start(role, proc.Options{Files: c.m.workerFiles(), Env: workerEnv(c.cfg, ns, addr)})
	if err != nil {
		return nil, fmt.Errorf("dist: %s worker: %w", c.cfg.Queue, err)
	}
	return w, nil
}

// Addr is where workers connect to the master.
func (c *Cluster) Addr() string { return c.m.addr() }

// AwaitWorkers waits until n workers have connected (concbench dist
// master: core NATS drops a task published before anyone subscribes).
func (c *Cluster) AwaitWorkers(n int, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); c.m.clients() < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("dist %s: %d of %d workers connected after %v", c.cfg.Queue, c.m.clients(), n, timeout)
		}
	}
	return nil
}

// Workers are the worker processes, in host order (for fault injection).
func (c *Cluster) Workers() []*proc.Child { return c.workers }

// Put hands the master the next task and returns its seq. It fails at once
// once a wrong result has come back. It waits while Config.Outstanding
// tasks have no result: a benchmark's loop then runs at the workers' pace
// and the drain after it is short, and the queues in between never hold
// more than that.
func (c *Cluster) Put() (uint64, error) {
	for {
		st, err := c.col.stats(int(c.next))
		if err != nil {
			return 0, err
		}
		if st.Lost < c.cfg.Outstanding {
			break
		}
		select {
		case <-c.col.notify:
		case <-time.After(c.cfg.Quiet):
			return 0, fmt.Errorf("dist %s: %d tasks outstanding, no result for %v", c.cfg.Queue, st.Lost, c.cfg.Quiet)
		}
	}
	seq := c.next
	c.next++
	c.col.sent(seq)
	return seq, c.m.put(seq, c.col.ans.arg(seq))
}

// Done is how many tasks have a verified result so far.
func (c *Cluster) Done() int {
	st, _ := c.col.stats(0)
	return st.Distinct
}

// Sent is how many tasks were put.
func (c *Cluster) Sent() uint64 { return c.next }

// Stats say what came back.
type Stats struct {
	Distinct    int   // tasks with a verified result
	Lost        int   // tasks put with no result
	Duplicates  int   // results for a task already answered
	Redelivered int64 // tasks the queue handed out a second time
}

// Wait waits until every task put so far has a verified result. It fails at
// once on a wrong result, and after Config.Quiet without a new result; the Stats
// are filled either way.
func (c *Cluster) Wait() (Stats, error) { return c.waitFor(int(c.next)) }

// WaitFor waits until n tasks have verified results, as Wait does.
func (c *Cluster) WaitFor(n int) error {
	_, err := c.waitFor(n)
	return err
}

func (c *Cluster) waitFor(want int) (Stats, error) {
	for {
		st, err := c.col.stats(want)
		if err != nil || st.Lost <= 0 {
			st.Redelivered = c.m.redelivered()
			return st, err
		}
		select {
		case <-c.col.notify:
		case <-time.After(c.cfg.Quiet):
			st.Redelivered = c.m.redelivered()
			return st, fmt.Errorf("dist %s: %d of %d tasks lost: no result for %v", c.cfg.Queue, st.Lost, want, c.cfg.Quiet)
		}
	}
}

// Single runs k tasks one at a time and returns each one's time from put to
// verified result, sorted.
func (c *Cluster) Single(k int) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, k)
	for range k {
		t0 := time.Now()
		if _, err := c.Put(); err != nil {
			return nil, err
		}
		if _, err := c.Wait(); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	return lat, nil
}

// Faults a run can suffer mid-way (the fault= key).
const (
	FaultKill     = "kill"      // the first worker process gets SIGKILL
	FaultLinkDown = "link-down" // the first host's link goes down
)

// Inject plants a fault.
func (c *Cluster) Inject(fault string) error {
	switch {
	case fault == FaultKill && len(c.workers) > 0:
		w := c.workers[0]
		if c.killed == nil {
			c.killed = map[*proc.Child]bool{}
		}
		c.killed[w] = true
		w.Kill()
		return nil
	case fault == FaultLinkDown && c.cfg.Hosts != nil:
		return c.cfg.Hosts.SetLink(0, false)
	}
	return fmt.Errorf("dist: cannot inject fault %q here (have kill, link-down with hosts)", fault)
}

// InjectAt arms fault to strike as soon as n tasks have verified results:
// it runs on the goroutine that checks the results, between two of them,
// so the moment does not depend on when the caller's goroutine runs or how
// long its puts take. Call it before the first Put; Struck says when it
// struck.
func (c *Cluster) InjectAt(n int, fault string) {
	c.col.mu.Lock()
	defer c.col.mu.Unlock()
	c.col.strikeAt, c.col.strike = n, func() error { return c.Inject(fault) }
}

// Struck says whether the fault armed by InjectAt has struck, how many
// tasks had verified results then, and the injection's error.
func (c *Cluster) Struck() (struck bool, done int, err error) {
	c.col.mu.Lock()
	defer c.col.mu.Unlock()
	return c.col.struck, c.col.doneAt, c.col.strikeErr
}

// CPU is the master's CPU time so far.
func (c *Cluster) CPU() (time.Duration, error) { return c.cpu() }

// Close ends the workers, the links' delay and the master. The error is the
// first worker that did not exit cleanly, if any.
func (c *Cluster) Close() error {
	var errs []error
	// The master first: a manager worker blocked in get is answered
	// "closed", a stream worker sees EOF, and both exit 0.
	errs = append(errs, c.m.close())
	for _, w := range c.workers {
		if err := w.Close(); err != nil && !c.killed[w] {
			errs = append(errs, fmt.Errorf("dist: worker %d: %s", w.Pid(), w.Status()))
		}
	}
	if c.delay != nil {
		errs = append(errs, c.delay.Close())
	}
	close(c.stop)
	c.wg.Wait()
	return errors.Join(errs...)
}
