package distributed

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/concbench/concbench/proc"
)

// envListen tells the manager process (role dist-manager) where to listen.
const envListen = "CONCBENCH_DIST_LISTEN"

// The in-machine queues answer the seeds' remark that a Pool's workers
// need Manager().Queue(), not a plain Queue: what does the proxied queue
// cost beside a plain pipe, with master and workers on one machine?
//
//	local-manager  a manager process (role RoleManager) serves the task and
//	               result queues; the master's every put and every result
//	               it takes is a proxy call to it, and so are the workers'
//	               gets and puts: four request/responses per task
//	local-pipe     one pipe of tasks shared by every worker process and one
//	               pipe of results: 16-byte frames, atomic on a pipe, read
//	               whole by whichever worker reads first
//
// Go's are this binary's roles; Python's (python-local-manager,
// python-local-pipe) are dist_local.py with Manager().Queue() or
// multiprocessing.Queue() and its own multiprocessing workers.
const (
	LocalManager       Queue = "local-manager"
	LocalPipe          Queue = "local-pipe"
	PythonLocalManager Queue = "python-local-manager"
	PythonLocalPipe    Queue = "python-local-pipe"
)

// LocalQueues lists the in-machine queues.
func LocalQueues() []Queue {
	return []Queue{LocalManager, LocalPipe, PythonLocalManager, PythonLocalPipe}
}

// The master's own calls to a manager process: put a task, take a result.
const (
	opPutTask   = 3 // request: a task (seq, arg); response stOK
	opGetResult = 4 // request: the next result; response stTask with (seq, value)
	opClients   = 5 // request: how many clients are let in; response stOK with (n, 0)
)

// RoleManager is the manager process of local-manager and manager-process.
const RoleManager = "dist-manager"

func init() { proc.Register(RoleManager, serveManagerProcess) }

func serveManagerProcess() int {
	cfg, err := workerConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench dist-manager:", err)
		return 2
	}
	m, err := startTCP(os.Getenv(envListen), cfg, serveManager)
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench dist-manager:", err)
		return 1
	}
	if err := proc.Ready(); err != nil {
		return 1
	}
	fmt.Println(m.addr())
	io.Copy(io.Discard, os.Stdin) // until the parent closes it
	m.close()
	return 0
}

// proxyMaster is the master's side of local-manager and manager-process:
// one connection for puts, one for the goroutine that takes results.
type proxyMaster struct {
	*queues
	mgr      *proc.Child
	at       string
	mu       sync.Mutex // put1, req, resp
	put1, rd net.Conn
	req      [frameSize]byte
	resp     [frameSize]byte
	wg       sync.WaitGroup
}

// startProxyMaster starts the manager process listening on listen.
func startProxyMaster(listen string, cfg Config) (*proxyMaster, error) {
	c, err := proc.Start(RoleManager, proc.Options{Env: append(workerEnv(cfg, "", ""), envListen+"="+listen)})
	if err != nil {
		return nil, fmt.Errorf("dist: manager process: %w", err)
	}
	line, err := bufio.NewReader(c.Out).ReadString('\n')
	m := &proxyMaster{queues: newQueues(), mgr: c, at: strings.TrimSpace(line)}
	if err == nil {
		m.put1, err = dial(m.at, cfg.Secret, cfg.HandshakeTimeout)
	}
	if err == nil {
		m.rd, err = dial(m.at, cfg.Secret, cfg.HandshakeTimeout)
	}
	if err != nil {
		m.close()
		return nil, fmt.Errorf("dist: manager process: %w", err)
	}
	m.wg.Add(1)
	go m.takeResults()
	return m, nil
}

func (m *proxyMaster) addr() string { return m.at }

// clients is the manager process's workers: its clients but the master's
// two connections.
func (m *proxyMaster) clients() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if call(m.put1, m.req[:], m.resp[:], opClients, pair{}) != nil || m.resp[0] != stOK {
		return 0
	}
	return max(int(getPair(m.resp[1:]).a)-2, 0)
}

// cpuTime is the master's CPU and its manager process's.
func (m *proxyMaster) cpuTime() (time.Duration, error) {
	self, err := selfCPU()
	if err != nil {
		return 0, err
	}
	mgr, err := proc.CPU(m.mgr.Pid())
	return self + mgr, err
}

// call is one request/response on c.
func call(c net.Conn, req, resp []byte, op byte, p pair) error {
	req[0] = op
	putPair(req[1:], p)
	if _, err := c.Write(req); err != nil {
		return err
	}
	_, err := io.ReadFull(c, resp)
	return err
}

func (m *proxyMaster) put(seq, arg uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := call(m.put1, m.req[:], m.resp[:], opPutTask, pair{seq, arg}); err != nil || m.resp[0] != stOK {
		return fmt.Errorf("dist: put task %d to the manager process: %v (answer %d)", seq, err, m.resp[0])
	}
	return nil
}

func (m *proxyMaster) takeResults() {
	defer m.wg.Done()
	req, resp := make([]byte, frameSize), make([]byte, frameSize)
	for call(m.rd, req, resp, opGetResult, pair{}) == nil && resp[0] == stTask {
		if !m.result(getPair(resp[1:])) {
			return
		}
	}
}

func (m *proxyMaster) close() error {
	close(m.done)
	for _, c := range []net.Conn{m.put1, m.rd} {
		if c != nil {
			c.Close()
		}
	}
	err := m.mgr.Close()
	m.wg.Wait()
	return err
}

// pipeMaster is local-pipe's master: it writes tasks into one pipe and
// reads results from another; the workers' ends go to each worker as
// descriptors 3 and 4.
type pipeMaster struct {
	*queues
	tasksW, resultsR *os.File
	workerEnds       []*os.File // tasks read end, results write end
	buf              [16]byte
	wg               sync.WaitGroup
}

func startPipeMaster() (*pipeMaster, error) {
	tr, tw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("dist: task pipe: %w", err)
	}
	rr, rw, err := os.Pipe()
	if err != nil {
		tr.Close()
		tw.Close()
		return nil, fmt.Errorf("dist: result pipe: %w", err)
	}
	m := &pipeMaster{queues: newQueues(), tasksW: tw, resultsR: rr, workerEnds: []*os.File{tr, rw}}
	m.wg.Add(1)
	go m.takeResults()
	return m, nil
}

func (m *pipeMaster) addr() string            { return "pipe" }
func (m *pipeMaster) clients() int            { return 0 }
func (m *pipeMaster) workerFiles() []*os.File { return m.workerEnds }
func (m *pipeMaster) put(seq, arg uint64) error {
	putPair(m.buf[:], pair{seq, arg})
	if _, err := m.tasksW.Write(m.buf[:]); err != nil {
		return fmt.Errorf("dist: put task %d on the pipe: %w", seq, err)
	}
	return nil
}

// workersStarted closes the master's copies of the workers' ends, so that
// the result pipe reads EOF once the last worker exits.
func (m *pipeMaster) workersStarted() {
	for _, f := range m.workerEnds {
		f.Close()
	}
}

func (m *pipeMaster) takeResults() {
	defer m.wg.Done()
	buf := make([]byte, 16)
	for {
		if _, err := io.ReadFull(m.resultsR, buf); err != nil {
			return
		}
		if !m.result(getPair(buf)) {
			return
		}
	}
}

// close ends the task pipe: workers read EOF and exit.
func (m *pipeMaster) close() error {
	close(m.done)
	m.tasksW.Close()
	m.workersStarted() // in case no worker was started
	m.resultsR.Close()
	m.wg.Wait()
	return nil
}

// pipeWorker serves tasks from descriptor 3 and writes results to 4.
func pipeWorker(do step, ready func() error) error {
	in, out := os.NewFile(3, "tasks"), os.NewFile(4, "results")
	defer in.Close()
	defer out.Close()
	if err := ready(); err != nil {
		return err
	}
	buf, res := make([]byte, 16), make([]byte, 16)
	for {
		if _, err := io.ReadFull(in, buf); err != nil {
			return nil // the master closed the task pipe
		}
		t := getPair(buf)
		v, send, err := do(t.b)
		if err != nil {
			return err
		}
		if send {
			putPair(res, pair{t.a, v})
			if _, err := out.Write(res); err != nil {
				return fmt.Errorf("pipe result: %w", err)
			}
		}
	}
}
