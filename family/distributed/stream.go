package distributed

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// The stream queue is what a Go engineer would write: one persistent
// connection per worker. The worker opens with its window (how many tasks
// it will hold at once); the master pushes up to that many tasks, 16-byte
// frames, and each result (16 bytes) returns one credit. Nothing waits for
// a round trip per item, so a worker's rate is not bounded by 1/RTT.
//
// The master remembers the tasks in flight on each connection and puts them
// back on the queue when the connection dies or stalls (no result for
// Config.Stall while tasks are out): a killed worker or a dead link loses nothing,
// at the price of a task run twice when the stalled worker was only slow.

// Window is a stream worker's credit.
const Window = 16

// conn is one worker's connection on the master.
type streamConn struct {
	m      *queues
	c      net.Conn
	credit chan struct{}
	mu     sync.Mutex
	out    map[uint64]pair // in flight
}

// serveStream pushes tasks to one worker and collects its results until
// the connection fails or stalls; then it requeues what was in flight.
func serveStream(m *queues, c net.Conn) {
	var w [8]byte
	if _, err := io.ReadFull(c, w[:]); err != nil {
		return
	}
	n := binary.LittleEndian.Uint64(w[:])
	if n == 0 || n > 1<<12 {
		return
	}
	sc := &streamConn{m: m, c: c, credit: make(chan struct{}, n), out: map[uint64]pair{}}
	for range n {
		sc.credit <- struct{}{}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc.push(stop)
	}()
	sc.collect()
	close(stop)
	c.Close()
	wg.Wait()
	sc.requeue()
}

// push sends tasks while there is credit.
func (sc *streamConn) push(stop <-chan struct{}) {
	buf := make([]byte, 16)
	for {
		select {
		case <-sc.credit:
		case <-stop:
			return
		}
		var t pair
		select {
		case t = <-sc.m.tasks:
		case <-stop:
			return
		case <-sc.m.done:
			return
		}
		sc.mu.Lock()
		sc.out[t.a] = t
		sc.mu.Unlock()
		putPair(buf, t)
		if _, err := sc.c.Write(buf); err != nil {
			return // collect sees the broken connection too
		}
	}
}

// collect reads results until the connection fails or stalls.
func (sc *streamConn) collect() {
	r := bufio.NewReader(sc.c)
	buf := make([]byte, 16)
	for {
		sc.c.SetReadDeadline(time.Now().Add(sc.m.stall))
		_, err := io.ReadFull(r, buf)
		if errors.Is(err, os.ErrDeadlineExceeded) && sc.inFlight() == 0 {
			continue // idle, not stalled
		}
		if err != nil {
			return
		}
		p := getPair(buf)
		sc.mu.Lock()
		delete(sc.out, p.a)
		sc.mu.Unlock()
		if !sc.m.result(p) {
			return
		}
		sc.credit <- struct{}{}
	}
}

func (sc *streamConn) inFlight() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.out)
}

// requeue puts a dead connection's tasks back for the other workers.
func (sc *streamConn) requeue() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, t := range sc.out {
		select {
		case sc.m.tasks <- t:
			sc.m.redo.Add(1)
		case <-sc.m.done:
			return
		}
	}
}

// streamWorker runs tasks as they come and streams the results back. It
// flushes its results whenever it has no task waiting to be read.
func streamWorker(c net.Conn, do step) error {
	var w [8]byte
	binary.LittleEndian.PutUint64(w[:], Window)
	if _, err := c.Write(w[:]); err != nil {
		return fmt.Errorf("stream window: %w", err)
	}
	r, bw := bufio.NewReader(c), bufio.NewWriter(c)
	in, out := make([]byte, 16), make([]byte, 16)
	for {
		if r.Buffered() < 16 {
			if err := bw.Flush(); err != nil {
				if hungUp(err) || errors.Is(err, syscall.EPIPE) {
					return nil
				}
				return fmt.Errorf("stream flush: %w", err)
			}
		}
		if _, err := io.ReadFull(r, in); err != nil {
			if hungUp(err) {
				return nil // the master hung up: the run is over
			}
			return fmt.Errorf("stream read: %w", err)
		}
		t := getPair(in)
		v, send, err := do(t.b)
		if err != nil {
			return err
		}
		if send {
			putPair(out, pair{t.a, v})
			bw.Write(out)
		}
	}
}
