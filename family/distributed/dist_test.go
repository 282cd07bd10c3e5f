package distributed

import (
	"strings"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/internal/netns"
	"github.com/concbench/concbench/model"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

// run starts cfg, puts n tasks and waits for them. A Put error is the
// run's error: a planted fault may be found while tasks are still going
// in (Put fails once a wrong result is in), which is as right as finding
// it in Wait.
func run(t *testing.T, cfg Config, n int) (Stats, error) {
	t.Helper()
	c, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.Close(); err != nil && cfg.Role == "" {
			t.Error(err)
		}
	}()
	for range n {
		if _, err := c.Put(); err != nil {
			st, _ := c.col.stats(int(c.Sent()))
			return st, err
		}
	}
	return c.Wait()
}

func goQueues() []Queue { return []Queue{Manager, ManagerProcess, Stream, NATS, JetStream} }

func TestQueuesLoopback(t *testing.T) {
	for _, q := range goQueues() {
		for _, task := range Tasks() {
			t.Run(string(q)+"/"+string(task), func(t *testing.T) {
				st, err := run(t, Config{Queue: q, Task: task, Procs: 2, Secret: "s"}, 500)
				if err != nil || st.Distinct != 500 || st.Duplicates != 0 || st.Redelivered != 0 {
					t.Fatalf("%+v, %v", st, err)
				}
			})
		}
	}
}

func TestQueuesAcrossHostsWithDelay(t *testing.T) {
	if err := deps.Check(deps.Namespaces...); err != nil {
		t.Skip(err)
	}
	h, err := netns.Create(2)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, q := range goQueues() {
		t.Run(string(q), func(t *testing.T) {
			st, err := run(t, Config{Queue: q, Task: Square, Hosts: h, NHosts: 2, Procs: 1, RTT: time.Millisecond, Secret: "s"}, 50)
			if err != nil || st.Distinct != 50 {
				t.Fatalf("%+v, %v", st, err)
			}
			if b, err := h.WireBytes(2); err != nil || b == 0 {
				t.Errorf("wire bytes %d, %v", b, err)
			}
		})
	}
}

// The tests below plant a fault in a worker and require the run to fail.
func TestFailsOnCorruptResult(t *testing.T) {
	role := faulty("corrupt", 3)
	for _, q := range goQueues() {
		_, err := run(t, Config{Queue: q, Task: Square, Procs: 1, Secret: "s", Role: role, Quiet: 2 * time.Second}, 20)
		if err == nil || !strings.Contains(err.Error(), "task") {
			t.Errorf("%s: a corrupted result passed: %v", q, err)
		}
	}
}

// With one task outstanding at a time the corrupt first result is always
// in before the second Put, which must fail (the flaky case of
// TestFailsOnCorruptResult, made certain).
func TestCorruptResultFoundAtPut(t *testing.T) {
	role := faulty("corrupt", 1)
	for _, q := range goQueues() {
		_, err := run(t, Config{Queue: q, Task: Square, Procs: 1, Secret: "s", Role: role, Outstanding: 1, Quiet: 2 * time.Second}, 20)
		if err == nil || !strings.Contains(err.Error(), "task 0: result") {
			t.Errorf("%s: a corrupted first result was not the run's error: %v", q, err)
		}
	}
}

func TestFailsOnDroppedResult(t *testing.T) {
	role := faulty("drop", 3)
	for _, q := range goQueues() {
		st, err := run(t, Config{Queue: q, Task: Square, Procs: 1, Secret: "s", Role: role, Quiet: 2 * time.Second}, 20)
		// A queue that takes the task back shows it as redelivered; one
		// that does not, as lost. Either fails a benchmark.
		if err == nil && st.Redelivered == 0 {
			t.Errorf("%s: a dropped result went unnoticed: %+v", q, st)
		}
	}
}

func TestWrongSecretRefused(t *testing.T) {
	c, err := Start(Config{Queue: Manager, Task: Square, Secret: "right", NoWorkers: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if conn, err := dial(c.Addr(), "wrong", time.Second); err == nil {
		conn.Close()
		t.Fatal("a worker with the wrong secret was let in")
	}
}

func TestPythonManager(t *testing.T) {
	if _, err := model.Interpreter(model.KindPythonProcess); err != nil {
		t.Skip(err)
	}
	st, err := run(t, Config{Queue: PythonManager, Task: Square, Procs: 2, Secret: "s"}, 300)
	if err != nil || st.Distinct != 300 || st.Duplicates != 0 {
		t.Fatalf("%+v, %v", st, err)
	}
}

func TestLocalQueues(t *testing.T) {
	for _, q := range LocalQueues() {
		t.Run(string(q), func(t *testing.T) {
			if strings.HasPrefix(string(q), "python") {
				if _, err := model.Interpreter(model.KindPythonProcess); err != nil {
					t.Skip(err)
				}
			}
			st, err := run(t, Config{Queue: q, Task: Square, Procs: 2, Secret: "s"}, 300)
			if err != nil || st.Distinct != 300 || st.Duplicates != 0 {
				t.Fatalf("%+v, %v", st, err)
			}
		})
	}
}

// Start's error for an unknown queue names every queue there is.
func TestUnknownQueueListsAll(t *testing.T) {
	if n := len(Queues()); n != 10 {
		t.Errorf("Queues() has %d queues, want 10: %v", n, Queues())
	}
	_, err := Start(Config{Queue: "no-such", Task: Square, NoWorkers: true})
	for _, q := range Queues() {
		if err == nil || !strings.Contains(err.Error(), string(q)) {
			t.Errorf("unknown-queue error %v does not name %s", err, q)
		}
	}
}

// A fault armed with InjectAt strikes with exactly its share of results
// in, however long the puts take and whenever the caller runs.
func TestInjectAtStrikesAtItsShare(t *testing.T) {
	for _, q := range []Queue{Manager, ManagerProcess, Stream} {
		c, err := Start(Config{Queue: q, Task: Square, Procs: 2, Secret: "s", Outstanding: 400, Quiet: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c.InjectAt(100, FaultKill)
		for range 400 {
			if _, err := c.Put(); err != nil {
				t.Fatal(err)
			}
		}
		st, _ := c.Wait() // the victim's tasks may be lost
		struck, done, err := c.Struck()
		if !struck || done != 100 || err != nil {
			t.Errorf("%s: struck %v with %d results in (%v), want at 100", q, struck, done, err)
		}
		if st.Distinct+st.Lost != 400 {
			t.Errorf("%s: %+v", q, st)
		}
		c.Close()
	}
}
