package distributed

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
)

// fakeMaster listens on loopback and plays greet to each connection; it
// returns the address and a channel of what each connection sent it after.
func fakeMaster(t *testing.T, greet func(net.Conn)) (string, <-chan []byte) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		greet(c)
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		b, _ := io.ReadAll(c)
		got <- b
	}()
	return ln.Addr().String(), got
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// A fake master that does not hold the secret is refused by the manager
// and stream workers before they send it a request or a window: the old
// one-way handshake let one in with any nonce and then a 1.
func TestWorkerRefusesFakeMaster(t *testing.T) {
	for _, c := range []struct {
		name  string
		greet func(net.Conn)
		want  error
	}{
		{"any nonce then 1", func(c net.Conn) { c.Write(append(random(nonceLen), 1)) }, errNotMaster},
		{"greeting, then a guessed proof and 1", func(c net.Conn) {
			c.Write(append(bytes.Clone(greeting), random(nonceLen)...))
			io.ReadFull(c, make([]byte, nonceLen))
			c.Write(append(random(32), 1))
		}, errNoProof},
		{"says nothing (an HTTP server)", func(net.Conn) {}, errNotMaster},
		{"greeting, then a proof made with another secret", func(c net.Conn) {
			nm := random(nonceLen)
			c.Write(append(bytes.Clone(greeting), nm...))
			nw := make([]byte, nonceLen)
			io.ReadFull(c, nw)
			c.Write(append(proof("other", "master", nm, nw), 1))
		}, errNoProof},
	} {
		for _, q := range []Queue{Manager, Stream} {
			addr, got := fakeMaster(t, c.greet)
			err := Work(Config{Queue: q, Task: Square, Secret: "s", HandshakeTimeout: 300 * time.Millisecond}, addr)
			if !errors.Is(err, c.want) {
				t.Errorf("%s, %s worker: %v, want %v", c.name, q, err, c.want)
			}
			if b := <-got; len(b) > nonceLen {
				t.Errorf("%s, %s worker: sent the fake master %d bytes after its nonce", c.name, q, len(b)-nonceLen)
			}
		}
	}
}

// relay takes the master's first message to a real worker and the worker's
// first answer back, as the relay of issue 25 did; then it acts as a
// worker with what it has: a get (manager) or a window (stream). It
// returns what the master sent it.
func relay(t *testing.T, master string, q Queue) []byte {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	werr := make(chan error, 1)
	go func() {
		werr <- Work(Config{Queue: q, Task: Square, Secret: "s", HandshakeTimeout: time.Second}, ln.Addr().String())
	}()
	w, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m, err := net.Dial("tcp", master)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.SetReadDeadline(time.Now().Add(time.Second))
	hello := make([]byte, 256)
	n, _ := m.Read(hello) // the master's first message, whatever its length
	w.Write(hello[:n])
	w.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	ans, _ := io.ReadAll(w) // the worker's answer, until it waits for more
	m.Write(ans)
	if q == Manager {
		m.Write([]byte{opGet, 15: 0, 16: 0})
	} else {
		m.Write([]byte{Window, 7: 0})
	}
	m.SetReadDeadline(time.Now().Add(2 * time.Second))
	got, _ := io.ReadAll(m)
	if err := <-werr; err == nil {
		t.Errorf("%s: the worker took the relay for its master", q)
	}
	return got
}

// A relay that hands the master's nonce to a real worker is not let in
// and takes no task: a real worker that comes after it gets every task
// once. The relay of the one-way handshake took a task and never answered
// (manager: one lost; stream: every task it took redelivered).
func TestRelayGetsNothing(t *testing.T) {
	for _, q := range []Queue{Manager, Stream} {
		c, err := Start(Config{Queue: q, Task: Square, Secret: "s", NoWorkers: true, HandshakeTimeout: time.Second, Quiet: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			c.Put()
		}
		got := relay(t, c.Addr(), q)
		if len(got) > sha256Size {
			t.Errorf("%s: the master sent the relay %d bytes, more than its proof: %x", q, len(got), got)
		}
		done := make(chan error, 1)
		go func() { done <- Work(Config{Queue: q, Task: Square, Secret: "s"}, c.Addr()) }()
		st, err := c.Wait()
		if err != nil || st.Distinct != 3 || st.Redelivered != 0 {
			t.Errorf("%s: after the relay, a real worker's run: %+v, %v", q, st, err)
		}
		c.Close()
		<-done
	}
}

const sha256Size = 32

// An idle connection that never authenticates is no worker: a master
// waiting for one worker keeps waiting until a real one is let in.
func TestIdleConnectionIsNotAWorker(t *testing.T) {
	for _, q := range []Queue{Manager, ManagerProcess, Stream, NATS} {
		if q == NATS && deps.NATS.Check() != nil {
			continue
		}
		c, err := Start(Config{Queue: q, Task: Square, Secret: "s", NoWorkers: true})
		if err != nil {
			t.Fatal(err)
		}
		idle, err := net.Dial("tcp", c.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AwaitWorkers(1, 300*time.Millisecond); err == nil {
			t.Errorf("%s: an idle connection counted as a worker", q)
		}
		done := make(chan error, 1)
		go func() { done <- Work(Config{Queue: q, Task: Square, Secret: "s"}, c.Addr()) }()
		if err := c.AwaitWorkers(1, 10*time.Second); err != nil {
			t.Errorf("%s: %v", q, err)
		}
		// The worker that counted does the work (and, for NATS, has
		// finished its client's connect, which a broker closed at once
		// would have reset).
		if _, err := c.Put(); err != nil {
			t.Errorf("%s: put: %v", q, err)
		} else if st, err := c.Wait(); err != nil || st.Distinct != 1 {
			t.Errorf("%s: the counted worker's result: %+v, %v", q, st, err)
		}
		idle.Close()
		c.Close()
		if err := <-done; err != nil {
			t.Errorf("%s worker: %v", q, err)
		}
	}
}

// No process of a run carries the secret on its command line, which every
// user of the machine can read (/proc/PID/cmdline): not the Go workers or
// manager process, not nats-server, not the Python master, its manager or
// its workers.
func TestSecretNotOnCommandLine(t *testing.T) {
	const secret = "argv-probe-5ecret"
	queues := []Queue{Manager, ManagerProcess, Stream}
	if deps.NATS.Check() == nil {
		queues = append(queues, NATS)
	}
	if _, err := model.Interpreter(model.KindPythonProcess); err == nil {
		queues = append(queues, PythonManager)
	}
	for _, q := range queues {
		c, err := Start(Config{Queue: q, Task: Square, Procs: 1, Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		pids := proc.Tree(os.Getpid())
		for _, pid := range pids {
			b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
			if err == nil && strings.Contains(string(b), secret) {
				t.Errorf("%s: process %d has the secret on its command line: %q", q, pid, bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
			}
		}
		if len(pids) < 2 {
			t.Errorf("%s: %d processes in the run's tree, want the master's children too", q, len(pids))
		}
		c.Close()
	}
}
