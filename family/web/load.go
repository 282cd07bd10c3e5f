package web

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/concbench/concbench/ipc"
)

// LoadOptions say what a closed-loop Load asks and over how many
// connections.
type LoadOptions struct {
	Addr  string
	Path  Path
	Conns int
	// CloseEvery > 0 sends "Connection: close" on every CloseEvery-th
	// request of a connection and dials a new one after it. The server
	// closes first, so the TIME_WAIT is on its side, not on the client's
	// ports. The counter rows use it to spread requests over connections:
	// one keep-alive connection stays with one worker process.
	CloseEvery int
}

// Load is a closed-loop HTTP/1.1 client: Conns goroutines, each with its
// own connection, each sending one request, reading and checking the whole
// response, then taking the next. Next hands out one request; a failed
// check stops the load and Stop returns the error. It is a small client of
// its own (a request is one prebuilt write, a response is parsed in place
// with bufio.Reader.ReadSlice) so that it costs about what wrk does; the
// net/http client would be measured as much as the server.
type Load struct {
	o         LoadOptions
	want      [][]byte // the right body per argument; nil for /count
	reqs      [][]byte // one prebuilt request per argument
	closeReqs [][]byte // the same with Connection: close
	tokens    chan struct{}
	failed    chan struct{}
	once      sync.Once
	err       error
	wg        sync.WaitGroup
	conns     []*conn
}

// Stats are what a Load saw.
type Stats struct {
	Requests uint64
	Hist     ipc.Hist       // latency of single requests
	Seen     map[int]uint64 // /count: the highest value each worker pid answered
	Dials    int
}

// NewLoad prepares a load; nothing is sent before Start.
func NewLoad(o LoadOptions) (*Load, error) {
	if o.Conns < 1 {
		return nil, fmt.Errorf("web: load on /%s: %d connections, want at least 1", o.Path, o.Conns)
	}
	l := &Load{o: o, tokens: make(chan struct{}, o.Conns), failed: make(chan struct{})}
	args := 1
	if o.Path != Count {
		var err error
		if l.want, err = Expected(o.Path); err != nil {
			return nil, err
		}
		args = len(l.want)
	}
	for a := 0; a < args; a++ {
		target := "/" + string(o.Path)
		if kernelOf(o.Path) != "" {
			target += "?arg=" + strconv.Itoa(a)
		}
		head := "GET " + target + " HTTP/1.1\r\nHost: " + o.Addr + "\r\nUser-Agent: concbench\r\n"
		l.reqs = append(l.reqs, []byte(head+"\r\n"))
		l.closeReqs = append(l.closeReqs, []byte(head+"Connection: close\r\n\r\n"))
	}
	for i := 0; i < o.Conns; i++ {
		l.conns = append(l.conns, &conn{l: l, arg: i % args, body: make([]byte, 0, 64), seen: map[int]uint64{}})
	}
	return l, nil
}

// Start starts the connection goroutines; each dials on its first request.
func (l *Load) Start() {
	l.wg.Add(len(l.conns))
	for _, c := range l.conns {
		go c.run()
	}
}

// Next hands one request to the next free connection, waiting while all
// are busy. It returns false once the load has failed.
func (l *Load) Next() bool {
	select {
	case l.tokens <- struct{}{}:
		return true
	case <-l.failed:
		return false
	}
}

// Stop waits for the requests handed out to finish, closes the
// connections and returns what the load saw, or its first error.
func (l *Load) Stop() (Stats, error) {
	close(l.tokens)
	l.wg.Wait()
	st := Stats{Seen: map[int]uint64{}}
	for _, c := range l.conns {
		st.Requests += c.n
		st.Dials += c.dials
		st.Hist.Merge(&c.hist)
		for pid, v := range c.seen {
			st.Seen[pid] = max(st.Seen[pid], v)
		}
	}
	return st, l.err
}

func (l *Load) fail(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.failed)
	})
}

// Check sends one request to addr's path over a new connection and
// checks the answer.
func Check(addr string, p Path) error {
	l, err := NewLoad(LoadOptions{Addr: addr, Path: p, Conns: 1})
	if err != nil {
		return err
	}
	l.Start()
	l.Next()
	_, err = l.Stop()
	return err
}

type conn struct {
	l         *Load
	c         net.Conn
	r         *bufio.Reader
	body      []byte
	arg       int
	sinceDial int
	dials     int
	n         uint64
	hist      ipc.Hist
	seen      map[int]uint64
}

func (c *conn) run() {
	defer c.l.wg.Done()
	defer c.hangUp()
	for range c.l.tokens {
		if err := c.do(); err != nil {
			c.l.fail(fmt.Errorf("web: GET /%s from %s: %w", c.l.o.Path, c.l.o.Addr, err))
			return
		}
	}
}

func (c *conn) hangUp() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// errIdleClosed is a reused connection that the server had closed (an
// idle keep-alive timeout) before the request: retried once on a new one.
var errIdleClosed = errors.New("connection closed before the response")

func (c *conn) do() error {
	arg := c.arg
	c.arg = (c.arg + 1) % len(c.l.reqs)
	closing := c.l.o.CloseEvery > 0 && c.sinceDial+1 >= c.l.o.CloseEvery
	req := c.l.reqs[arg]
	if closing {
		req = c.l.closeReqs[arg]
	}
	t0 := time.Now()
	status, body, srvClose, err := c.roundTrip(req)
	if errors.Is(err, errIdleClosed) && c.sinceDial > 0 {
		c.hangUp()
		t0 = time.Now()
		status, body, srvClose, err = c.roundTrip(req)
	}
	if err != nil {
		return err
	}
	c.hist.Record(time.Since(t0))
	c.n++
	c.sinceDial++
	if srvClose || closing {
		c.hangUp()
	}
	return c.verify(arg, status, body)
}

func (c *conn) roundTrip(req []byte) (status int, body []byte, srvClose bool, err error) {
	if c.c == nil {
		if c.c, err = net.Dial("tcp", c.l.o.Addr); err != nil {
			return 0, nil, false, err
		}
		c.c.(*net.TCPConn).SetNoDelay(true)
		if c.r == nil {
			c.r = bufio.NewReaderSize(c.c, 4096)
		} else {
			c.r.Reset(c.c)
		}
		c.dials++
		c.sinceDial = 0
	}
	if _, err := c.c.Write(req); err != nil {
		return 0, nil, false, fmt.Errorf("write request: %w", err)
	}
	return c.readResponse()
}

func (c *conn) verify(arg, status int, body []byte) error {
	if status != 200 {
		return fmt.Errorf("status %d, body %q", status, body)
	}
	if c.l.want != nil {
		if !bytes.Equal(body, c.l.want[arg]) {
			return fmt.Errorf("arg %d: body %q, want %q", arg, body, c.l.want[arg])
		}
		return nil
	}
	v, pid, err := parseCount(body)
	if err != nil {
		return err
	}
	c.seen[pid] = max(c.seen[pid], v)
	return nil
}

// RunFor runs a closed-loop load for d and returns what it saw and how
// long it really ran (from Start until the last answer).
func RunFor(o LoadOptions, d time.Duration) (Stats, time.Duration, error) {
	l, err := NewLoad(o)
	if err != nil {
		return Stats{}, 0, err
	}
	t0 := time.Now()
	l.Start()
	for end := t0.Add(d); time.Now().Before(end) && l.Next(); {
	}
	st, err := l.Stop()
	return st, time.Since(t0), err
}
