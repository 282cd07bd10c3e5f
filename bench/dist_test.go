package bench

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/concbench/concbench/family/distributed"
	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/internal/netns"
	"github.com/concbench/concbench/model"
)

func init() {
	declareUnit("tasks/s", "better=higher")
	declareUnit("p50-ns", "better=lower")
	declareUnit("p99-ns", "better=lower")
	declareUnit("master-cpu-ns/task", "better=lower")
	declareUnit("wire-B/task", "better=lower")
	declareUnit("link-rtt-ns", "better=lower")
	declareUnit("lost-tasks", "better=lower assume=exact")
	declareUnit("redelivered", "better=lower assume=exact")
	declareUnit("duplicates", "better=lower assume=exact")
	declareUnit("done-at-fault", "better=lower assume=exact")
}

// distPoint is one point of the matrix.
type distPoint struct {
	queue        distributed.Queue
	task         distributed.Task
	hosts, procs int
	rtt          time.Duration
}

func (p distPoint) name() string {
	rtt := "0"
	if p.rtt > 0 {
		rtt = p.rtt.String()
	}
	return fmt.Sprintf("queue=%s/hosts=%d/procs=%d/rtt=%s/task=%s", p.queue, p.hosts, p.procs, rtt, p.task)
}

// distHosts makes n worker hosts, removed when tb ends; without root or ip
// it skips tb with the one line that says which is missing.
func distHosts(tb testing.TB, n int) *netns.Hosts {
	if err := deps.Check(deps.Namespaces...); err != nil {
		tb.Skip(err)
	}
	h, err := netns.Create(n)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := h.Close(); err != nil {
			tb.Error(err)
		}
	})
	return h
}

// distSkip says why a queue cannot run here, or "": internal/deps's one
// line naming what is missing.
func distSkip(q distributed.Queue) string {
	var d deps.Dep
	switch q {
	case distributed.PythonManager:
		d = deps.Python3
	case distributed.NATS, distributed.JetStream:
		d = natsDep
	default:
		return ""
	}
	if err := d.Check(); err != nil {
		return err.Error()
	}
	return ""
}

// natsDep is what distSkip checks for the nats queues (a test moves it).
var natsDep = deps.NATS

// BenchmarkDistributed answers the seeds' multiprocessing.managers section:
// what does a master/worker queue cost across hosts, and what does a
// network round trip per item do to it?
//
// Each host is a network namespace on a bridge (package netns); the master
// listens on the bridge, procs worker processes run in each host, and rtt
// is a delay on every packet of the hosts' links. One op = one task put by the
// master; the results of every op are awaited (and timed) after the loop
// and each is checked against the answer table, with an exact count.
// tasks/s is ops over that whole time; p50/p99 come from single tasks
// run one at a time afterwards (master put → verified result);
// master-cpu-ns/task is the master's own CPU (its broker's included: the
// nats queues' nats-server is the master's child); wire-B/task counts the bytes on the hosts' links, headers
// included; link-rtt-ns is the round trip TCP itself measured on the
// master's connections (netns.Hosts.LinkRTT).
func BenchmarkDistributed(b *testing.B) {
	h := distHosts(b, 4)
	for _, p := range distPoints() {
		b.Run(p.name(), func(b *testing.B) { benchDist(b, h, p, "") })
	}
}

// distPoints is the matrix: every queue across 1, 2 and 4 hosts of one
// worker process and one host of two, at rtt 0 and 1ms, with the seeds'
// square task; the sha256 task at rtt 0. python-manager runs the seeds'
// task only, at 1 and 2 hosts (two processes on one host at rtt 0 only):
// each of its workers takes a third of a second to connect.
func distPoints() []distPoint {
	topo := [][2]int{{1, 1}, {1, 2}, {2, 1}, {4, 1}} // hosts, procs
	var out []distPoint
	for _, q := range distributed.RemoteQueues() {
		for _, t := range topo {
			for _, rtt := range []time.Duration{0, time.Millisecond} {
				for _, task := range distributed.Tasks() {
					py := q == distributed.PythonManager
					if task == distributed.SHA256 && (rtt > 0 || py) || py && (t[0] == 4 || t[1] == 2 && rtt > 0) {
						continue
					}
					out = append(out, distPoint{q, task, t[0], t[1], rtt})
				}
			}
		}
	}
	return out
}

// benchDist runs one leaf; role, if not "", is a broken worker's (a
// helper role of fault_test.go) for the tests that require a failure.
func benchDist(b *testing.B, h *netns.Hosts, p distPoint, role string) {
	atProcs(b)
	if why := distSkip(p.queue); why != "" {
		b.Skip(why)
	}
	cfg := distributed.Config{Queue: p.queue, Task: p.task, Hosts: h, NHosts: p.hosts, Procs: p.procs,
		RTT: p.rtt, Secret: "concbench", Role: role}
	if role != "" {
		cfg.Quiet = time.Second // a planted fault's run fails soon
	}
	c, err := distributed.Start(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			b.Error(err)
		}
	}()
	cpu0, err := c.CPU()
	if err != nil {
		b.Fatal(err)
	}
	wire0, err := h.WireBytes(p.hosts)
	if err != nil {
		b.Fatal(err)
	}
	timeTasks(b, c, func() {
		cpu1, err := c.CPU()
		if err != nil {
			b.Fatal(err)
		}
		wire1, err := h.WireBytes(p.hosts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "master-cpu-ns/task")
		b.ReportMetric(float64(wire1-wire0)/float64(b.N), "wire-B/task")
		rtt, err := h.LinkRTT(p.hosts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rtt), "link-rtt-ns")
	})
}

// The link-rtt-ns a row reports is the round trip its name says, within
// 10% (plus rtt=0's, measured in the same run).
func TestDistLinkRTT(t *testing.T) {
	h := distHosts(t, 1)
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	bt.Value.Set("100x") // min_rtt needs a few round trips, not a second of them
	defer bt.Value.Set(old)
	var got [2]float64
	for i, rtt := range []time.Duration{0, time.Millisecond} {
		p := distPoint{distributed.Manager, distributed.Square, 1, 1, rtt}
		r := testing.Benchmark(func(b *testing.B) { benchDist(b, h, p, "") })
		if got[i] = r.Extra["link-rtt-ns"]; r.N == 0 || got[i] == 0 {
			t.Fatalf("%s: no link-rtt-ns (%v)", p.name(), r)
		}
	}
	t.Logf("link-rtt-ns: %.0f at rtt=0, %.0f at rtt=1ms", got[0], got[1])
	if ms := float64(time.Millisecond); got[1] < 0.9*ms || got[1] > 1.1*ms+got[0] {
		t.Errorf("rtt=1ms row: link-rtt-ns %.0f, want 1ms ±10%% (+%.0f, rtt=0's)", got[1], got[0])
	}
}

// timeTasks is the measured part of every dist benchmark: one task put per
// loop iteration, every result awaited (timed) and checked, after (if not
// nil) run with the loop's counters still fresh, then single tasks timed
// one at a time for p50/p99.
func timeTasks(b *testing.B, c *distributed.Cluster, after func()) {
	t0 := time.Now()
	for b.Loop() {
		if _, err := c.Put(); err != nil {
			b.Fatal(err)
		}
	}
	b.StartTimer()
	st, err := c.Wait()
	b.StopTimer()
	elapsed := time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	if st.Duplicates != 0 || st.Redelivered != 0 {
		b.Fatalf("%d results repeated, %d tasks redelivered in a run without faults", st.Duplicates, st.Redelivered)
	}
	if after != nil {
		after()
	}
	lat, err := c.Single(min(b.N, 200))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
	b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
}

// BenchmarkManagerQueue answers the seeds' remark that Pool workers need
// Manager().Queue(): on one machine, what does a queue proxied through a
// manager process cost beside a plain pipe queue, in Go and in the seeds'
// Python?
//
// One op = one task (the seeds' n*n) put by the master and, after the
// loop, its result taken and checked, as in BenchmarkDistributed; procs
// worker processes. queue=manager: the queues live in a manager process
// and every put and get, the master's and the workers', is a proxy call
// (Go: role dist-manager; Python: multiprocessing.Manager().Queue());
// queue=pipe: a shared task pipe and a shared result pipe (Go: 16-byte
// frames; Python: multiprocessing.Queue()). model=process is Go's worker
// processes, model=python-process multiprocessing.Process workers.
func BenchmarkManagerQueue(b *testing.B) {
	for _, c := range []struct {
		queue string
		kind  model.Kind
		q     distributed.Queue
	}{
		{"manager", model.KindProcess, distributed.LocalManager},
		{"pipe", model.KindProcess, distributed.LocalPipe},
		{"manager", model.KindPythonProcess, distributed.PythonLocalManager},
		{"pipe", model.KindPythonProcess, distributed.PythonLocalPipe},
	} {
		p := distPoint{queue: c.q, task: distributed.Square, procs: 2}
		b.Run("queue="+c.queue+"/model="+string(c.kind)+"/procs=2", func(b *testing.B) { benchManagerQueue(b, c.kind, p) })
	}
}

func benchManagerQueue(b *testing.B, k model.Kind, p distPoint) {
	atProcs(b)
	if k.Python() {
		if _, err := model.Interpreter(k); err != nil {
			b.Skip(err)
		}
	}
	c, err := distributed.Start(distributed.Config{Queue: p.queue, Task: p.task, Procs: p.procs, Secret: "concbench"})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			b.Error(err)
		}
	}()
	timeTasks(b, c, nil)
}

// faultTasks is how many tasks a fault run puts, all at once; the fault
// strikes once faultShare of them have results.
const (
	faultTasks = 1000
	faultShare = faultTasks / 4
)

// BenchmarkDistributedFault answers: which queues lose the tasks a dead
// worker or a dead link held, and which hand them to another worker?
//
// Two hosts, one worker process each, no added delay, the sha256 task
// (square for python-manager). One op = put faultTasks tasks at once (no
// window: each queue holds or pushes them as it does); once a quarter of
// them have results, the fault strikes (fault=kill: SIGKILL to a worker
// process; fault=link-down: one host's link set down) from the goroutine
// that checks results, between two of them (distributed.Cluster.InjectAt); then
// the master waits until every task has a verified result or none has
// come for 2s.
// Per op: done-at-fault is the results in when the fault struck,
// lost-tasks the tasks with no result at the end, redelivered the tasks
// the queue handed out a second time, duplicates the results that came
// twice. A wrong result still fails the run.
func BenchmarkDistributedFault(b *testing.B) {
	h := distHosts(b, 2)
	for _, q := range distributed.RemoteQueues() {
		for _, f := range []string{distributed.FaultKill, distributed.FaultLinkDown} {
			b.Run("queue="+string(q)+"/fault="+f, func(b *testing.B) { benchFault(b, h, q, f) })
		}
	}
}

// faultConfig has short timers, so that a lossy queue's run ends soon
// after the loss: a stream connection stalled for 300ms, a JetStream task
// unacked for 300ms, are taken back. The wait ends after 2s without a
// result: longer than a dead JetStream worker's pull requests live (1s,
// the workers' PullExpiry), which may take redeliveries until they expire,
// so that a task counted lost is lost, not late. Outstanding lets every
// task in at once.
func faultConfig(q distributed.Queue, h *netns.Hosts) distributed.Config {
	task := distributed.SHA256 // long enough that the fault strikes with tasks out
	if q == distributed.PythonManager {
		task = distributed.Square // the seeds' task, slow enough in Python
	}
	return distributed.Config{Queue: q, Task: task, Hosts: h, NHosts: 2, Procs: 1, Secret: "concbench",
		Quiet: 2 * time.Second, Stall: 300 * time.Millisecond, AckWait: 300 * time.Millisecond, Outstanding: faultTasks}
}

// faultOutcome is one op of BenchmarkDistributedFault.
type faultOutcome struct {
	distributed.Stats
	doneAtFault int
}

func benchFault(b *testing.B, h *netns.Hosts, q distributed.Queue, fault string) {
	atProcs(b)
	if why := distSkip(q); why != "" {
		b.Skip(why)
	}
	var runs []faultOutcome
	for b.Loop() {
		o, err := faultRun(h, q, fault)
		if err != nil {
			b.Fatal(err)
		}
		runs = append(runs, o)
	}
	for unit, v := range faultMetrics(runs) {
		b.ReportMetric(v, unit)
	}
}

// faultMetrics are the per-op means of the fault runs: redeliveries and
// duplicate results apart (a JetStream task delivered twice whose both
// results came back is 1 redelivered and 1 duplicate).
func faultMetrics(runs []faultOutcome) map[string]float64 {
	var done, lost, redo, dups int64
	for _, o := range runs {
		done += int64(o.doneAtFault)
		lost += int64(o.Lost)
		redo += o.Redelivered
		dups += int64(o.Duplicates)
	}
	n := float64(max(len(runs), 1))
	return map[string]float64{"done-at-fault": float64(done) / n, "lost-tasks": float64(lost) / n,
		"redelivered": float64(redo) / n, "duplicates": float64(dups) / n}
}

// faultRun is one op of BenchmarkDistributedFault; a loss is a result, not
// an error.
func faultRun(h *netns.Hosts, q distributed.Queue, fault string) (faultOutcome, error) {
	c, err := distributed.Start(faultConfig(q, h))
	if err != nil {
		return faultOutcome{}, err
	}
	defer c.Close() // the victim's exit status is the fault's doing
	defer h.SetLink(0, true)
	c.InjectAt(faultShare, fault)
	for range faultTasks {
		if _, err := c.Put(); err != nil {
			return faultOutcome{}, err
		}
	}
	var o faultOutcome
	o.Stats, err = c.Wait()
	struck, done, ferr := c.Struck()
	switch {
	case ferr != nil:
		return o, ferr
	case !struck:
		return o, fmt.Errorf("%s: the fault never struck (%d results in, want %d)", q, c.Done(), faultShare)
	}
	o.doneAtFault = done
	if err != nil && !strings.Contains(err.Error(), "lost") {
		return o, err
	}
	return o, nil
}

// The fault strikes when its share of the results is in, not once the
// put loop has let most tasks through (all 1000 were put behind a window
// of 256, so a quarter was in long before the last put: 744–775 done),
// nor when the caller's goroutine next runs.
func TestDistFaultStrikesAtItsShare(t *testing.T) {
	h := distHosts(t, 2)
	for _, q := range []distributed.Queue{distributed.Manager, distributed.ManagerProcess, distributed.Stream} {
		o, err := faultRun(h, q, distributed.FaultKill)
		if err != nil {
			t.Fatal(err)
		}
		if o.doneAtFault != faultShare {
			t.Errorf("%s: the fault struck with %d of %d results in, want %d", q, o.doneAtFault, faultTasks, faultShare)
		}
		if o.Distinct+o.Lost != faultTasks {
			t.Errorf("%s: %d answered + %d lost, want %d", q, o.Distinct, o.Lost, faultTasks)
		}
	}
}

func TestDistFaultMetricsApart(t *testing.T) {
	runs := []faultOutcome{{Stats: distributed.Stats{Lost: 2, Redelivered: 1, Duplicates: 1}, doneAtFault: 250},
		{Stats: distributed.Stats{Redelivered: 3}, doneAtFault: 252}}
	got := faultMetrics(runs)
	want := map[string]float64{"done-at-fault": 251, "lost-tasks": 1, "redelivered": 2, "duplicates": 0.5}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

// TestDistFailsOnDroppedResult and TestDistFailsOnCorruptResult plant a
// fault in a Go worker and require BenchmarkDistributed's leaf to fail
// (testing.Benchmark reports N=0 for a failed benchmark): a result that
// never comes, or comes wrong, must not be timed.
func TestDistFailsOnDroppedResult(t *testing.T) { distMustFail(t, "drop") }
func TestDistFailsOnCorruptResult(t *testing.T) { distMustFail(t, "corrupt") }

func distMustFail(t *testing.T, fault string) {
	role := leakcheck.UseHelper(distFaultRole(fault)) // used, even where the test skips
	h := distHosts(t, 1)
	for _, q := range []distributed.Queue{distributed.Manager, distributed.ManagerProcess, distributed.Stream, distributed.NATS, distributed.JetStream} {
		if why := distSkip(q); why != "" {
			t.Log(why) // the benchmark would skip, not fail
			continue
		}
		p := distPoint{q, distributed.Square, 1, 1, 0}
		r := testing.Benchmark(func(b *testing.B) { benchDist(b, h, p, role) })
		if r.N != 0 {
			t.Errorf("%s with fault %s: benchmark passed (%v)", q, fault, r)
		}
	}
}

// Without nats-server the nats rows skip with one line that names the
// Debian package.
func TestDistSkipNamesNATSPackage(t *testing.T) {
	old := natsDep
	natsDep.Path = "/nonexistent/nats-server"
	defer func() { natsDep = old }()
	for _, q := range []distributed.Queue{distributed.NATS, distributed.JetStream} {
		why := distSkip(q)
		if !strings.Contains(why, "Debian's nats-server") || strings.Contains(why, "\n") {
			t.Errorf("%s: skip reason %q, want one line naming the Debian package", q, why)
		}
	}
	if why := distSkip(distributed.Stream); why != "" {
		t.Errorf("stream skipped without nats-server: %q", why)
	}
}
