package distributed

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// queues is the master's state that every Go queue shares: the task queue
// workers take from, the result queue they put to, and done, closed when
// the master shuts down.
type queues struct {
	tasks   chan pair
	results chan pair
	done    chan struct{}
	redo    atomic.Int64  // tasks handed out a second time
	stall   time.Duration // stream: Config.Stall
	letIn   atomic.Int64  // a TCP master's connections let in (wire.go)
}

// queueCap bounds the task queue; a put into a full queue waits, as a
// bounded Python Queue's does.
const queueCap = 1 << 16

func newQueues() *queues {
	return &queues{tasks: make(chan pair, queueCap), results: make(chan pair, queueCap), done: make(chan struct{})}
}

func (q *queues) put(seq, arg uint64) error {
	select {
	case q.tasks <- pair{seq, arg}:
		return nil
	case <-q.done:
		return fmt.Errorf("dist: put task %d: master closed", seq)
	}
}

func (q *queues) result(p pair) bool {
	select {
	case q.results <- p:
		return true
	case <-q.done:
		return false
	}
}

func (q *queues) resultsCh() <-chan pair { return q.results }
func (q *queues) redelivered() int64     { return q.redo.Load() }

// Most masters hand their workers no descriptors.
func (q *queues) workerFiles() []*os.File { return nil }
func (q *queues) workersStarted()         {}

// The manager queue is the faithful port of the seeds' BaseManager: the
// master serves the task and result queues, and a worker's every get and
// put is one request and one response over TCP, as every method call on a
// Python proxy object is. A request and a response are 17 bytes: an op
// and a pair.
const (
	opGet     = 1 // request: the next task
	opPut     = 2 // request: a result (seq, value)
	stTask    = 1 // response to get: a task (seq, arg)
	stClosed  = 2 // response to get: the master has shut down
	stOK      = 3 // response to put
	frameSize = 17
)

// tcpMaster is a Go queue's master: the queues, served on a listener by
// one serve function per connection (the manager's or the stream's).
type tcpMaster struct {
	*queues
	srv *tcpServer
}

func startTCP(addr string, cfg Config, serve func(*queues, net.Conn)) (*tcpMaster, error) {
	m := &tcpMaster{queues: newQueues()}
	m.stall = cfg.Stall
	srv, err := listen(addr, cfg.Secret, cfg.HandshakeTimeout, &m.letIn, func(c net.Conn) { serve(m.queues, c) })
	if err != nil {
		return nil, err
	}
	m.srv = srv
	return m, nil
}

func (m *tcpMaster) addr() string { return m.srv.addr() }
func (m *tcpMaster) clients() int { return m.srv.clients() }

func (m *tcpMaster) close() error {
	close(m.done)
	m.srv.close()
	return nil
}

// serveManager answers one worker's requests until it hangs up.
func serveManager(m *queues, c net.Conn) {
	req, resp := make([]byte, frameSize), make([]byte, frameSize)
	for {
		if _, err := io.ReadFull(c, req); err != nil {
			return
		}
		switch req[0] {
		case opGet:
			select {
			case t := <-m.tasks:
				resp[0] = stTask
				putPair(resp[1:], t)
			case <-m.done:
				resp[0] = stClosed
			}
		case opPut:
			if !m.result(getPair(req[1:])) {
				return
			}
			resp[0] = stOK
		case opPutTask: // the master's put, to a manager process
			t := getPair(req[1:])
			if m.put(t.a, t.b) != nil {
				return
			}
			resp[0] = stOK
		case opGetResult: // the master taking a result from a manager process
			select {
			case r := <-m.results:
				resp[0] = stTask
				putPair(resp[1:], r)
			case <-m.done:
				return
			}
		case opClients:
			resp[0] = stOK
			putPair(resp[1:], pair{uint64(m.letIn.Load()), 0})
		default:
			return // a stray byte: the connection is not a manager client
		}
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}

// managerWorker gets, computes and puts until the master says closed.
func managerWorker(c net.Conn, do step) error {
	req, resp := make([]byte, frameSize), make([]byte, frameSize)
	for {
		if err := call(c, req, resp, opGet, pair{}); err != nil {
			if hungUp(err) {
				return nil // the master has gone: the run is over
			}
			return fmt.Errorf("manager get: %w", err)
		}
		if resp[0] == stClosed {
			return nil
		}
		t := getPair(resp[1:])
		v, send, err := do(t.b)
		if err != nil {
			return err
		}
		if !send {
			continue
		}
		if err := call(c, req, resp, opPut, pair{t.a, v}); err != nil {
			if hungUp(err) {
				return nil
			}
			return fmt.Errorf("manager put: %w", err)
		}
		if resp[0] != stOK {
			return fmt.Errorf("manager put: answer %d, want %d", resp[0], stOK)
		}
	}
}
